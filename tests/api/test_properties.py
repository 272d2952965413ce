"""hypothesis: whatever lexoffice (or a proxy in its place) answers, only our errors come out."""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lexoffice_auth.api import Contact, Invoice, LexofficeClient, RetryPolicy
from lexoffice_auth.errors import ApiError, LexofficeAuthError

from .helpers import a_person, an_invoice

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=25,
)
# Bodies that look like lexoffice's, with any value in any field.
contact_like = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values,
        "version": json_values,
        "roles": json_values,
        "person": json_values,
        "company": json_values,
        "addresses": json_values,
        "emailAddresses": json_values,
    },
)
invoice_like = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values,
        "voucherDate": json_values,
        "lineItems": json_values,
        "totalPrice": json_values,
        "taxConditions": json_values,
        "address": json_values,
        "voucherStatus": json_values,
    },
)
error_like = st.fixed_dictionaries(
    {},
    optional={
        "message": json_values,
        "traceId": json_values,
        "details": json_values,
        "IssueList": json_values,
        "status": json_values,
        "error": json_values,
    },
)
bodies = (json_values | contact_like | invoice_like | error_like).map(
    lambda v: json.dumps(v).encode()
) | st.binary(max_size=64)
statuses = st.sampled_from([200, 201, 204, 400, 401, 403, 404, 406, 409, 415, 429, 500, 503, 504])


def _client(status: int, body: bytes, headers: dict[str, str]) -> LexofficeClient:
    def api(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers=headers)

    class NoRaise(httpx.Auth):  # ApiKeyAuth raises its own error on 401; test the client's
        api_origins = ("https://api.lexware.io",)

    return LexofficeClient(
        NoRaise(),
        rate_limit=None,
        retry=RetryPolicy.never(),
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(api)),
    )


async def _every_call(client: LexofficeClient) -> list[Any]:
    calls = [
        lambda: client.contacts.get("c"),
        lambda: client.contacts.list(name="abc"),
        lambda: client.contacts.create(a_person()),
        lambda: client.contacts.update("c", Contact(version=3)),
        lambda: client.invoices.get("i"),
        lambda: client.invoices.create(an_invoice(), finalize=True),
        lambda: client.invoices.list(),
        lambda: client.invoices.download("i"),
    ]
    results = []
    for call in calls:
        try:
            results.append(await call())
        except LexofficeAuthError as exc:
            results.append(exc)
    async for item in client.contacts.list():
        results.append(item)
        break
    return results


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(status=statuses, body=bodies, retry_after=st.none() | st.text(max_size=8))
def test_arbitrary_bodies_raise_only_documented_errors(
    status: int, body: bytes, retry_after: str | None
) -> None:
    headers = {"Content-Type": "application/json"}
    if retry_after is not None and retry_after.isprintable() and retry_after.isascii():
        headers["Retry-After"] = retry_after

    async def main() -> None:
        try:
            results = await _every_call(_client(status, body, headers))
        except LexofficeAuthError:
            return  # iter() may fail the same way, and that is fine
        for error in results:
            if isinstance(error, LexofficeAuthError):
                assert str(error)  # every error says what went wrong
            if isinstance(error, ApiError) and status >= 400:
                assert error.status_code == status

    anyio.run(main)


@settings(max_examples=150, deadline=None)
@given(data=contact_like | invoice_like)
def test_models_from_arbitrary_json_parse_or_raise_api_error(data: dict[str, Any]) -> None:
    from lexoffice_auth.api._json import parse_model

    content = json.dumps(data).encode()
    for model in (Contact, Invoice):
        try:
            parsed = parse_model("GET", "/v1/x", 200, content, model)
        except ApiError:
            continue
        json.loads(parsed.to_json())  # what parses can be sent back
