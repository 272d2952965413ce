"""Error shapes, retry rules and configuration checks of the API client."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest

from lexoffice_auth import ApiKeyAuth
from lexoffice_auth.api import Contact, LexofficeClient, RetryPolicy
from lexoffice_auth.errors import (
    ApiError,
    ConfigurationError,
    Conflict,
    Forbidden,
    NetworkError,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
    ValidationFailed,
)
from lexoffice_auth.testing import FakeLexoffice

from .helpers import FAST_RETRY, a_person, an_invoice, sandbox_client

API = "https://api.lexware.io"


def mock_client(
    handler: Callable[[httpx.Request], httpx.Response], **options: Any
) -> LexofficeClient:
    options.setdefault("retry", FAST_RETRY)
    options.setdefault("rate_limit", None)
    return LexofficeClient(
        ApiKeyAuth("key"),
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        **options,
    )


# --- the three shapes, from the sandbox -----------------------------------------------------


async def test_stale_version_on_update_is_a_conflict() -> None:
    fake = FakeLexoffice(rate_limit=None)
    cid = fake.add_contact(name="Alt GmbH")
    async with sandbox_client(fake) as client:
        contact = await client.contacts.get(cid)
        await client.contacts.update(cid, contact)  # version 0 -> 1
        with pytest.raises(Conflict) as info:
            await client.contacts.update(cid, contact)  # still version 0
    err = info.value
    assert err.status_code == 409 and "conflict (version)" in str(err)
    assert err.details[0]["field"] == "version"


async def test_406_with_field_details_is_validation_failed() -> None:
    fake = FakeLexoffice(rate_limit=None)
    invoice = an_invoice().model_copy(update={"line_items": []})
    async with sandbox_client(fake) as client:
        with pytest.raises(ValidationFailed) as info:  # sent as is: the server's 406
            await client.request("POST", "/v1/invoices", json_body=invoice.to_api())
    err = info.value
    assert err.status_code == 406
    assert "Validation failed for request" in str(err)
    assert err.trace_id and len(err.trace_id) == 16
    assert {"field": "lineItems", "message": "darf nicht leer sein", "violation": "NOTNULL"} in (
        err.details
    )


async def test_404_legacy_shape_is_not_found() -> None:
    fake = FakeLexoffice(rate_limit=None)
    async with sandbox_client(fake) as client:
        with pytest.raises(NotFound) as info:
            await client.contacts.get("00000000-0000-0000-0000-000000000000")
        with pytest.raises(NotFound):
            await client.invoices.get("00000000-0000-0000-0000-000000000000")
    assert "missing_entity (id)" in str(info.value)


async def test_legacy_shape_on_create_names_the_issue() -> None:
    fake = FakeLexoffice(rate_limit=None)
    async with sandbox_client(fake) as client:
        with pytest.raises(ValidationFailed) as info:
            # no role, neither person nor company, sent as is: the server's legacy 406
            await client.request("POST", "/v1/contacts", json_body=Contact().to_api())
    assert "missing_entity (roles)" in str(info.value)
    assert {"field": "roles", "message": "missing_entity", "type": "validation_failure"} in (
        info.value.details
    )


async def test_gateway_shape_401_from_oauth_is_unauthorized() -> None:
    body = {"message": "Unauthorized"}

    def api(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json=body)

    class Bearer(httpx.Auth):  # an auth without api_origins, that does not raise on 401
        def auth_flow(self, request: httpx.Request) -> Any:
            request.headers["Authorization"] = "Bearer x"
            yield request

    client = LexofficeClient(
        Bearer(), rate_limit=None, http_client=httpx.AsyncClient(transport=httpx.MockTransport(api))
    )
    with pytest.raises(Unauthorized, match=r"GET /v1/profile: HTTP 401: Unauthorized$"):
        await client.request("GET", "/v1/profile")


async def test_gateway_shapes_and_unreadable_bodies() -> None:
    answers = iter(
        [
            httpx.Response(403, json={"message": "'abc' not a valid key=value pair"}),
            httpx.Response(500, json={"message": None}),
            httpx.Response(502, text="<html>Bad gateway</html>", headers={"X-Trace-Id": "t-1"}),
        ]
    )
    client = mock_client(lambda r: next(answers), retry=RetryPolicy.never())
    with pytest.raises(Forbidden, match="not a valid key=value pair"):
        await client.request("GET", "/v1/profile")
    with pytest.raises(ServerError, match=r"unreadable error body \(application/json"):
        await client.request("GET", "/v1/profile")
    with pytest.raises(ServerError, match=r"unreadable error body \(text/plain") as info:
        await client.request("GET", "/v1/profile")
    assert info.value.trace_id == "t-1" and info.value.transient
    copy = pickle.loads(pickle.dumps(info.value))
    assert copy.trace_id == "t-1" and str(copy) == str(info.value)


async def test_draft_download_says_it_is_a_draft() -> None:
    fake = FakeLexoffice(rate_limit=None)
    draft = fake.add_invoice(status="draft")
    async with sandbox_client(fake) as client:
        with pytest.raises(Conflict, match=r"is a draft.*finalize it first"):
            await client.invoices.download(draft)
        with pytest.raises(NotFound):
            await client.invoices.download(fake.add_invoice(), format="xml")


async def test_malformed_success_body_is_an_api_error() -> None:
    bodies = iter([b"not json", b'{"content": 5}', b'{"roles": []}'])
    client = mock_client(lambda r: httpx.Response(200, content=next(bodies)))
    with pytest.raises(ApiError, match="is not JSON"):
        await client.contacts.get("a")
    with pytest.raises(ApiError, match=r"not a valid Page\[Contact\] \(first problem at content"):
        await client.contacts.list()
    with pytest.raises(ApiError, match="not a valid Contact"):
        await client.contacts.get("a")


# --- retries ---------------------------------------------------------------------------------


async def test_429_is_retried_with_backoff_and_honours_retry_after() -> None:
    seen: list[float] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(anyio.current_time())
        if len(seen) < 3:
            return httpx.Response(
                429, json={"message": "slow down"}, headers={"Retry-After": "0.2"}
            )
        return httpx.Response(201, json={"id": "c1", "version": 0})

    client = mock_client(api)
    result = await client.contacts.create(a_person())  # a POST: a 429 was never carried out
    assert result.id == "c1" and len(seen) == 3
    assert seen[1] - seen[0] >= 0.19 and seen[2] - seen[1] >= 0.19


async def test_429_gives_up_after_the_policy_attempts() -> None:
    calls = 0

    def api(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(429, json={"status": 429, "message": "Rate limit exceeded"})

    client = mock_client(api, retry=RetryPolicy(attempts=3, wait_initial=0.001, wait_jitter=0))
    with pytest.raises(RateLimited, match="Rate limit exceeded") as info:
        await client.contacts.get("a")
    assert calls == 3 and info.value.retried == 2 and info.value.retry_after is None


async def test_get_is_retried_on_5xx_and_transport_errors() -> None:
    answers: list[Any] = [
        httpx.Response(503),
        httpx.ReadTimeout("slow"),
        httpx.Response(200, json={}),
    ]

    def api(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    client = mock_client(api)
    contact = await client.contacts.get("a")
    assert contact.version == 0 and answers == []


async def test_get_gives_up_after_read_attempts() -> None:
    calls = 0

    def api(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ConnectError("refused")

    with pytest.raises(NetworkError, match="could not be reached") as info:
        await mock_client(api).contacts.get("a")
    assert calls == 3 and info.value.transient
    assert isinstance(info.value.__cause__, httpx.ConnectError)  # the original, for debugging


@pytest.mark.parametrize(
    ("answer", "error", "text"),
    [
        (
            httpx.Response(504, json={"message": "Endpoint request timed out"}),
            ServerError,
            "Endpoint request timed out.*may have been carried out",
        ),
        (httpx.Response(500, json={"message": None}), ServerError, "not retried"),
        (httpx.ReadTimeout("slow"), NetworkError, "may have carried it out"),
    ],
)
async def test_post_is_never_retried_after_504_5xx_or_timeout(
    answer: Any, error: type[Exception], text: str
) -> None:
    calls = 0

    def api(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if isinstance(answer, Exception):
            raise answer
        return answer

    with pytest.raises(error, match=text):
        await mock_client(api).invoices.create(an_invoice())
    assert calls == 1


async def test_post_is_retried_when_the_connection_was_never_made() -> None:
    answers: list[Any] = [httpx.ConnectError("refused"), httpx.Response(201, json={"id": "i1"})]

    def api(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert (await mock_client(api).invoices.create(an_invoice())).id == "i1"


# --- configuration ------------------------------------------------------------------------


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


def test_error_bodies_parse_without_a_client() -> None:
    from lexoffice_auth.api._errors import error_from_response, parse_error_body

    assert parse_error_body(b'{"IssueList": "x"}') == (None, None, ())
    assert parse_error_body(json.dumps({"error": "Bad Request"}).encode())[0] == "Bad Request"

    def retry_after(value: str) -> float | None:
        headers = {"retry-after": value}
        return error_from_response("GET", "/v1/x", 429, headers, b"", now=100.0).retry_after

    # The SDK's one Retry-After rule (lexoffice_auth.rules): seconds or an HTTP-date.
    assert retry_after("3") == 3.0 and retry_after("nan") is None
    assert retry_after("Thu, 01 Jan 1970 00:02:00 GMT") == 20.0
    assert retry_after("Thu, 01 Jan 1970 00:00:01 GMT") == 0.0  # in the past: now
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 86400.0  # capped at a day


def test_importing_the_client_loads_neither_stamina_nor_redis() -> None:
    import subprocess
    import sys

    code = "import sys, lexoffice_auth.api; print(sorted({'stamina', 'redis'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("retry_after", "policy"),
    [
        ("3600", RetryPolicy()),  # an hour, where the policy gives up after 120 s
        ("2", RetryPolicy(timeout=1.0, wait_initial=0.001, wait_jitter=0)),
    ],
)
async def test_a_retry_after_past_the_policy_timeout_is_not_slept(
    retry_after: str, policy: RetryPolicy
) -> None:
    calls = 0

    def api(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(429, json={"message": "later"}, headers={"Retry-After": retry_after})

    client = mock_client(api, retry=policy)
    with anyio.fail_after(5), pytest.raises(RateLimited, match="later") as info:
        await client.contacts.get("a")
    assert calls == 1 and info.value.retried == 0
    assert info.value.retry_after == float(retry_after)  # the caller may wait and try again


async def test_a_retry_after_counts_against_the_time_left() -> None:
    seen: list[float] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(anyio.current_time())
        return httpx.Response(429, json={"message": "later"}, headers={"Retry-After": "0.3"})

    policy = RetryPolicy(attempts=10, timeout=0.5, wait_initial=0.001, wait_jitter=0)
    with anyio.fail_after(5), pytest.raises(RateLimited) as info:
        await mock_client(api, retry=policy).contacts.get("a")
    # 0.3 s fits into the first 0.5 s; a second 0.3 s would end after the timeout.
    assert len(seen) == 2 and info.value.retried == 1
    assert seen[1] - seen[0] >= 0.29


@pytest.mark.parametrize(
    "options",
    [
        {"wait_initial": float("nan")},
        {"wait_max": float("inf")},
        {"wait_jitter": float("-inf")},
        {"timeout": float("inf")},
        {"timeout": float("nan")},
        {"timeout": 0},
        {"wait_initial": -1},
        {"wait_max": "1"},
        {"timeout": True},
        {"attempts": 0},
        {"attempts": 2.0},
        {"read_attempts": True},
    ],
)
def test_retry_policy_refuses_what_is_no_finite_time_or_count(options: dict[str, Any]) -> None:
    name = next(iter(options))
    with pytest.raises(ConfigurationError, match=rf"RetryPolicy\.{name} must be"):
        RetryPolicy(**options)


def test_retry_policy_accepts_zero_waits_and_one_attempt() -> None:
    policy = RetryPolicy(attempts=1, read_attempts=1, wait_initial=0, wait_max=0, wait_jitter=0)
    assert (policy.attempts, policy.wait_initial, policy.timeout) == (1, 0, 120.0)


# --- URLs follow the package's one rule (lexoffice_auth.rules) ------------------------------------


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
