"""The same login → API → refresh → revoke flow through each of the sandbox's mountings."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import subprocess
import sys
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx
import pytest
import respx

from lexoffice_auth.errors import ConfigurationError
from lexoffice_auth.testing import API_BASE_URL, FakeLexoffice

from ..support.virtual_time import virtual_backend

REDIRECT = "http://127.0.0.1:53682/callback"
VERIFIER = "k" * 64


def challenge() -> str:
    digest = hashlib.sha256(VERIFIER.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def run_flow(http: httpx.AsyncClient, fake: FakeLexoffice) -> dict[str, Any]:
    """Discovery, authorization, code exchange, an API call, refresh and revocation."""
    doc = (await http.get(fake.discovery_url)).json()
    assert doc["issuer"] == fake.issuer
    authorize = await http.get(
        doc["authorization_endpoint"],
        params={
            "response_type": "code",
            "client_id": "sandbox-client",
            "redirect_uri": REDIRECT,
            "state": "xyz",
            "scope": "openid",
            "code_challenge": challenge(),
            "code_challenge_method": "S256",
        },
    )
    assert authorize.status_code == 302
    location = authorize.headers["location"]
    assert location.startswith(REDIRECT + "?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert params["state"] == "xyz"
    assert params["iss"] == fake.issuer
    form = {
        "grant_type": "authorization_code",
        "client_id": "sandbox-client",
        "code": params["code"],
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
    }
    tokens = (await http.post(doc["token_endpoint"], data=form)).json()
    assert {"access_token", "refresh_token", "id_token"} <= tokens.keys()
    me = await http.get(
        f"{fake.api_base}/v1/ping", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.json() == {"userEmail": "max.mustermann@example.com"}
    refreshed = await http.post(
        doc["token_endpoint"],
        data={
            "grant_type": "refresh_token",
            "client_id": "sandbox-client",
            "refresh_token": tokens["refresh_token"],
        },
    )
    assert refreshed.status_code == 200
    new = refreshed.json()
    revoked = await http.post(
        doc["revocation_endpoint"],
        data={"token": new["refresh_token"], "client_id": "sandbox-client"},
    )
    assert revoked.status_code == 200
    after = await http.get(
        f"{fake.api_base}/v1/ping", headers={"Authorization": f"Bearer {new['access_token']}"}
    )
    assert after.status_code == 401
    assert fake.token_calls == {"authorization_code": 1, "refresh_token": 1}
    assert fake.calls["ping"] == 2
    return new


async def test_flow_through_mock_transport() -> None:
    fake = FakeLexoffice()
    async with httpx.AsyncClient(transport=fake.transport()) as http:
        await run_flow(http, fake)


async def test_flow_through_respx() -> None:
    fake = FakeLexoffice()
    with fake.mock() as router:
        async with httpx.AsyncClient() as http:
            await run_flow(http, fake)
            # Nothing else gets through while the sandbox is mocked in.
            with pytest.raises(AssertionError, match="not mocked"):
                await http.get("https://example.com/")
            assert router.calls.call_count == len(fake.requests) == 7


async def test_flow_through_the_served_server() -> None:
    fake = FakeLexoffice()
    async with fake.serve() as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        assert fake.issuer == fake.api_base == base_url
        async with httpx.AsyncClient() as http:
            await run_flow(http, fake)
    assert fake.issuer == "https://auth.lexoffice-sandbox.test"


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_served_server_under_trio() -> None:
    fake = FakeLexoffice()
    async with fake.serve() as base_url, httpx.AsyncClient() as http:
        response = await http.get(base_url + "/.well-known/openid-configuration")
    assert response.json()["issuer"] == base_url


def test_sync_serve_and_a_sync_client() -> None:
    fake = FakeLexoffice()
    key = fake.add_api_key()
    with fake.serve() as base_url, httpx.Client(base_url=base_url) as http:
        created = http.post(
            "/v1/invoices?finalize=true",
            headers={"Authorization": f"Bearer {key}"},
            json={
                "voucherDate": "2024-05-01T00:00:00.000+02:00",
                "address": {"name": "Acme", "countryCode": "DE"},
                "lineItems": [{"type": "text", "name": "Thanks!"}],
                "totalPrice": {"currency": "EUR"},
                "taxConditions": {"taxType": "net"},
                "shippingConditions": {"shippingType": "none"},
            },
        )
        assert created.status_code == 201
        assert created.headers["location"].startswith(base_url + "/v1/invoices/")
        pdf = http.get(
            created.headers["location"] + "/file", headers={"Authorization": f"Bearer {key}"}
        )
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")


async def test_served_timeout_holds_the_request_until_the_client_gives_up() -> None:
    fake = FakeLexoffice()
    fake.fail_next_token_requests(1, "timeout")
    async with fake.serve() as base_url, httpx.AsyncClient(timeout=0.3) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.post(base_url + "/oauth2/token", data={"grant_type": "refresh_token"})
        # The next call is answered normally.
        again = await http.post(
            base_url + "/oauth2/token", data={"grant_type": "refresh_token", "client_id": "x"}
        )
    assert again.json()["error"] == "invalid_client"


async def test_served_timeout_answers_504_after_the_hold() -> None:
    fake = FakeLexoffice()
    fake.fail_next_token_requests(1, "timeout")
    async with fake.serve(served_timeout_hold=0.2) as base_url, httpx.AsyncClient() as http:
        response = await http.post(base_url + "/oauth2/token", data={"grant_type": "x"})
    assert response.status_code == 504
    assert response.json() == {"message": "Endpoint request timed out"}


async def test_real_api_base_can_be_intercepted_with_respx() -> None:
    fake = FakeLexoffice(api_base=API_BASE_URL)
    key = fake.add_api_key()
    with fake.mock():
        async with httpx.AsyncClient(base_url="https://api.lexware.io") as http:
            response = await http.get("/v1/profile", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert response.json()["companyName"] == "Sandbox GmbH"


async def test_respx_router_composes_with_a_users_own_router() -> None:
    fake = FakeLexoffice()
    key = fake.add_api_key()
    with respx.mock(assert_all_called=False) as mine:
        mine.get("https://hooks.example/notify").respond(204)
        mine.route(host="api.lexoffice-sandbox.test").mock(side_effect=fake.handle)
        async with httpx.AsyncClient() as http:
            ping = await http.get(
                f"{fake.api_base}/v1/ping", headers={"Authorization": f"Bearer {key}"}
            )
            hook = await http.get("https://hooks.example/notify")
    assert ping.status_code == 200
    assert hook.status_code == 204
    assert fake.calls["ping"] == 1


def test_fixture_gives_a_fresh_sandbox(fake_lexoffice: FakeLexoffice) -> None:
    assert isinstance(fake_lexoffice, FakeLexoffice)
    assert fake_lexoffice.calls == {}
    key = fake_lexoffice.add_api_key()
    with httpx.Client(transport=fake_lexoffice.transport()) as http:
        response = http.get(
            f"{fake_lexoffice.api_base}/v1/ping", headers={"Authorization": f"Bearer {key}"}
        )
    assert response.status_code == 200


def test_serve_without_uvicorn_is_a_clear_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # makes "import uvicorn" fail
    fake = FakeLexoffice()
    with pytest.raises(ConfigurationError, match=r"lexoffice-auth\[testing\]"), fake.serve():
        pass
    assert fake.issuer == "https://auth.lexoffice-sandbox.test"


def test_plugin_module_loads_without_the_sandbox_or_uvicorn() -> None:
    code = (
        "import sys; sys.modules['uvicorn'] = None\n"
        "import lexoffice_auth.testing._pytest_plugin\n"
        "loaded = {'lexoffice_auth.testing._fake', 'respx'} & set(sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


async def test_served_timeout_hold_works_without_asyncio_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(asyncio, "timeout", raising=False)  # as on Python 3.10
    await test_served_timeout_answers_504_after_the_hold()


# --- the hooks for testing refresh logic: a slow token endpoint, the options -----------------


def sequential(**options: Any) -> FakeLexoffice:
    return FakeLexoffice(token_names="sequential", rate_limit=None, **options)


def refresh_form(refresh_token: str) -> dict[str, str]:
    return {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": CLIENT}


CLIENT = "sandbox-client"


@pytest.mark.parametrize(
    "anyio_backend", [virtual_backend("asyncio"), virtual_backend("trio")], ids=["asyncio", "trio"]
)
@pytest.mark.parametrize("mounting", ["transport", "respx"])
async def test_a_slow_token_endpoint_waits_in_the_event_loops_time(mounting: str) -> None:
    fake = sequential(token_delay=30)
    fake.mint_tokens()
    started, real_start = anyio.current_time(), time.monotonic()
    with fake.mock() if mounting == "respx" else contextlib.nullcontext():
        client = fake.client() if mounting == "transport" else httpx.AsyncClient()
        async with client as http:
            url = f"{fake.issuer}/oauth2/token"
            # A client that gives up first has still spent its refresh token: the sandbox
            # changed its state at once and only the answer is late.
            with anyio.move_on_after(10):
                await http.post(url, data=refresh_form("rt-0"))
            assert anyio.current_time() - started == pytest.approx(10, abs=0.5)
            assert not fake.token_is_live("rt-0") and fake.token_is_live("rt-1")
            answer = await http.post(url, data=refresh_form("rt-1"))
    assert anyio.current_time() - started == pytest.approx(40, abs=0.5)
    assert answer.json()["access_token"] == "at-2"
    assert time.monotonic() - real_start < 5  # virtual seconds, not real ones


def test_a_slow_token_endpoint_sleeps_for_a_sync_client(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    fake = sequential(token_delay=0.5)
    fake.mint_tokens()
    key = fake.add_api_key()
    with httpx.Client(transport=fake.transport()) as http:
        ok = http.post(f"{fake.issuer}/oauth2/token", data=refresh_form("rt-0"))
        fake.reject_next_token_requests(1, "slow_down", status=429)
        slow_down = http.post(f"{fake.issuer}/oauth2/token", data=refresh_form("rt-1"))
        http.get(f"{fake.api_base}/v1/ping", headers={"Authorization": f"Bearer {key}"})
        http.get(f"{fake.issuer}/.well-known/openid-configuration")
    assert ok.json()["refresh_token"] == "rt-1"
    assert slow_down.status_code == 429  # injected answers are late too
    assert slept == [0.5, 0.5]  # the token endpoint only


async def test_the_served_sandbox_holds_token_answers_concurrently() -> None:
    fake = sequential(token_delay=0.2)
    for _ in range(3):
        fake.mint_tokens()
    async with fake.serve() as base_url, httpx.AsyncClient() as http:
        start = time.monotonic()
        answers: list[httpx.Response] = []

        async def call(refresh_token: str) -> None:
            answers.append(
                await http.post(base_url + "/oauth2/token", data=refresh_form(refresh_token))
            )

        async with anyio.create_task_group() as tg:
            for n in range(3):
                tg.start_soon(call, f"rt-{n}")
        took = time.monotonic() - start
    assert sorted(a.json()["refresh_token"] for a in answers) == ["rt-3", "rt-4", "rt-5"]
    assert 0.2 <= took < 0.5  # each answer 0.2 s late, all at once (in turn: 0.6 s)


async def test_an_unreachable_provider_behind_the_served_gateway_is_a_502() -> None:
    fake = FakeLexoffice()
    fake.fail_next_token_requests(1, "unreachable")
    async with fake.serve() as base_url, httpx.AsyncClient() as http:
        response = await http.post(base_url + "/oauth2/token", data={"grant_type": "x"})
    assert response.status_code == 502
    assert response.json() == {"message": "Bad Gateway"}


def test_the_recorded_requests_keep_the_headers_they_were_sent_with() -> None:
    fake = FakeLexoffice()
    key = fake.add_api_key()
    request = httpx.Request("GET", f"{fake.api_base}/v1/ping", headers={"Authorization": "x"})
    assert fake.handle(request).status_code == 401
    request.headers["Authorization"] = f"Bearer {key}"  # as an auth flow's retry does
    assert fake.handle(request).status_code == 200
    assert [r.headers["Authorization"] for r in fake.requests] == ["x", f"Bearer {key}"]


@pytest.mark.parametrize(
    "options",
    [
        {"token_names": "uuid"},
        {"refresh_token_reuse": "ignore"},
        {"token_delay": -1},
        {"token_delay": float("nan")},
        {"token_delay": float("inf")},
        {"token_delay": "1"},
        {"token_delay": True},
    ],
)
def test_bad_options_are_configuration_errors(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        FakeLexoffice(**options)


@pytest.mark.parametrize(
    "call",
    [
        lambda fake: fake.fail_next_token_requests(-1),
        lambda fake: fake.fail_next_token_requests(1.5),
        lambda fake: fake.fail_next_token_requests(1, "503"),
        lambda fake: fake.reject_next_token_requests(-1),
        lambda fake: fake.reject_next_token_requests(True),
        lambda fake: fake.reject_next_token_requests(1, ""),
        lambda fake: fake.reject_next_token_requests(1, 'in"valid'),
        lambda fake: fake.reject_next_token_requests(1, "invalid_grant", status=200),
        lambda fake: fake.reject_next_token_requests(1, "invalid_grant", status=600),
        lambda fake: fake.reject_next_token_requests(1, "invalid_grant", status="400"),
    ],
)
def test_bad_failure_requests_are_configuration_errors(call: Any) -> None:
    fake = FakeLexoffice()
    with pytest.raises(ConfigurationError):
        call(fake)
    assert fake.state.oauth.token_failures == []
