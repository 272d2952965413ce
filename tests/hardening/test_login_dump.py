"""Finding #11: a pending login's dump and repr show no state, nonce or PKCE values."""

from __future__ import annotations

import json

from lexoffice_auth import PendingLogin, ProviderMetadata
from lexoffice_auth._oauth.login import build_login
from tests.support.oauth_helpers import CLIENT_ID, REDIRECT, discovery_doc

META = ProviderMetadata.model_validate(discovery_doc())


def secrets_of(pending: PendingLogin) -> list[str]:
    from lexoffice_auth._oauth.pkce import code_challenge

    assert pending.nonce is not None
    verifier = pending.code_verifier.get_secret_value()
    return [
        pending.state.get_secret_value(),
        pending.nonce.get_secret_value(),
        verifier,
        code_challenge(verifier),
    ]


def test_dumps_and_repr_mask_state_nonce_and_challenge() -> None:
    pending = build_login(
        META, client_id=CLIENT_ID, redirect_uri=REDIRECT, scopes=("openid",), now=0.0
    )
    shown = [
        pending.model_dump_json(),
        str(pending.model_dump()),
        str(pending.model_dump(mode="json")),
        repr(pending),
        str(pending),
    ]
    for text in shown:
        for secret in secrets_of(pending):
            assert secret not in text, text
    dumped = json.loads(pending.model_dump_json())
    # What is left is still useful: the endpoint and the public parameters.
    assert dumped["authorization_url"].startswith(f"{META.authorization_endpoint}?")
    assert "client_id=client-123" in dumped["authorization_url"]
    assert (
        "state=%2A%2A%2A" in dumped["authorization_url"]
        or "state=***" in dumped["authorization_url"]
    )


def test_to_json_keeps_the_real_values_for_storage() -> None:
    pending = build_login(
        META, client_id=CLIENT_ID, redirect_uri=REDIRECT, scopes=("openid",), now=0.0
    )
    again = PendingLogin.from_json(pending.to_json())
    assert again == pending
    assert again.authorization_url == pending.authorization_url
