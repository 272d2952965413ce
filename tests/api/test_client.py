"""``LexofficeClient`` (``api/_client.py``): profile and ping, both auths, base URL and
configuration checks, deadlines, an httpx2 client, what importing it loads."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from lexoffice_auth import ApiKeyAuth, LexofficeAuth
from lexoffice_auth.api import (
    LexofficeClient,
)
from lexoffice_auth.errors import (
    ApiKeyRejected,
    ConfigurationError,
    NotFound,
    Unauthorized,
)
from lexoffice_auth.stores import MemoryTokenStore
from lexoffice_auth.testing import FakeLexoffice

from ..support.logins import log_in, oauth_for
from ..support.sources import make_source
from .books_helpers import (
    CONN,
    LAYOUT1,
    LAYOUT2,
    ORG,
    USER,
    R,
    client,
    json_response,
    lexoffice,
)
from .helpers import FAST_RETRY, mock_client

WINTER = timezone(timedelta(hours=1))
PRINT_LAYOUTS = (
    f'[{{"id":"{LAYOUT1}","name":"Standard","default":true}},'
    f'{{"id":"{LAYOUT2}","name":"Briefpapier mit Logo","default":false}}]'
)
PROFILE: dict[str, Any] = {
    "organizationId": ORG,
    "companyName": "Schneider Heiztechnik GmbH",
    "created": {
        "userId": USER,
        "userName": "Frau Julia Schneider",
        "userEmail": "julia.schneider@schneider-heiztechnik.de",
        "date": "2024-02-12T09:41:07.000+01:00",
    },
    "connectionId": CONN,
    "features": ["cashbox"],
    "businessFeatures": ["INVOICING", "INVOICING_PRO", "BOOKKEEPING"],
    "subscriptionStatus": "active",
    "taxType": "net",
    "distanceSalesPrinciple": "ORIGIN",
    "smallBusiness": False,
}
PING = {"userEmail": "julia.schneider@schneider-heiztechnik.de"}
UNAUTHORIZED = {"message": "Unauthorized"}


def _assert_get(request: httpx.Request, url: str, token: str = "key") -> None:
    assert request.method == "GET" and str(request.url) == url and request.content == b""
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Authorization"] == f"Bearer {token}"


async def test_profile_with_and_without_a_distance_sales_principle_and_ping() -> None:
    without = {k: v for k, v in PROFILE.items() if k != "distanceSalesPrinciple"}
    with lexoffice() as api:
        profile_route = api.get("/v1/profile").mock(
            side_effect=[json_response(200, PROFILE), json_response(200, without)]
        )
        ping_route = api.get("/v1/ping").mock(return_value=json_response(200, PING))
        async with client() as lx:
            profile = await lx.profile()
            second = await lx.profile()
            ping = await lx.ping()
    _assert_get(profile_route.calls.last.request, f"{R}/profile")
    _assert_get(ping_route.calls.last.request, f"{R}/ping")
    assert profile.organization_id == ORG and profile.connection_id == CONN
    assert profile.company_name == "Schneider Heiztechnik GmbH"
    assert profile.created is not None and profile.created.user_id == USER
    assert profile.created.date == datetime(2024, 2, 12, 9, 41, 7, tzinfo=WINTER)
    assert profile.business_features == ["INVOICING", "INVOICING_PRO", "BOOKKEEPING"]
    assert profile.distance_sales_principle == "ORIGIN" and profile.small_business is False
    assert profile.tax_type == "net"
    # Fields the field table does not list are kept.
    assert profile.model_extra == {"features": ["cashbox"], "subscriptionStatus": "active"}
    assert second.distance_sales_principle is None and second.tax_type == "net"
    assert ping.user_email == "julia.schneider@schneider-heiztechnik.de"


class _PlainBearer(httpx.Auth):
    """A bearer that lets a 401 through (no refresh, no error of its own)."""

    api_origins = ("https://api.lexware.io",)

    def auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = "Bearer key"
        yield request


async def test_a_rejected_credential_on_ping_is_unauthorized() -> None:
    with lexoffice() as api:
        api.get("/v1/ping").mock(return_value=json_response(401, UNAUTHORIZED))
        async with LexofficeClient(_PlainBearer(), rate_limit=None, retry=FAST_RETRY) as lx:
            with pytest.raises(Unauthorized) as caught:
                await lx.ping()
        assert caught.value.message == "GET /v1/ping: HTTP 401: Unauthorized"
        assert caught.value.status_code == 401
        async with client() as lx:  # an API key cannot be renewed: its own error says so
            with pytest.raises(ApiKeyRejected, match="create a new key"):
                await lx.ping()


async def _oauth_client() -> tuple[LexofficeClient, FakeLexoffice, str]:
    """A client over a sandbox login (the API itself is respx); the sandbox refreshes it.

    Returns the client, the sandbox and the access token of the login.
    """
    fake = FakeLexoffice(rate_limit=None)
    oauth = oauth_for(fake, fake.client())
    tokens = await log_in(fake, oauth)
    source = make_source(oauth, "acme", MemoryTokenStore(), clock=fake.clock)
    await source.save(tokens)
    client = LexofficeClient(LexofficeAuth(source), rate_limit=None, retry=FAST_RETRY)
    return client, fake, tokens.access_token.get_secret_value()


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_oauth_refreshes_on_401_and_a_second_401_is_unauthorized(anyio_backend: str) -> None:
    lx, fake, first = await _oauth_client()
    with lexoffice() as api:
        ping = api.get("/v1/ping").mock(
            side_effect=[
                json_response(401, UNAUTHORIZED),  # the first token revoked early: refresh
                json_response(200, PING),  # the second one accepted
                json_response(401, UNAUTHORIZED),  # then revoked too: refresh again
                json_response(401, UNAUTHORIZED),  # the third rejected as soon as issued
            ]
        )
        async with lx:
            assert (await lx.ping()).user_email == PING["userEmail"]
            with pytest.raises(Unauthorized):
                await lx.ping()
    tokens = [c.request.headers["Authorization"] for c in ping.calls]
    assert tokens[0] == f"Bearer {first}" and tokens[0] != tokens[1] == tokens[2] != tokens[3]
    # A token the API had accepted is refreshed when rejected (hardening round 2, item 4);
    # one it never accepted is not refreshed again: no 401 loop.
    assert fake.token_calls == {"authorization_code": 1, "refresh_token": 2}


async def test_oauth_reads_the_books_too() -> None:
    lx, _, token = await _oauth_client()
    with lexoffice() as api:
        route = api.get("/v1/print-layouts").mock(return_value=json_response(200, PRINT_LAYOUTS))
        async with lx:
            layouts = await lx.print_layouts.list()
    _assert_get(route.calls.last.request, f"{R}/print-layouts", token=token)
    assert [layout.id for layout in layouts.content] == [LAYOUT1, LAYOUT2]


API = "https://api.lexware.io"


# --- the three shapes, from the sandbox -----------------------------------------------------


class OriginAuth(httpx.Auth):
    """Like ApiKeyAuth and LexofficeAuth: an auth that names where it may send credentials."""

    def __init__(self, *origins: str) -> None:
        self.api_origins = origins


def test_base_url_outside_the_auth_origins_is_refused_early() -> None:
    with pytest.raises(ConfigurationError, match=r"api_origins=\['https://api.example.test'\]"):
        LexofficeClient(OriginAuth("https://api.lexware.io"), base_url="https://api.example.test")
    LexofficeClient(OriginAuth("https://api.lexware.io:443"))  # the default port is the origin
    with pytest.raises(ConfigurationError, match="https"):
        LexofficeClient(ApiKeyAuth("k"), base_url="http://api.lexware.io")
    with pytest.raises(ConfigurationError, match=r"httpx\.Auth"):
        LexofficeClient("k")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        LexofficeClient(ApiKeyAuth("k"), rate_limit=0)
    LexofficeClient(
        ApiKeyAuth("k", api_origins=["http://127.0.0.1:8080"]), base_url="http://127.0.0.1:8080/"
    )


async def test_bad_arguments_are_configuration_errors() -> None:
    client = mock_client(lambda r: httpx.Response(200, json={}))
    with pytest.raises(ConfigurationError, match="at least 3"):
        await client.contacts.list(name="ab")
    with pytest.raises(ConfigurationError, match="size"):
        await client.contacts.list(size=251)
    with pytest.raises(ConfigurationError, match="sort"):
        await client.invoices.list(sort="amount,DESC")
    with pytest.raises(ConfigurationError, match="format"):
        await client.invoices.download("x", format="docx")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="start date is after"):
        await client.invoices.list(voucher_date_from="2024-02-01", voucher_date_to="2024-01-01")


async def test_works_with_an_httpx2_client() -> None:
    httpx2 = pytest.importorskip("httpx2")
    fake = FakeLexoffice(rate_limit=None)
    cid = fake.add_contact(name="Zwei GmbH")

    def api(request: Any) -> Any:
        answer = fake.handle(
            httpx.Request(request.method, str(request.url), headers=request.headers)
        )
        return httpx2.Response(answer.status_code, headers=answer.headers, content=answer.content)

    auth = ApiKeyAuth(fake.add_api_key(), api_origins=[fake.api_base])
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(api)) as http:
        client = LexofficeClient(auth, base_url=fake.api_base, http_client=http, rate_limit=None)
        contact = await client.contacts.get(cid)
        assert contact.company is not None and contact.company.name == "Zwei GmbH"
        with pytest.raises(NotFound):
            await client.contacts.get("00000000-0000-0000-0000-000000000000")


def test_importing_the_client_loads_neither_tenacity_nor_redis() -> None:
    import subprocess
    import sys

    code = "import sys, lexoffice_auth.api; print(sorted({'tenacity', 'redis'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "base_url",
    [
        "https://api.lexware.io:99999",  # no such port
        "https://api.lexware.io /v1",  # whitespace
        "https://user:secret@api.lexware.io",
        "ftp://api.lexware.io",
        "http://api.lexware.io",
        "https://api.lexware.io?x=1",
    ],
)
def test_a_bad_base_url_is_refused(base_url: str) -> None:
    class AnyOriginAuth(httpx.Auth):
        """An auth without api_origins: only the URL rule itself can refuse."""

    with pytest.raises(ConfigurationError, match=r"^base_url") as info:
        LexofficeClient(AnyOriginAuth(), base_url=base_url)
    assert "secret" not in str(info.value)


@pytest.mark.parametrize(
    ("origin", "base_url"),
    [
        ("http://app.localhost:8080", "http://app.localhost:8080/"),
        ("http://localhost:8080", "HTTP://LOCALHOST:8080"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
    ],
)
def test_base_urls_the_auth_accepts_as_origins_are_accepted(origin: str, base_url: str) -> None:
    auth = ApiKeyAuth("k", api_origins=[origin])  # the auth's own rule for plain http
    client = LexofficeClient(auth, base_url=base_url)
    assert client.base_url == str(httpx.URL(base_url)).rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "https://app.example:99999/hook",
        "https://app.example/lexoffice hook",
        "https://app.example/hook\t",
        "https://user:secret@app.example/hook",
        "https://app.example/hook#part",
        "http://app.example/hook",
        "ftp://app.example/hook",
        "https:///hook",
        "",
    ],
)
async def test_a_bad_callback_url_is_refused_before_sending(url: str) -> None:
    calls = 0

    def api(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(200, json={"id": "s1"})

    with pytest.raises(ConfigurationError, match="callback_url") as info:
        await mock_client(api).event_subscriptions.create("contact.changed", url)
    assert calls == 0 and "secret" not in str(info.value)


@pytest.mark.parametrize(
    "url", ["http://hooks.localhost:9000/in", "HTTP://LOCALHOST:9000/in", "http://[::1]:9000/in"]
)
async def test_a_loopback_callback_url_may_use_plain_http(url: str) -> None:
    sent: list[Any] = []

    def api(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json={"id": "s1"})

    await mock_client(api).event_subscriptions.create("contact.changed", url)
    assert sent == [{"eventType": "contact.changed", "callbackUrl": url}]


KEY = "lx-key-0123456789abcdefghijklmnopqrstuvwxyz"


def test_deadlines_are_checked() -> None:
    from lexoffice_auth.errors import ConfigurationError

    for bad in (0, -1, float("nan"), True, "10"):
        with pytest.raises(ConfigurationError, match="deadline"):
            LexofficeClient(ApiKeyAuth(KEY), deadline=bad)  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError, match="download_deadline"):
            LexofficeClient(ApiKeyAuth(KEY), download_deadline=bad)  # type: ignore[arg-type]
