"""LexofficeAuth and ApiKeyAuth: header injection, 401 handling, origin rules, clients."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from lexoffice_auth import ApiKeyAuth, LexofficeAuth, RefreshingTokenSource, TokenSet
from lexoffice_auth.errors import ApiKeyRejected, ConfigurationError, UnsafeRequestError
from lexoffice_auth.stores import MemoryTokenStore
from lexoffice_auth.testing import FakeClock, FakeLexoffice
from tests.support.sources import make_auth, make_source

from ..support.refresh_sandbox import (
    API,
    api_client,
    bearers,
    frozen_clock,
    login_tokens,
    oauth_client,
    refresh_sandbox,
)

# A contact the sandbox's API accepts: the body a retried request must carry again.
CONTACT = {"version": 0, "roles": {"customer": {}}, "company": {"name": "ACME"}}


async def fresh_auth(
    *, api_base: str = API, **kwargs: Any
) -> tuple[FakeClock, FakeLexoffice, LexofficeAuth[RefreshingTokenSource], MemoryTokenStore]:
    """A logged-in account (``at-0``, ``rt-0``, valid for an hour) on a new sandbox."""
    clock = frozen_clock()
    fake = refresh_sandbox(clock, api_base=api_base)
    store = MemoryTokenStore()
    await store.save("acme", login_tokens(fake))
    auth = make_auth(oauth_client(fake), "acme", store, clock=clock, **kwargs)
    return clock, fake, auth, store


def api_bodies(fake: FakeLexoffice) -> list[bytes]:
    host = httpx.URL(fake.api_base).host
    return [r.content for r in fake.requests if r.url.host == host]


async def test_valid_token_is_sent_as_bearer() -> None:
    _, fake, auth, _ = await fresh_auth()
    async with api_client(fake, auth) as http:
        response = await http.get("/v1/profile")
    assert response.status_code == 200
    assert bearers(fake) == ["Bearer at-0"]
    assert fake.calls["token"] == 0


async def test_401_with_current_token_refreshes_once_and_retries_with_body() -> None:
    _, fake, auth, store = await fresh_auth()
    fake.revoke_access_tokens()  # the provider revoked at-0 early
    async with api_client(fake, auth) as http:
        response = await http.post("/v1/contacts", json=CONTACT)
    assert response.status_code == 201  # the sandbox accepted the replayed body
    sent = json.dumps(CONTACT, separators=(",", ":")).encode()
    assert api_bodies(fake) == [sent, sent]
    assert fake.calls["token"] == 1
    assert bearers(fake) == ["Bearer at-0", "Bearer at-1"]
    assert (await store.load("acme")).access_token == SecretStr("at-1")  # type: ignore[union-attr]
    assert [r.status_code for r in response.history] == [401]


async def test_401_with_an_already_replaced_token_retries_without_refresh() -> None:
    _, fake, auth, _ = await fresh_auth()
    source = auth.source

    async def api_refreshing_meanwhile(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer at-0":
            # While this request was in flight, another task refreshed the token, and the
            # provider ended the old one with that refresh.
            await source.refresh()
            fake.revoke_access_tokens(["at-0"])
        return fake.handle(request)

    async with httpx.AsyncClient(
        base_url=API, auth=auth, transport=httpx.MockTransport(api_refreshing_meanwhile)
    ) as http:
        response = await http.get("/v1/profile")
    assert response.status_code == 200
    assert fake.calls["token"] == 1  # only the other task's refresh
    assert bearers(fake) == ["Bearer at-0", "Bearer at-1"]


async def test_401_after_another_process_replaced_the_token_adopts_it_without_refresh() -> None:
    _, fake, auth, store = await fresh_auth()
    async with api_client(fake, auth) as http:
        assert (await http.get("/v1/profile")).status_code == 200
        newer = login_tokens(fake)  # at-1, rt-1: another process's login, in the store
        await store.save("acme", newer)
        fake.revoke_access_tokens(["at-0"])
        response = await http.get("/v1/profile")
    assert response.status_code == 200
    assert fake.calls["token"] == 0
    assert bearers(fake)[-2:] == ["Bearer at-0", "Bearer at-1"]


async def test_second_401_is_returned_without_a_loop() -> None:
    _, fake, auth, _ = await fresh_auth()
    sent: list[str] = []

    async def always_401(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers["Authorization"])
        return httpx.Response(401)

    async with httpx.AsyncClient(
        base_url=API, auth=auth, transport=httpx.MockTransport(always_401)
    ) as http:
        response = await http.get("/v1/profile")
    assert response.status_code == 401
    assert fake.calls["token"] == 1
    assert sent == ["Bearer at-0", "Bearer at-1"]


async def test_an_api_that_rejects_every_token_backs_off_exponentially() -> None:
    clock, fake, auth, _ = await fresh_auth()
    start = clock()
    sent: list[str] = []

    async def always_401(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers["Authorization"])
        return httpx.Response(401)

    async with httpx.AsyncClient(
        base_url=API, auth=auth, transport=httpx.MockTransport(always_401)
    ) as http:
        refreshed_at: list[float] = []
        for _ in range(20):
            calls = fake.calls["token"]
            assert (await http.get("/v1/profile")).status_code == 401
            if fake.calls["token"] != calls:
                refreshed_at.append(round(clock() - start, 1))
            clock.advance(0.4)  # 8 s in all
        # The first 401 refreshes at once; a new token rejected again backs off 1, 2, 4 s.
        assert refreshed_at == [0.0, 1.2, 3.2, 7.2]
        # A request is sent at most twice: once, and once more only after a refresh.
        assert len(sent) == 20 + len(refreshed_at)
        assert sent[:2] == ["Bearer at-0", "Bearer at-1"]


async def test_the_401_throttle_covers_only_a_token_the_source_refreshed_itself() -> None:
    clock, fake, auth, _ = await fresh_auth()
    fake.revoke_access_tokens()
    async with api_client(fake, auth) as http:
        assert (await http.get("/v1/profile")).status_code == 200  # at-0 refused, at-1 works
        assert fake.calls["token"] == 1
        login = TokenSet(
            access_token=SecretStr("at-login"),
            expires_at=clock() + 3600,
            refresh_token=SecretStr("rt-1"),  # the live one
        )
        await auth.source.save(login)  # a new login right after the refresh
        response = await http.get("/v1/profile")
    assert response.status_code == 200  # the login's token was refused and refreshed
    assert fake.calls["token"] == 2
    assert bearers(fake)[-2:] == ["Bearer at-login", "Bearer at-2"]


async def test_the_401_backoff_is_configurable() -> None:
    _, fake, auth, _ = await fresh_auth(rejection_backoff=0)
    async with httpx.AsyncClient(
        base_url=API, auth=auth, transport=httpx.MockTransport(lambda r: httpx.Response(401))
    ) as http:
        for _ in range(3):
            await http.get("/v1/profile")
    assert fake.calls["token"] == 3


async def test_streamed_body_is_not_replayed_but_the_next_request_works() -> None:
    _, fake, auth, _ = await fresh_auth()
    fake.revoke_access_tokens()

    async def body() -> AsyncIterator[bytes]:
        yield b'{"version":0,'
        yield b'"roles":{"customer":{}},"company":{"name":"ACME"}}'

    async with api_client(fake, auth) as http:
        headers = {"Content-Type": "application/json"}
        response = await http.post("/v1/contacts", content=body(), headers=headers)
        assert response.status_code == 401  # a stream cannot be sent twice honestly
        assert fake.calls["token"] == 1
        response = await http.post("/v1/contacts", json=CONTACT)
    assert response.status_code == 201
    assert bearers(fake) == ["Bearer at-0", "Bearer at-1"]


async def test_token_endpoint_calls_counted_with_respx() -> None:
    clock = frozen_clock()
    fake = refresh_sandbox(clock)
    store = MemoryTokenStore()
    await store.save("acme", login_tokens(fake, expired=True))
    with respx.mock(assert_all_called=False) as router:
        token_route = router.post(f"{fake.issuer}/oauth2/token").mock(side_effect=fake.handle)
        router.route(host="api.lexware.io").mock(side_effect=fake.handle)
        oauth = oauth_client(fake, http_client=httpx.AsyncClient())  # respx intercepts it
        auth = make_auth(oauth, "acme", store, clock=clock)
        async with httpx.AsyncClient(base_url=API, auth=auth) as http:
            for _ in range(3):
                assert (await http.get("/v1/profile")).status_code == 200
    assert token_route.call_count == 1
    assert bearers(fake) == ["Bearer at-1"] * 3


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/v1/profile",
        "https://api.lexware.io.evil.example/v1/profile",
        "https://api.lexware.io:8443/v1/profile",
        "http://api.lexware.io/v1/profile",
        "http://192.168.1.10/v1/profile",
    ],
)
async def test_foreign_origin_or_plain_http_is_refused_before_sending(url: str) -> None:
    _, fake, auth, _ = await fresh_auth()
    async with api_client(fake, auth) as http:
        with pytest.raises(UnsafeRequestError, match="refusing to send the token") as info:
            await http.get(url)
    assert fake.requests == []
    assert "at-0" not in str(info.value)
    if url.startswith("http://"):
        assert "plain HTTP" in str(info.value)


async def test_loopback_http_origin_can_be_allowed() -> None:
    origin = "http://127.0.0.1:8080"
    _, fake, auth, _ = await fresh_auth(api_base=origin, api_origins=[origin])
    assert auth.api_origins == (origin,)
    async with httpx.AsyncClient(auth=auth, transport=fake.transport()) as http:
        assert (await http.get("http://127.0.0.1:8080/v1/profile")).status_code == 200
        with pytest.raises(UnsafeRequestError):
            await http.get("http://127.0.0.1:9999/v1/profile")


@pytest.mark.parametrize(
    ("origin", "error"),
    [
        ("http://api.lexware.io", ConfigurationError),
        ("https://api.lexware.io/v1", ConfigurationError),
        ("ftp://api.lexware.io", ConfigurationError),
    ],
)
async def test_bad_origins_are_configuration_errors(origin: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        await fresh_auth(api_origins=[origin])


@pytest.mark.parametrize(
    "origins",
    [
        None,
        42,
        [None],
        ["https://a:99999"],
        ["https://api.lexware.io:0"],
        ["https://[::1]:70000"],
        ["https://\u2488.example"],  # httpx refuses this IDNA host with its own InvalidURL
    ],
)
def test_unusable_api_origins_are_configuration_errors(origins: Any) -> None:
    source = make_source(oauth_client(refresh_sandbox()), "acme")
    with pytest.raises(ConfigurationError):
        LexofficeAuth(source, api_origins=origins)
    with pytest.raises(ConfigurationError):
        ApiKeyAuth("k", api_origins=origins)


def test_sync_client_is_refused_with_advice() -> None:
    auth = LexofficeAuth(make_source(oauth_client(refresh_sandbox()), "acme"))
    transport = httpx.MockTransport(lambda r: httpx.Response(200))
    with httpx.Client(transport=transport) as http, pytest.raises(ConfigurationError):
        http.get(f"{API}/v1/profile", auth=auth)
    with pytest.raises(ConfigurationError, match="AsyncClient"):
        auth.sync_auth_flow(httpx.Request("GET", f"{API}/v1/profile"))
    with pytest.raises(ConfigurationError):
        LexofficeAuth("not a source")  # type: ignore[arg-type]


HTTPX2 = importlib.util.find_spec("httpx2") is not None


@pytest.mark.skipif(not HTTPX2, reason="httpx2 is not installed")
async def test_httpx2_async_client_accepts_both_auths() -> None:
    import httpx2

    _, fake, auth, _ = await fresh_auth()
    fake.revoke_access_tokens()
    seen: list[str] = []

    async def api(request: Any) -> Any:
        header = request.headers["Authorization"]
        seen.append(header)
        ok = header in ("Bearer at-1", "Bearer key-1")
        return httpx2.Response(200 if ok else 401)

    async with httpx2.AsyncClient(transport=httpx2.MockTransport(api)) as http:
        response = await http.post(f"{API}/v1/contacts", json={"a": 1}, auth=auth)
        assert response.status_code == 200
        assert seen == ["Bearer at-0", "Bearer at-1"]
        assert fake.calls["token"] == 1
        response = await http.get(f"{API}/v1/profile", auth=ApiKeyAuth("key-1"))
        assert response.status_code == 200
        with pytest.raises(UnsafeRequestError):
            await http.get("https://evil.example/", auth=auth)


@pytest.mark.skipif(not HTTPX2, reason="httpx2 is not installed")
def test_httpx2_is_never_imported_for_httpx_yet_an_earlier_auth_works_with_it() -> None:
    # httpx2 is the program's to import: an httpx program does not pay for it, and an auth
    # made before httpx2 was imported is still an httpx2.Auth for an httpx2 client.
    code = """
import sys, anyio, httpx
from lexoffice_auth import ApiKeyAuth
auth = ApiKeyAuth("key-1")
async def main():
    seen = []
    def api(request):
        seen.append(request.headers["Authorization"])
        return (httpx2 if "httpx2" in sys.modules else httpx).Response(200)
    async with httpx.AsyncClient(transport=httpx.MockTransport(api)) as http:
        await http.get("https://api.lexware.io/v1/profile", auth=auth)
    print("httpx2" in sys.modules)
    import httpx2
    globals()["httpx2"] = httpx2
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(api)) as http:
        await http.get("https://api.lexware.io/v1/profile", auth=auth)
    print(isinstance(auth, httpx2.Auth), isinstance(auth, httpx.Auth), seen)
anyio.run(main)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.splitlines() == ["False", "True True ['Bearer key-1', 'Bearer key-1']"]


# --- ApiKeyAuth ---------------------------------------------------------------------------


async def test_api_key_from_argument_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(200)

    monkeypatch.setenv("LEXOFFICE_API_KEY", "env-key")
    async with httpx.AsyncClient(transport=httpx.MockTransport(api)) as http:
        await http.get(f"{API}/v1/profile", auth=ApiKeyAuth())
        await http.get(f"{API}/v1/profile", auth=ApiKeyAuth("arg-key"))
    assert seen == ["Bearer env-key", "Bearer arg-key"]


def test_api_key_works_with_a_sync_client() -> None:
    seen: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(200)

    with httpx.Client(transport=httpx.MockTransport(api)) as http:
        assert http.get(f"{API}/v1/profile", auth=ApiKeyAuth("sync-key")).status_code == 200
    assert seen == ["Bearer sync-key"]


@pytest.mark.parametrize("value", [None, "", "   "])
def test_missing_api_key_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    monkeypatch.delenv("LEXOFFICE_API_KEY", raising=False)
    if value is not None:
        monkeypatch.setenv("LEXOFFICE_API_KEY", value)
    with pytest.raises(ConfigurationError, match="LEXOFFICE_API_KEY"):
        ApiKeyAuth()


@pytest.mark.parametrize("value", [123, b"bytes-key", ["k"], SecretStr("k")])
def test_api_key_of_another_type_is_a_configuration_error(value: Any) -> None:
    with pytest.raises(
        ConfigurationError, match=f"API key must be a str, not {type(value).__name__}"
    ):
        ApiKeyAuth(value)


def test_api_key_with_header_breaking_characters_is_refused() -> None:
    with pytest.raises(ConfigurationError) as info:
        ApiKeyAuth("abc\r\nX-Evil: 1")
    assert "abc" not in str(info.value)


async def test_api_key_401_raises_rejected_and_repr_hides_key() -> None:
    auth = ApiKeyAuth("secret-key")
    assert "secret-key" not in repr(auth) and "secret-key" not in str(auth)
    transport = httpx.MockTransport(lambda r: httpx.Response(401, json={"message": "Unauthorized"}))
    async with httpx.AsyncClient(transport=transport) as http:
        with pytest.raises(ApiKeyRejected, match="invalid, expired or revoked") as info:
            await http.get(f"{API}/v1/profile", auth=auth)
    assert "secret-key" not in str(info.value)


async def test_api_key_origin_rules() -> None:
    calls: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: calls.append(r) or httpx.Response(200))
    async with httpx.AsyncClient(transport=transport) as http:
        with pytest.raises(UnsafeRequestError):
            await http.get("https://evil.example/", auth=ApiKeyAuth("k"))
        with pytest.raises(UnsafeRequestError, match="plain HTTP"):
            await http.get("http://api.lexware.io/v1/profile", auth=ApiKeyAuth("k"))
    assert calls == []


def test_source_is_exposed_for_status_checks() -> None:
    source = make_source(oauth_client(refresh_sandbox()), "acme")
    assert LexofficeAuth(source).source is source
