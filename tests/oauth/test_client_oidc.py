"""OpenID Connect through OAuthClient: id_tokens checked on login and refresh, userinfo, logout."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import respx

from lexoffice_auth import OAuthClient, PendingLogin, TokenSet
from lexoffice_auth._oauth.idtoken import at_hash
from lexoffice_auth.errors import ConfigurationError, IdTokenError
from tests.support.expect import raises_provider

from ..support.jwt_helpers import (
    CLIENT_ID,
    ISSUER,
    JWKS_URI,
    NOW,
    SUB,
    USERINFO_URI,
    claims,
    jwks,
    metadata,
    rsa_key,
)

REDIRECT = "https://app.example.com/callback"
KEY = rsa_key()
NEW_KEY = rsa_key("rsa-2")


def token_response(access: str, id_token: str | None, refresh: str = "RT") -> httpx.Response:
    body = {"access_token": access, "token_type": "Bearer", "expires_in": 300}
    body["refresh_token"] = refresh
    if id_token is not None:
        body["id_token"] = id_token
    return httpx.Response(200, json=body)


def id_token(pending: PendingLogin, access: str, **over: object) -> str:
    nonce = pending.nonce.get_secret_value() if pending.nonce else None
    return KEY.sign(claims(nonce=nonce, at_hash=at_hash(access, "RS256"), **over))


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as r:
        r.get(JWKS_URI).respond(json=jwks(KEY))
        yield r


def client() -> OAuthClient:
    return OAuthClient(CLIENT_ID, REDIRECT, metadata=metadata(), clock=lambda: NOW)


def callback(pending: PendingLogin) -> str:
    return f"{REDIRECT}?{urlencode({'code': 'C', 'state': pending.state.get_secret_value()})}"


async def login(oauth: OAuthClient, router: respx.MockRouter, **over: object) -> TokenSet:
    pending = await oauth.start_login(scopes=["openid", "email"])
    router.post(f"{ISSUER}/token").mock(
        return_value=token_response("AT-1", id_token(pending, "AT-1", **over))
    )
    return await oauth.complete_login(callback(pending), pending)


async def test_login_attaches_verified_claims(router: respx.MockRouter) -> None:
    async with client() as oauth:
        tokens = await login(oauth, router)
    assert tokens.id_claims is not None
    assert tokens.id_claims.sub == SUB
    assert tokens.id_claims.email == "ada@example.com"
    assert TokenSet.from_json(tokens.to_json()).id_claims == tokens.id_claims


@pytest.mark.parametrize(
    ("override", "check"),
    [
        ({"nonce": "another"}, "nonce"),
        ({"aud": "someone-else"}, "aud"),
        ({"iss": "https://x"}, "iss"),
    ],
)
async def test_login_with_bad_id_token_is_rejected(
    router: respx.MockRouter, override: dict[str, object], check: str
) -> None:
    async with client() as oauth:
        pending = await oauth.start_login(scopes=["openid"])
        nonce = override.pop("nonce", pending.nonce.get_secret_value() if pending.nonce else None)
        bad = KEY.sign(claims(nonce=nonce, at_hash=at_hash("AT-1", "RS256"), **override))
        router.post(f"{ISSUER}/token").mock(return_value=token_response("AT-1", bad))
        with pytest.raises(IdTokenError) as info:
            await oauth.complete_login(callback(pending), pending)
    assert info.value.check == check


async def test_refresh_checks_new_id_token_and_same_sub(router: respx.MockRouter) -> None:
    async with client() as oauth:
        tokens = await login(oauth, router)
        same = KEY.sign(claims(nonce=None, at_hash=at_hash("AT-2", "RS256"), email="new@x.example"))
        router.post(f"{ISSUER}/token").mock(return_value=token_response("AT-2", same))
        refreshed = await oauth.refresh(tokens)
        assert refreshed.id_claims is not None
        assert refreshed.id_claims.email == "new@x.example"

        other = KEY.sign(claims(nonce=None, at_hash=at_hash("AT-3", "RS256"), sub="intruder"))
        router.post(f"{ISSUER}/token").mock(return_value=token_response("AT-3", other))
        with pytest.raises(IdTokenError) as info:
            await oauth.refresh(refreshed)
    assert info.value.check == "sub"


async def test_refresh_keeps_tokens_when_jwks_is_down(router: respx.MockRouter) -> None:
    async with client() as oauth:
        tokens = await login(oauth, router)
        router.get(JWKS_URI).respond(503)
        rotated = NEW_KEY.sign(claims(nonce=None, at_hash=at_hash("AT-2", "RS256")))
        router.post(f"{ISSUER}/token").mock(return_value=token_response("AT-2", rotated, "RT-2"))
        refreshed = await oauth.refresh(tokens)
    # The rotated refresh token must survive; the unverifiable id_token must not be used.
    assert refreshed.access_token.get_secret_value() == "AT-2"
    assert refreshed.refresh_token is not None
    assert refreshed.refresh_token.get_secret_value() == "RT-2"
    assert refreshed.id_token == tokens.id_token
    assert refreshed.id_claims == tokens.id_claims


async def test_userinfo_sub_must_match(router: respx.MockRouter) -> None:
    async with client() as oauth:
        tokens = await login(oauth, router)
        route = router.get(USERINFO_URI)
        route.respond(json={"sub": SUB, "email": "ada@example.com"})
        assert (await oauth.userinfo(tokens))["email"] == "ada@example.com"
        assert route.calls[0].request.headers["authorization"] == "Bearer AT-1"
        route.respond(json={"sub": "someone-else"})
        with raises_provider("userinfo", match="sub"):
            await oauth.userinfo(tokens)
        with pytest.raises(ConfigurationError, match="openid"):
            await oauth.userinfo(TokenSet(access_token="x"))


async def test_end_session_url_carries_the_id_token_hint(router: respx.MockRouter) -> None:
    async with client() as oauth:
        tokens = await login(oauth, router)
        url = await oauth.end_session_url(tokens, post_logout_redirect_uri="https://app.example/")
    parts = urlsplit(url)
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{ISSUER}/logout"
    assert tokens.id_token is not None
    assert q["id_token_hint"] == tokens.id_token.get_secret_value()
    assert q["post_logout_redirect_uri"] == "https://app.example/"
    assert q["client_id"] == CLIENT_ID
