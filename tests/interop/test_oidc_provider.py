"""The SDK against panva's oidc-provider, a certified OpenID provider (Node), on 127.0.0.1.

Skipped without ``node`` (see tests/support/oidc_provider.py). Every exchange is real HTTP
between two independent implementations of the same RFCs.
"""

from __future__ import annotations

import httpx
import pytest

from lexoffice_auth import LexofficeAuth, MemoryTokenStore, OAuthClient
from lexoffice_auth.errors import TokenEndpointError
from lexoffice_auth.testing import FakeClock

from ..support.oidc_provider import REDIRECT, browse, client, oidc_provider

pytestmark = pytest.mark.slow  # a Node process per test

SECRET = "interop-secret-0123456789abcdefghijkl"


async def test_login_refresh_and_revocation_with_a_client_secret() -> None:
    config = {"clients": [client("web", client_secret=SECRET)]}
    with oidc_provider(**config) as issuer:
        async with (
            httpx.AsyncClient() as http,
            OAuthClient(
                "web",
                REDIRECT,
                issuer=issuer,
                client_secret=SECRET,
                scopes=("openid", "offline_access"),
                http_client=http,
            ) as oauth,
        ):
            pending = await oauth.start_login()
            assert "code_challenge_method=S256" in pending.authorization_url
            tokens = await oauth.complete_login(await browse(pending.authorization_url), pending)
            assert tokens.id_token is not None and tokens.refresh_token is not None
            refreshed = await oauth.refresh(tokens)
            assert refreshed.access_token != tokens.access_token
            assert refreshed.refresh_token != tokens.refresh_token  # rotated
            await oauth.revoke(refreshed)
            with pytest.raises(TokenEndpointError) as info:
                await oauth.refresh(refreshed)
            assert info.value.error == "invalid_grant"


async def test_a_refresh_token_used_twice_is_refused() -> None:
    config = {"clients": [client("web", client_secret=SECRET)]}
    with oidc_provider(**config) as issuer:
        async with (
            httpx.AsyncClient() as http,
            OAuthClient(
                "web",
                REDIRECT,
                issuer=issuer,
                client_secret=SECRET,
                scopes=("openid", "offline_access"),
                http_client=http,
            ) as oauth,
        ):
            pending = await oauth.start_login()
            tokens = await oauth.complete_login(await browse(pending.authorization_url), pending)
            await oauth.refresh(tokens)
            with pytest.raises(TokenEndpointError) as info:
                await oauth.refresh(tokens)  # the old one: rotation made it dead
            assert info.value.error == "invalid_grant"


async def test_the_auth_refreshes_an_expired_token_before_a_userinfo_call() -> None:
    clock = FakeClock()  # real time, plus what the test skips: the provider's clock is real
    with oidc_provider(clients=[client("web", client_secret=SECRET)]) as issuer:
        async with (
            httpx.AsyncClient() as http,
            OAuthClient(
                "web",
                REDIRECT,
                issuer=issuer,
                client_secret=SECRET,
                scopes=("openid", "offline_access"),
                http_client=http,
                clock=clock,
            ) as oauth,
        ):
            pending = await oauth.start_login()
            tokens = await oauth.complete_login(await browse(pending.authorization_url), pending)
            store = MemoryTokenStore()
            auth = LexofficeAuth.from_oauth(oauth, "acme", store, api_origins=[issuer])
            await auth.source.save(tokens)
            saved = await store.load("acme")
            assert saved is not None
            clock.advance(2 * 3600)  # the access token (1 h) has expired, as the SDK sees it
            userinfo = (await oauth.metadata()).userinfo_endpoint
            assert userinfo is not None
            response = await http.get(userinfo, auth=auth)
            assert response.status_code == 200 and response.json()["sub"] == "user-1"
            stored = await store.load("acme")
            assert stored is not None and stored.generation == saved.generation + 1  # refreshed
            assert stored.access_token != saved.access_token
