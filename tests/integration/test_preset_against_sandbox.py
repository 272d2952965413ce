"""The lexoffice-style preset (raw Basic credentials, ``scopes=``) against the sandbox."""

from __future__ import annotations

import pytest

from lexoffice_auth import OAuthClient
from lexoffice_auth.testing import FakeLexoffice


@pytest.mark.parametrize("encoding", ["raw", "form"])
async def test_secret_with_reserved_characters_in_either_basic_encoding(encoding: str) -> None:
    fake = FakeLexoffice(rate_limit=None)
    secret = "p+ss/w=rd%20"
    fake.register_client("partner", ["https://shop.example/cb"], secret)
    oauth = OAuthClient(
        "partner",
        "https://shop.example/cb",
        issuer=fake.issuer,
        client_secret=secret,
        scopes=["openid", "contacts.read"],
        http_client=fake.client(),
        clock=fake.clock,
        basic_auth_encoding=encoding,  # type: ignore[arg-type]
    )
    async with oauth:
        pending = await oauth.start_login()
        tokens = await oauth.complete_login(fake.approve(pending.authorization_url), pending)
        refreshed = await oauth.refresh(tokens)
    assert refreshed.access_token != tokens.access_token
    assert fake.token_calls["authorization_code"] == 1
    assert fake.token_calls["refresh_token"] == 1
