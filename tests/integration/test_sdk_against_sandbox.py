"""End to end: the SDK's OAuthClient against the sandbox, through all three mountings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest

from lexoffice_auth import OAuthClient
from lexoffice_auth._auth import LexofficeAuth
from lexoffice_auth.errors import AuthorizationDenied, NetworkError, TokenEndpointError
from lexoffice_auth.stores import MemoryTokenStore
from lexoffice_auth.testing import FakeClock, FakeLexoffice
from tests.support.expect import raises_token
from tests.support.sources import make_source

REDIRECT = "http://127.0.0.1:8400/callback"

Mounting = Callable[[FakeLexoffice], AbstractAsyncContextManager[httpx.AsyncClient]]


@asynccontextmanager
async def via_transport(fake: FakeLexoffice) -> AsyncIterator[httpx.AsyncClient]:
    async with fake.client() as http:
        yield http


@asynccontextmanager
async def via_respx(fake: FakeLexoffice) -> AsyncIterator[httpx.AsyncClient]:
    with fake.mock():
        async with httpx.AsyncClient() as http:
            yield http


@asynccontextmanager
async def via_server(fake: FakeLexoffice) -> AsyncIterator[httpx.AsyncClient]:
    async with fake.serve(), httpx.AsyncClient() as http:
        yield http


MOUNTINGS = pytest.mark.parametrize(
    "mount", [via_transport, via_respx, via_server], ids=["transport", "respx", "served"]
)


def oauth_for(fake: FakeLexoffice, http: httpx.AsyncClient, **kwargs: Any) -> OAuthClient:
    kwargs.setdefault("scopes", ("openid", "email", "profile", "contacts.read"))
    return OAuthClient(
        "sandbox-client", REDIRECT, issuer=fake.issuer, http_client=http, clock=fake.clock, **kwargs
    )


async def follow(http: httpx.AsyncClient, authorization_url: str) -> str:
    """Play the browser: GET the authorization URL and return the redirect target."""
    response = await http.get(authorization_url, follow_redirects=False)
    assert response.status_code == 302, response.text
    location: str = response.headers["location"]
    return location


@MOUNTINGS
async def test_login_refresh_revoke(mount: Mounting) -> None:
    fake = FakeLexoffice()
    async with mount(fake) as http:
        oauth = oauth_for(fake, http)
        metadata = await oauth.metadata()
        assert metadata.issuer == fake.issuer
        pending = await oauth.start_login()
        callback = await follow(http, pending.authorization_url)
        assert callback.startswith(REDIRECT + "?")
        tokens = await oauth.complete_login(callback, pending)
        assert tokens.id_claims is not None
        assert tokens.id_claims.sub == "sandbox-user-1"
        assert tokens.id_claims.email == "max.mustermann@example.com"
        assert tokens.scopes == ("openid", "email", "profile", "contacts.read")

        info = await oauth.userinfo(tokens)
        assert info["sub"] == "sandbox-user-1"

        refreshed = await oauth.refresh(tokens)
        assert refreshed.access_token != tokens.access_token
        assert refreshed.refresh_token != tokens.refresh_token
        assert refreshed.id_claims is not None and refreshed.id_claims.sub == "sandbox-user-1"

        await oauth.revoke(refreshed)
        with raises_token("invalid_grant"):
            await oauth.refresh(refreshed)
    assert fake.token_calls == {"authorization_code": 1, "refresh_token": 2}
    assert fake.calls["discovery"] == 1
    assert fake.calls["revocation"] == 2  # refresh token, then access token


@MOUNTINGS
async def test_auth_calls_the_api_and_refreshes_on_401(mount: Mounting) -> None:
    fake = FakeLexoffice(rate_limit=None)
    async with mount(fake) as http:
        oauth = oauth_for(fake, http)
        pending = await oauth.start_login()
        tokens = await oauth.complete_login(await follow(http, pending.authorization_url), pending)
        source = make_source(oauth, "acme", MemoryTokenStore(), clock=fake.clock)
        await source.save(tokens)
        auth = LexofficeAuth(source, api_origins=[fake.api_base])
        first = await http.get(f"{fake.api_base}/v1/ping", auth=auth)
        assert first.json() == {"userEmail": "max.mustermann@example.com"}
        fake.revoke_access_tokens()
        second = await http.get(f"{fake.api_base}/v1/profile", auth=auth)
        assert second.status_code == 200
    assert fake.token_calls["refresh_token"] == 1


async def test_token_source_refreshes_when_the_fake_clock_runs_out() -> None:
    clock = FakeClock(start=1_800_000_000.0, ticking=False)
    fake = FakeLexoffice(clock=clock, access_token_lifetime=300)
    async with fake.client() as http:
        oauth = oauth_for(fake, http)
        pending = await oauth.start_login()
        tokens = await oauth.complete_login(fake.approve(pending.authorization_url), pending)
        source = make_source(oauth, "acme", clock=clock)
        await source.save(tokens)
        first = await source.access_token()
        clock.advance(200)
        assert await source.access_token() == first  # 100 s left, above the 75 s leeway
        clock.advance(50)
        assert await source.access_token() != first
    assert fake.token_calls["refresh_token"] == 1


async def test_denied_login_surfaces_as_authorization_denied() -> None:
    fake = FakeLexoffice()
    fake.deny_next_login()
    async with fake.client() as http:
        oauth = oauth_for(fake, http)
        pending = await oauth.start_login()
        with pytest.raises(AuthorizationDenied) as info:
            await oauth.complete_login(fake.approve(pending.authorization_url), pending)
    assert info.value.error == "access_denied"


@pytest.mark.parametrize(
    ("kind", "error"),
    [("timeout", NetworkError), ("500", TokenEndpointError), ("garbage", TokenEndpointError)],
)
async def test_injected_token_failures_reach_the_sdk_as_typed_errors(
    kind: Any, error: type[Exception]
) -> None:
    fake = FakeLexoffice()
    async with fake.client() as http:
        oauth = oauth_for(fake, http)
        pending = await oauth.start_login()
        tokens = await oauth.complete_login(fake.approve(pending.authorization_url), pending)
        fake.fail_next_token_requests(1, kind)
        with pytest.raises(error):
            await oauth.refresh(tokens)
        assert (await oauth.refresh(tokens)).access_token != tokens.access_token


async def test_signing_key_rotation_is_followed_by_the_sdk() -> None:
    fake = FakeLexoffice()
    async with fake.client() as http:
        oauth = oauth_for(fake, http)
        pending = await oauth.start_login()
        tokens = await oauth.complete_login(fake.approve(pending.authorization_url), pending)
        fake.rotate_signing_key(keep_old=False)
        refreshed = await oauth.refresh(tokens)
    assert refreshed.id_claims is not None
    assert fake.calls["jwks"] == 2


async def test_confidential_client_with_the_lexoffice_style_preset_parameters() -> None:
    fake = FakeLexoffice()
    fake.register_client("partner-app", [REDIRECT], "s3cret")
    async with fake.client() as http:
        oauth = OAuthClient(
            "partner-app",
            REDIRECT,
            issuer=fake.issuer,
            client_secret="s3cret",
            scopes=("contacts.read", "invoices.read"),
            scope_param="scopes",
            scope_separator=",",
            http_client=http,
            clock=fake.clock,
        )
        pending = await oauth.start_login()
        assert "scopes=contacts.read%2Cinvoices.read" in pending.authorization_url
        tokens = await oauth.complete_login(fake.approve(pending.authorization_url), pending)
    assert tokens.scopes == ("contacts.read", "invoices.read")
    assert tokens.id_token is None


async def test_logged_in_fixture_holds_the_sandbox_users_tokens(
    fake_lexoffice: FakeLexoffice, lexoffice_auth_logged_in: LexofficeAuth
) -> None:
    source = lexoffice_auth_logged_in.source
    assert source.current is None  # loaded lazily from its store
    tokens = await source.token_set()
    assert tokens.id_claims is not None and tokens.id_claims.sub == "sandbox-user-1"
    assert tokens.id_claims.email == "max.mustermann@example.com"
    assert tokens.refresh_token is not None
    # The sandbox accepts the access token as it is: no refresh was needed to use it.
    async with fake_lexoffice.client() as http:
        response = await http.get(
            f"{fake_lexoffice.api_base}/v1/ping",
            headers={"Authorization": f"Bearer {tokens.access_token.get_secret_value()}"},
        )
    assert response.json() == {"userEmail": "max.mustermann@example.com"}
    assert fake_lexoffice.token_calls == {"authorization_code": 1}


async def test_logged_in_fixture_calls_the_api(
    fake_lexoffice: FakeLexoffice, lexoffice_auth_logged_in: LexofficeAuth
) -> None:
    async with httpx.AsyncClient(
        auth=lexoffice_auth_logged_in, transport=fake_lexoffice.transport()
    ) as http:
        response = await http.get(f"{fake_lexoffice.api_base}/v1/profile")
    assert response.status_code == 200
    assert response.json()["created"]["userEmail"] == "max.mustermann@example.com"
    assert fake_lexoffice.token_calls == {"authorization_code": 1}
