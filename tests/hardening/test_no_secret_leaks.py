"""No public object shows a secret in repr/str, and errors never echo one."""

from __future__ import annotations

import pytest

from lexoffice_auth import OAuthClient, ProviderMetadata, TokenSet
from lexoffice_auth._oauth.login import build_login
from lexoffice_auth._oauth.tokens import parse_token_response
from lexoffice_auth.errors import TokenStoreError
from tests.support.expect import raises_token

from ..support.oauth_helpers import REDIRECT, discovery_doc

SECRETS = ("ACCESS-SECRET", "REFRESH-SECRET", "ID-SECRET", "CLIENT-SECRET")


def shown(obj: object) -> str:
    return repr(obj) + str(obj) + format(obj)


def test_token_set_and_pending_login() -> None:
    tokens = TokenSet(
        access_token="ACCESS-SECRET", refresh_token="REFRESH-SECRET", id_token="ID-SECRET"
    )
    meta = ProviderMetadata.model_validate(discovery_doc())
    pending = build_login(meta, client_id="c", redirect_uri=REDIRECT, scopes=("openid",), now=0)
    client = OAuthClient("c", REDIRECT, metadata=meta, client_secret="CLIENT-SECRET")
    text = shown(tokens) + shown(pending) + shown(client) + tokens.model_dump_json()
    for secret in SECRETS:
        assert secret not in text
    for secret in (pending.state, pending.code_verifier, pending.nonce):
        assert secret is not None
        assert secret.get_secret_value() not in text


def test_errors_do_not_echo_token_values() -> None:
    with raises_token(None) as info:
        parse_token_response(200, b'{"access_token":"ACCESS-SECRET","token_type":"MAC"}', now=0)
    assert "ACCESS-SECRET" not in str(info.value)
    with pytest.raises(TokenStoreError) as info2:
        TokenSet.from_json('{"access_token":"ACCESS-SECRET","refresh_token":5}')
    assert "ACCESS-SECRET" not in str(info2.value)


async def test_token_layer_objects_hide_secrets(tmp_path: object) -> None:
    from pathlib import Path

    from lexoffice_auth import ApiKeyAuth, FileTokenStore, LexofficeAuth, MemoryTokenStore
    from tests.support.sources import make_source

    assert isinstance(tmp_path, Path)
    meta = ProviderMetadata.model_validate(discovery_doc())
    oauth = OAuthClient("c", REDIRECT, metadata=meta, client_secret="CLIENT-SECRET")
    tokens = TokenSet(
        access_token="ACCESS-SECRET", refresh_token="REFRESH-SECRET", id_token="ID-SECRET"
    )
    memory = MemoryTokenStore()
    await memory.save("acct", tokens)
    files = FileTokenStore(tmp_path / "t.json")
    await files.save("acct", tokens)
    auth = LexofficeAuth.from_oauth(oauth, "acct", memory)
    await auth.source.token_set()  # loads the tokens into the source's cache
    source = make_source(oauth, "acct", files)
    await source.token_set()
    api_key = ApiKeyAuth("API-KEY-SECRET")
    text = "".join(shown(o) for o in (oauth, memory, files, auth, auth.source, source, api_key))
    for secret in (*SECRETS, "API-KEY-SECRET"):
        assert secret not in text
