"""``api/_errors.py``: lexoffice's error shapes as typed errors, credentials redacted."""

from __future__ import annotations

import json
import pickle
from typing import Any

import httpx
import pytest
import respx

from lexoffice_auth import ApiKeyAuth
from lexoffice_auth.api import Contact, LexofficeClient, RetryPolicy
from lexoffice_auth.errors import (
    ApiError,
    ApiKeyRejected,
    Conflict,
    Forbidden,
    NotFound,
    ReauthenticationRequired,
    ServerError,
    Unauthorized,
    ValidationFailed,
)
from lexoffice_auth.testing import FakeLexoffice

from .helpers import an_invoice, mock_client, sandbox_client

API = "https://api.lexware.io"


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


BASE = "https://api.lexware.io"
KEY = "lx-key-0123456789abcdefghijklmnopqrstuvwxyz"


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, {"message": f"Unauthorized: header was 'Bearer {KEY}'"}, Unauthorized),
        (
            406,
            {
                "message": f"Validation failed, request had Authorization: Bearer {KEY}",
                "details": [{"field": "authorization", "violation": "X", "message": KEY}],
            },
            ValidationFailed,
        ),
        (
            406,
            {"IssueList": [{"i18nKey": f"echo {KEY}", "source": f"Bearer {KEY}"}]},
            ValidationFailed,
        ),
        (
            400,
            {"message": "proxy saw: Authorization: Bearer some-other-token-1234"},
            ValidationFailed,
        ),
    ],
)
async def test_an_echoed_credential_never_reaches_the_error(
    status: int, body: dict[str, object], error: type[ApiError]
) -> None:
    with respx.mock(base_url=BASE) as router:
        router.get("/v1/contacts/c1").respond(status, json=body)
        async with LexofficeClient(
            ApiKeyAuth(KEY), rate_limit=None, retry=RetryPolicy.never()
        ) as lx:
            with pytest.raises(error) as caught:
                await lx.contacts.get("c1")
    exc = caught.value
    carried = " ".join([str(exc), repr(exc), json.dumps(exc.details, default=str)])
    assert KEY not in carried and "some-other-token-1234" not in carried
    assert isinstance(exc, ApiError)
    if isinstance(exc, ApiKeyRejected):  # a rejected key is an API error too (was not)
        assert exc.status_code == 401 and isinstance(exc, ReauthenticationRequired)
        assert pickle.loads(pickle.dumps(exc)).status_code == 401
    else:
        assert "[redacted]" in carried  # said, not silently dropped


def test_a_401_names_the_error_of_its_challenge_with_credentials_redacted() -> None:
    from lexoffice_auth.api._errors import error_from_response

    body = json.dumps({"message": "Unauthorized"}).encode()
    dpop = {
        "www-authenticate": 'DPoP realm="api", error="invalid_dpop_proof", '
        'error_description="htu does not match the request\'s URL", algs="ES256"'
    }
    error = error_from_response("GET", "/v1/profile", 401, dpop, body)
    assert isinstance(error, Unauthorized)
    assert error.message == (
        "GET /v1/profile: HTTP 401: Unauthorized "
        '(DPoP error="invalid_dpop_proof": htu does not match the request\'s URL)'
    )
    echoed = {"www-authenticate": 'Bearer error="invalid_token", error_description="tok-123456789"'}
    error = error_from_response("GET", "/v1/x", 401, echoed, body, secrets=("tok-123456789",))
    assert (
        error.message
        == 'GET /v1/x: HTTP 401: Unauthorized (Bearer error="invalid_token": [redacted])'
    )
    # A challenge without an error (no credentials were sent) adds nothing.
    plain = error_from_response("GET", "/v1/x", 401, {"www-authenticate": 'Bearer realm="a"'}, body)
    assert plain.message == "GET /v1/x: HTTP 401: Unauthorized"
