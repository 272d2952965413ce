"""The SDK against panva's oidc-provider, a certified OpenID provider (Node), on 127.0.0.1.

Skipped without ``node`` (see tests/support/oidc_provider.py). Every exchange is real HTTP
between two independent implementations of the same RFCs.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from lexoffice_auth import LexofficeAuth, MemoryTokenStore, OAuthClient, TokenSet
from lexoffice_auth.errors import AuthorizationDenied, TokenEndpointError
from lexoffice_auth.keys import ClientKey
from lexoffice_auth.testing import FakeClock

from ..support.oidc_provider import REDIRECT, browse, client, oidc_provider

pytestmark = pytest.mark.slow  # a Node process per test

SECRET = "interop-secret-0123456789abcdefghijkl"


@asynccontextmanager
async def connected(
    issuer: str, client_id: str, *, hooks: Any = None, **options: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, OAuthClient]]:
    """An ``OAuthClient`` for ``client_id`` at the provider, over its own httpx client
    (with ``hooks`` as its event hooks); scopes ask for a refresh token unless given."""
    options.setdefault("scopes", ("openid", "offline_access"))
    async with (
        httpx.AsyncClient(event_hooks=hooks) as http,
        OAuthClient(client_id, REDIRECT, issuer=issuer, http_client=http, **options) as oauth,
    ):
        yield http, oauth


async def log_in(oauth: OAuthClient) -> TokenSet:
    """A whole login: the provider approves it at once."""
    pending = await oauth.start_login()
    return await oauth.complete_login(await browse(pending.authorization_url), pending)


async def test_login_refresh_and_revocation_with_a_client_secret() -> None:
    config = {"clients": [client("web", client_secret=SECRET)]}
    with oidc_provider(**config) as issuer:
        async with connected(issuer, "web", client_secret=SECRET) as (_, oauth):
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
        async with connected(issuer, "web", client_secret=SECRET) as (_, oauth):
            tokens = await log_in(oauth)
            await oauth.refresh(tokens)
            with pytest.raises(TokenEndpointError) as info:
                await oauth.refresh(tokens)  # the old one: rotation made it dead
            assert info.value.error == "invalid_grant"


async def test_the_auth_refreshes_an_expired_token_before_a_userinfo_call() -> None:
    clock = FakeClock()  # real time, plus what the test skips: the provider's clock is real
    with oidc_provider(clients=[client("web", client_secret=SECRET)]) as issuer:
        async with connected(issuer, "web", client_secret=SECRET, clock=clock) as (http, oauth):
            tokens = await log_in(oauth)
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


# --- PAR, DPoP, private_key_jwt and FAPI 2.0 ------------------------------------------------

CLIENT_KEY = ClientKey.load(ClientKey.generate("ES256").to_jwk(), kid="interop-1")


def _key_client(client_id: str, **metadata: Any) -> dict[str, Any]:
    """A client that authenticates by private_key_jwt with CLIENT_KEY."""
    public = {**CLIENT_KEY.public_jwk, "kid": CLIENT_KEY.kid, "alg": CLIENT_KEY.alg, "use": "sig"}
    return client(
        client_id,
        token_endpoint_auth_method="private_key_jwt",
        token_endpoint_auth_signing_alg="ES256",
        jwks={"keys": [public]},
        **metadata,
    )


async def test_a_pushed_private_key_jwt_login_and_refresh() -> None:
    with oidc_provider(clients=[_key_client("par")]) as issuer:
        async with connected(issuer, "par", client_key=CLIENT_KEY, par=True) as (_, oauth):
            pending = await oauth.start_login()
            query = parse_qs(urlsplit(pending.authorization_url).query)
            assert set(query) == {"client_id", "request_uri"}
            tokens = await oauth.complete_login(await browse(pending.authorization_url), pending)
            assert tokens.token_type == "Bearer" and tokens.id_claims is not None
            refreshed = await oauth.refresh(tokens)
            assert refreshed.access_token != tokens.access_token
            await oauth.revoke(refreshed)  # authenticated by an assertion too


async def test_a_par_only_client_without_par_gets_a_clear_error() -> None:
    registered = _key_client("par-only", require_pushed_authorization_requests=True)
    with oidc_provider(clients=[registered]) as issuer:
        async with connected(issuer, "par-only", client_key=CLIENT_KEY, scopes=("openid",)) as (
            _,
            oauth,
        ):
            pending = await oauth.start_login()  # the provider's metadata does not require it
            assert "request_uri" not in pending.authorization_url
            with pytest.raises(AuthorizationDenied, match="Pushed Authorization Request") as info:
                await oauth.complete_login(await browse(pending.authorization_url), pending)
            assert info.value.error == "invalid_request"


async def test_dpop_login_userinfo_and_refresh_with_the_same_key_through_nonces() -> None:
    registered = _key_client("dpop", dpop_bound_access_tokens=True)
    challenges: list[tuple[str, int]] = []

    requests: list[httpx.Request] = []

    async def seen(response: httpx.Response) -> None:
        requests.append(response.request)
        if "use_dpop_nonce" in response.headers.get("www-authenticate", "") or (
            response.status_code == 400 and b"use_dpop_nonce" in await response.aread()
        ):
            challenges.append((response.request.url.path, response.status_code))

    with oidc_provider(clients=[registered], requireDpopNonce=True) as issuer:
        async with connected(
            issuer, "dpop", client_key=CLIENT_KEY, dpop=True, hooks={"response": [seen]}
        ) as (http, oauth):
            pending = await oauth.start_login()
            assert "dpop_jkt=" in pending.authorization_url  # bound without PAR (§10)
            tokens = await oauth.complete_login(await browse(pending.authorization_url), pending)
            assert tokens.token_type == "DPoP" and tokens.dpop_key is not None
            assert (await oauth.userinfo(tokens))["sub"] == "user-1"
            # Saved as expired (the provider's clock is real, so the SDK's cannot jump):
            # the auth refreshes first, with the same key, then calls userinfo with the
            # new token; its first proof lacks the nonce, the retry carries it.
            store = MemoryTokenStore()
            auth = LexofficeAuth.from_oauth(oauth, "acme", store, api_origins=[issuer])
            await auth.source.save(tokens.model_copy(update={"expires_at": time.time() - 1}))
            userinfo = (await oauth.metadata()).userinfo_endpoint
            assert userinfo is not None
            response = await http.get(userinfo, auth=auth)
            assert response.status_code == 200 and response.json()["sub"] == "user-1"
            stored = await store.load("acme")
            assert stored is not None and stored.access_token != tokens.access_token
            assert stored.token_type == "DPoP" and stored.dpop_key == tokens.dpop_key
            # Each server asked once for its nonce; each challenge was answered by one retry.
            assert challenges == [("/token", 400), ("/me", 401)]
            token_requests = [r for r in requests if r.url.path == "/token"]
            assert len(token_requests) == 3  # the nonce challenge, the code, one refresh


async def test_the_fapi2_profile_end_to_end() -> None:
    registered = _key_client(
        "fapi",
        dpop_bound_access_tokens=True,
        require_pushed_authorization_requests=True,
    )
    with oidc_provider(clients=[registered], fapi=True, requireDpopNonce=True) as issuer:
        async with connected(issuer, "fapi", client_key=CLIENT_KEY, profile="fapi2") as (_, oauth):
            pending = await oauth.start_login()
            assert "request_uri=" in pending.authorization_url
            tokens = await oauth.complete_login(await browse(pending.authorization_url), pending)
            assert tokens.token_type == "DPoP"
            refreshed = await oauth.refresh(tokens)
            assert refreshed.dpop_key == tokens.dpop_key
            assert (await oauth.userinfo(refreshed))["sub"] == "user-1"
