"""Findings #8 and #9: a pending login is bound to the client that started it, and the
callback must arrive at the login's own redirect URI (RFC 9700 §4.4.2.2 mix-up defence)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import respx

from lexoffice_auth import OAuthClient, PendingLogin, ProviderMetadata
from lexoffice_auth._oauth.login import build_login, parse_callback
from tests.support.expect import raises_login
from tests.support.oauth_helpers import CLIENT_ID, ISSUER, REDIRECT, discovery_doc, token_body

OTHER = "https://other-id.example.net"
NOW = 1_700_000_000.0
META = ProviderMetadata.model_validate(discovery_doc())
# lexoffice's partner OAuth sends no iss: the redirect URI is the only mix-up defence.
META_NO_ISS = ProviderMetadata.model_validate(
    discovery_doc(authorization_response_iss_parameter_supported=False)
)


def static_meta(issuer: str) -> ProviderMetadata:
    return ProviderMetadata.model_validate(
        discovery_doc(issuer, authorization_response_iss_parameter_supported=False)
    )


def query(pending: PendingLogin) -> str:
    return urlencode({"code": "C", "state": pending.state.get_secret_value()})


@pytest.fixture
def token_a() -> respx.MockRouter:
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{ISSUER}/token").respond(200, content=token_body())
        router.post(f"{OTHER}/token").respond(200, content=token_body())
        yield router


# --- #8: exchange_code checks what complete_login checks -----------------------------------


async def test_exchange_code_refuses_an_expired_pending_login(token_a: respx.MockRouter) -> None:
    now = [NOW]
    oauth = OAuthClient(
        CLIENT_ID, REDIRECT, metadata=static_meta(ISSUER), scopes=["x"], clock=lambda: now[0]
    )
    async with oauth:
        pending = await oauth.start_login()
        now[0] += 601
        with raises_login("expired"):
            await oauth.exchange_code("C", pending)
    assert not token_a.calls


async def test_exchange_code_refuses_a_login_started_at_another_provider(
    token_a: respx.MockRouter,
) -> None:
    clock = lambda: NOW  # noqa: E731
    a = OAuthClient(CLIENT_ID, REDIRECT, metadata=static_meta(ISSUER), scopes=["x"], clock=clock)
    b = OAuthClient(CLIENT_ID, REDIRECT, metadata=static_meta(OTHER), scopes=["x"], clock=clock)
    async with a, b:
        pending = await a.start_login()
        with raises_login("client", match="another provider"):
            await b.exchange_code("C", pending)
    assert not token_a.calls  # A's PKCE verifier never reached B's token endpoint


@pytest.mark.parametrize(
    ("client_id", "redirect_uri", "what"),
    [
        ("another-client", REDIRECT, "client_id"),
        (CLIENT_ID, "https://app.example.com/other-callback", "redirect_uri"),
    ],
)
async def test_exchange_code_and_complete_login_refuse_another_client_of_the_same_provider(
    token_a: respx.MockRouter, client_id: str, redirect_uri: str, what: str
) -> None:
    clock = lambda: NOW  # noqa: E731
    meta = static_meta(ISSUER)
    a = OAuthClient(CLIENT_ID, REDIRECT, metadata=meta, scopes=["x"], clock=clock)
    b = OAuthClient(client_id, redirect_uri, metadata=meta, scopes=["x"], clock=clock)
    async with a, b:
        pending = await a.start_login()
        with raises_login("client", match=what):
            await b.exchange_code("C", pending)
        with raises_login("client", match=what):
            await b.complete_login(f"{redirect_uri}?{query(pending)}", pending)
    assert not token_a.calls


async def test_exchange_code_still_works_for_its_own_login(token_a: respx.MockRouter) -> None:
    oauth = OAuthClient(
        CLIENT_ID, REDIRECT, metadata=static_meta(ISSUER), scopes=["x"], clock=lambda: NOW
    )
    async with oauth:
        pending = await oauth.start_login()
        assert pending.client_id == CLIENT_ID
        tokens = await oauth.exchange_code("C", pending)
    assert tokens.access_token.get_secret_value() == "AT-1"


# --- #9: the callback's own URL ----------------------------------------------------------


def login(redirect_uri: str = REDIRECT) -> PendingLogin:
    return build_login(
        META_NO_ISS, client_id=CLIENT_ID, redirect_uri=redirect_uri, scopes=("x",), now=NOW
    )


@pytest.mark.parametrize(
    "base",
    [
        "https://evil.example/callback",  # another host
        "http://app.example.com/callback",  # another scheme
        "https://app.example.com:8443/callback",  # another port
        "https://app.example.com/callback/",  # another path
        "https://app.example.com/other",
        "https://app.example.com/CALLBACK",  # paths are case-sensitive
        "https://app.example.com.evil.example/callback",
        "https://app.example.com@evil.example/callback",
        "/callback",  # no host at all
        "",
    ],
)
def test_a_callback_received_elsewhere_is_refused(base: str) -> None:
    pending = login()
    with raises_login("redirect_uri"):
        parse_callback(f"{base}?{query(pending)}", pending, META_NO_ISS, now=NOW)


@pytest.mark.parametrize(
    "base",
    [
        REDIRECT,
        "HTTPS://App.Example.COM/callback",  # scheme and host are case-insensitive
        "https://app.example.com:443/callback",  # the default port, spelt out
    ],
)
def test_the_callback_at_the_redirect_uri_is_accepted(base: str) -> None:
    pending = login()
    assert parse_callback(f"{base}?{query(pending)}", pending, META_NO_ISS, now=NOW) == "C"


def test_a_loopback_redirect_uri_without_port_accepts_any_port() -> None:
    # RFC 8252 §7.3: a native app listens on a port chosen at run time.
    pending = login("http://127.0.0.1/callback")
    for base in ("http://127.0.0.1/callback", "http://127.0.0.1:53682/callback"):
        assert parse_callback(f"{base}?{query(pending)}", pending, META_NO_ISS, now=NOW) == "C"
    for base in ("http://127.0.0.1:53682/other", "http://localhost:53682/callback"):
        with raises_login("redirect_uri"):
            parse_callback(f"{base}?{query(pending)}", pending, META_NO_ISS, now=NOW)


def test_a_loopback_redirect_uri_with_a_port_needs_that_port() -> None:
    pending = login("http://127.0.0.1:8400/callback")
    ok = f"http://127.0.0.1:8400/callback?{query(pending)}"
    assert parse_callback(ok, pending, META_NO_ISS, now=NOW) == "C"
    other_port = f"http://127.0.0.1:8401/callback?{query(pending)}"
    with raises_login("redirect_uri"):
        parse_callback(other_port, pending, META_NO_ISS, now=NOW)


def test_the_message_names_the_difference_but_not_the_query() -> None:
    pending = login()
    url = f"https://evil.example/callback?{query(pending)}"
    with raises_login("redirect_uri") as info:
        parse_callback(url, pending, META_NO_ISS, now=NOW)
    text = str(info.value)
    assert "host" in text
    assert pending.state.get_secret_value() not in text and "code=" not in text


async def test_complete_login_refuses_a_callback_at_another_host(
    token_a: respx.MockRouter,
) -> None:
    oauth = OAuthClient(
        CLIENT_ID, REDIRECT, metadata=static_meta(ISSUER), scopes=["x"], clock=lambda: NOW
    )
    async with oauth:
        pending = await oauth.start_login()
        with raises_login("redirect_uri"):
            await oauth.complete_login(f"https://evil.example/callback?{query(pending)}", pending)
    assert not token_a.calls
