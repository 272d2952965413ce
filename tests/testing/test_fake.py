"""The same login → API → refresh → revoke flow through each of the sandbox's mountings."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import subprocess
import sys
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from lexoffice_auth.errors import ConfigurationError
from lexoffice_auth.testing import API_BASE_URL, FakeLexoffice

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
