"""The whole login core over HTTP, mocked with respx."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlencode, urlsplit

import anyio
import httpx
import pytest
import respx

from lexoffice_auth import OAuthClient, PendingLogin, TokenSet
from lexoffice_auth.errors import (
    ConfigurationError,
    DiscoveryError,
    IdTokenError,
    NetworkError,
    ReauthenticationRequired,
    RevocationError,
)
from tests.support.expect import raises_login, raises_token

from ..support.oauth_helpers import CLIENT_ID, ISSUER, REDIRECT, discovery_doc, token_body

WELL_KNOWN = f"{ISSUER}/.well-known/openid-configuration"


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def callback_for(pending: PendingLogin, code: str = "CODE-1") -> str:
    q = {"code": code, "state": pending.state.get_secret_value(), "iss": ISSUER}
    return f"{REDIRECT}?{urlencode(q)}"


@pytest.fixture
def provider() -> respx.MockRouter:
    with respx.mock(assert_all_called=False) as router:
        router.get(WELL_KNOWN).respond(json=discovery_doc())
        yield router


async def test_full_flow_discover_login_refresh_revoke(provider: respx.MockRouter) -> None:
    token = provider.post(f"{ISSUER}/token")
    token.side_effect = [
        httpx.Response(200, content=token_body()),
        httpx.Response(200, content=token_body(access_token="AT-2", refresh_token=None)),
    ]
    revoke = provider.post(f"{ISSUER}/revoke").respond(200)
    now = [1000.0]
    oauth = OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER, scopes=["email"], clock=lambda: now[0])
    async with oauth:
        meta = await oauth.metadata()
        assert meta.issuer == ISSUER
        pending = await oauth.start_login(extra_params={"prompt": "login"})
        assert pending.authorization_url.startswith(f"{ISSUER}/authorize?")

        tokens = await oauth.complete_login(callback_for(pending), pending)
        assert tokens.access_token.get_secret_value() == "AT-1"
        assert tokens.expires_at == 1000.0 + 3600
        exchange = form(token.calls[0].request)
        assert exchange == {
            "grant_type": "authorization_code",
            "code": "CODE-1",
            "redirect_uri": REDIRECT,
            "code_verifier": pending.code_verifier.get_secret_value(),
            "client_id": CLIENT_ID,
        }
        assert "authorization" not in token.calls[0].request.headers

        now[0] += 4000
        refreshed = await oauth.refresh(tokens)
        assert refreshed.access_token.get_secret_value() == "AT-2"
        assert refreshed.refresh_token == tokens.refresh_token
        assert refreshed.expires_at == 5000.0 + 3600
        assert form(token.calls[1].request) == {
            "grant_type": "refresh_token",
            "refresh_token": "RT-1",
            "client_id": CLIENT_ID,
        }

        await oauth.revoke(refreshed)
    sent = [form(c.request) for c in revoke.calls]
    assert sent == [
        {"token": "RT-1", "token_type_hint": "refresh_token", "client_id": CLIENT_ID},
        {"token": "AT-2", "token_type_hint": "access_token", "client_id": CLIENT_ID},
    ]
    assert provider.routes[0].call_count == 1  # discovery fetched once


async def test_openid_login_without_id_token_rejected(provider: respx.MockRouter) -> None:
    provider.post(f"{ISSUER}/token").respond(200, content=token_body())
    async with OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER, scopes=["openid"]) as oauth:
        pending = await oauth.start_login()
        with pytest.raises(IdTokenError, match="missing"):
            await oauth.complete_login(callback_for(pending), pending)


async def test_state_mismatch_sends_no_code(provider: respx.MockRouter) -> None:
    token = provider.post(f"{ISSUER}/token").respond(200, content=token_body())
    async with OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER) as oauth:
        pending = await oauth.start_login()
        other = await oauth.start_login()
        with raises_login("state"):
            await oauth.complete_login(callback_for(other), pending)
    assert token.call_count == 0


async def test_pending_login_from_another_provider(provider: respx.MockRouter) -> None:
    async with OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER) as oauth:
        pending = await oauth.start_login()
    forged = PendingLogin.model_validate(
        {**pending.model_dump(), "issuer": "https://other.example"}
    )
    async with OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER) as oauth:
        with raises_login("client"):
            await oauth.complete_login(callback_for(pending), forged)


async def test_invalid_grant_on_code_exchange(provider: respx.MockRouter) -> None:
    provider.post(f"{ISSUER}/token").respond(
        400, json={"error": "invalid_grant", "error_description": "code used"}
    )
    async with OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER) as oauth:
        pending = await oauth.start_login()
        with raises_token("invalid_grant", match="code used") as info:
            await oauth.complete_login(callback_for(pending), pending)
    assert info.value.status_code == 400
    assert info.value.transient is False


async def test_refresh_without_refresh_token_needs_login(provider: respx.MockRouter) -> None:
    token = provider.post(f"{ISSUER}/token")
    async with OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER) as oauth:
        with pytest.raises(ReauthenticationRequired):
            await oauth.refresh(TokenSet(access_token="x"))
    assert token.call_count == 0


async def test_garbage_token_response(provider: respx.MockRouter) -> None:
    provider.post(f"{ISSUER}/token").respond(502, text="<html>bad gateway</html>")
    async with OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER) as oauth:
        with raises_token(None) as info:
            await oauth.refresh(TokenSet(access_token="x", refresh_token="r"))
    assert info.value.transient is True
    assert info.value.status_code == 502


async def test_network_error_and_timeout_are_network_errors(provider: respx.MockRouter) -> None:
    route = provider.post(f"{ISSUER}/token")
    route.side_effect = [httpx.ConnectError("refused"), httpx.ReadTimeout("slow")]
    async with OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER) as oauth:
        ts = TokenSet(access_token="x", refresh_token="SECRET-RT")
        with pytest.raises(NetworkError, match="failed") as first:
            await oauth.refresh(ts)
        with pytest.raises(NetworkError, match="timed out") as second:
            await oauth.refresh(ts)
    assert first.value.transient is True
    # where: host and port, never the path
    host = f"{httpx.URL(ISSUER).host}:443"
    assert host in str(first.value) and host in str(second.value)
    assert "/token" not in str(first.value)
    assert "SECRET-RT" not in str(first.value)


async def test_confidential_client_uses_basic_by_default(provider: respx.MockRouter) -> None:
    token = provider.post(f"{ISSUER}/token").respond(200, content=token_body())
    async with OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER, client_secret="s3cret") as oauth:
        await oauth.refresh(TokenSet(access_token="x", refresh_token="r"))
    request = token.calls[0].request
    assert (
        request.headers["authorization"]
        == "Basic " + base64.b64encode(f"{CLIENT_ID}:s3cret".encode()).decode()
    )
    assert "client_secret" not in form(request)


async def test_client_secret_post_when_only_post_supported() -> None:
    with respx.mock() as router:
        router.get(WELL_KNOWN).respond(
            json=discovery_doc(token_endpoint_auth_methods_supported=["client_secret_post"])
        )
        token = router.post(f"{ISSUER}/token").respond(200, content=token_body())
        async with OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER, client_secret="pw") as oauth:
            await oauth.refresh(TokenSet(access_token="x", refresh_token="r"))
    sent = form(token.calls[0].request)
    assert sent["client_secret"] == "pw"
    assert sent["client_id"] == CLIENT_ID
    assert "authorization" not in token.calls[0].request.headers


async def test_lexoffice_preset_wire_format() -> None:
    with respx.mock() as router:
        token = router.post("https://app.lexoffice.de/api/oauth2/token").respond(
            200, json={"access_token": "a", "refresh_token": "r", "expires_in": 3600}
        )
        oauth = OAuthClient.lexoffice_partner(
            "pid", "psecret", REDIRECT, scopes=["contacts.read", "vouchers.read"]
        )
        async with oauth:
            pending = await oauth.start_login()
            q = parse_qs(urlsplit(pending.authorization_url).query)
            assert urlsplit(pending.authorization_url).path == "/api/oauth2/authorize"
            assert q["scopes"] == ["contacts.read,vouchers.read"]
            assert "scope" not in q
            assert q["code_challenge_method"] == ["S256"]
            # lexoffice sends no iss in the callback; the static metadata says so.
            url = f"{REDIRECT}?code=C&state={pending.state.get_secret_value()}"
            tokens = await oauth.complete_login(url, pending)
            with pytest.raises(RevocationError, match="no revocation endpoint"):
                await oauth.revoke(tokens)
    assert token.calls[0].request.headers["authorization"].startswith("Basic ")
    assert tokens.scopes == ("contacts.read", "vouchers.read")


async def test_revocation_failure(provider: respx.MockRouter) -> None:
    provider.post(f"{ISSUER}/revoke").respond(503, json={"error": "temporarily_unavailable"})
    async with OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER) as oauth:
        with pytest.raises(RevocationError, match="503") as info:
            await oauth.revoke("some-token", token_type_hint="access_token")
    assert info.value.status_code == 503


async def test_concurrent_first_calls_fetch_discovery_once() -> None:
    with respx.mock() as router:

        async def slow(request: httpx.Request) -> httpx.Response:
            await anyio.sleep(0.05)
            return httpx.Response(200, json=discovery_doc())

        route = router.get(WELL_KNOWN).mock(side_effect=slow)
        async with OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER) as oauth:
            async with anyio.create_task_group() as tg:
                for _ in range(50):
                    tg.start_soon(oauth.metadata)
            assert route.call_count == 1


async def test_metadata_ttl_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    with respx.mock() as router:
        route = router.get(WELL_KNOWN).respond(json=discovery_doc())
        async with OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER, metadata_ttl=0) as oauth:
            await oauth.metadata()
            await oauth.metadata()
        assert route.call_count == 2


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(404), "HTTP 404"),
        (httpx.Response(200, text="<html>hello</html>"), "not valid JSON"),
        (httpx.Response(200, json={"issuer": ISSUER}), "lacks required fields"),
        (httpx.Response(200, json=discovery_doc(issuer="https://evil.example")), "issuer"),
        (httpx.Response(302, headers={"location": "https://evil.example/doc"}), "another origin"),
        (httpx.Response(302), "no Location"),
    ],
)
async def test_discovery_rejections(response: httpx.Response, message: str) -> None:
    with respx.mock() as router:
        router.get(WELL_KNOWN).mock(return_value=response)
        async with OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER) as oauth:
            with pytest.raises(DiscoveryError, match=message):
                await oauth.metadata()


async def test_discovery_same_origin_redirect_followed() -> None:
    with respx.mock() as router:
        router.get(WELL_KNOWN).respond(302, headers={"location": "/v2/openid-configuration"})
        router.get(f"{ISSUER}/v2/openid-configuration").respond(json=discovery_doc())
        async with OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER) as oauth:
            assert (await oauth.metadata()).issuer == ISSUER


@pytest.mark.parametrize("exc", [httpx.ConnectTimeout("t"), httpx.ConnectError("down")])
async def test_discovery_network_failures(exc: Exception) -> None:
    with respx.mock() as router:
        router.get(WELL_KNOWN).mock(side_effect=exc)
        async with OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER) as oauth:
            with pytest.raises(DiscoveryError, match="discovery request"):
                await oauth.metadata()


async def test_users_http_client_is_used_and_left_open() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json=discovery_doc())

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER, http_client=client) as oauth:
        await oauth.metadata()
    assert seen == [WELL_KNOWN]
    assert not client.is_closed
    await client.aclose()


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"issuer": ISSUER, "metadata": None, "client_id": ""},
        {"issuer": "http://id.example.com"},
        {"issuer": ISSUER, "token_endpoint_auth_method": "client_secret_basic"},
        {"issuer": ISSUER, "token_endpoint_auth_method": "private_key_jwt"},
        {"issuer": ISSUER, "redirect_uri": "http://app.example.com/cb"},
        {"issuer": ISSUER, "redirect_uri": "javascript:alert(1)"},
        {"issuer": ISSUER, "scope_separator": ""},
    ],
)
def test_bad_configuration(kwargs: dict[str, object]) -> None:
    args = {"client_id": CLIENT_ID, "redirect_uri": REDIRECT, **kwargs}
    with pytest.raises(ConfigurationError):
        OAuthClient(**args)  # type: ignore[arg-type]


def test_native_app_redirects_allowed() -> None:
    for uri in ("http://127.0.0.1:0/cb", "http://[::1]:8080/", "com.example.app:/oauth2redirect"):
        assert OAuthClient(CLIENT_ID, uri, issuer=ISSUER).redirect_uri == uri


def test_repr_hides_client_secret() -> None:
    oauth = OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER, client_secret="hunter2")
    assert "hunter2" not in repr(oauth)
    assert "hunter2" not in str(oauth)
    assert json.dumps(repr(oauth))
