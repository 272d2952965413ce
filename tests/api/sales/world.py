"""The sales-voucher world of the reference (§3c): fixture ids, bodies, answers, helpers.

Bodies and answers are kept as the JSON *text* the reference shows, with the fixture names
(``"HUBER"``, ``"INV"``, ...) standing for their UUIDs: :func:`world` swaps them in.
:func:`exact` parses JSON with every number kept as its literal text, so comparing two
parsed bodies checks the keys, the values and every digit of every amount, whatever the
key order.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import respx

from lexoffice_auth import ApiKeyAuth, LexofficeAuth, StaticTokenSource
from lexoffice_auth.api import LexofficeClient, RetryPolicy

BASE = "https://api.lexware.io"
R = f"{BASE}/v1"

IDS = {
    "ORG": "c88a9840-24b8-448c-997b-fef49ddb78d3",
    "HUBER": "6925b6bc-7560-430a-ab9b-cd375e2af04d",
    "ART_THERME": "bb9b16c2-8677-4b34-b3e3-1a63c88214f8",
    "ART_MONTAGE": "2f21c1de-c781-4bb0-9e4d-1c3e64ddbc55",
    "QUOTE": "4fd384c3-98b1-4144-bef4-de626c9875e6",
    "OC": "55d719fe-d048-4e2a-b498-fd44272848c6",
    "DN": "6a42e54e-1466-40b5-8972-15d66de5c6d8",
    "INV": "23a7ecfe-12f8-4eae-bc37-0e8769a975d0",
    "DPI": "ca4a341a-3b59-46ba-a4c3-e32423d7f101",
    "CN": "7913a682-1253-4642-b97e-3fbb658dc377",
    "DUN": "eade65fa-76b3-4ced-a84b-397864e71f49",
    "RTPL": "60332b80-f437-43bd-906e-f069381ec404",
    "RTPLSET": "45ce8b91-d868-4f4a-bd7c-bd974ed7f37d",
}
HUBER, QUOTE, OC, DN, INV, DPI, CN, DUN, RTPL = (
    IDS[k] for k in ("HUBER", "QUOTE", "OC", "DN", "INV", "DPI", "CN", "DUN", "RTPL")
)
_NAME = re.compile(r'"(' + "|".join(sorted(IDS, key=len, reverse=True)) + r')"')


def world(text: str) -> str:
    """``text`` with the fixture names swapped for their UUIDs and ``R/`` for the API."""
    text = _NAME.sub(lambda m: f'"{IDS[m.group(1)]}"', text)
    return text.replace('"R/', f'"{R}/')


def exact(content: bytes | str) -> Any:
    """JSON with numbers as ``("number", literal text)``: ``24.90`` is not ``24.9``."""
    return json.loads(
        content,
        parse_float=lambda s: ("number", s),
        parse_int=lambda s: ("number", s),
    )


def action_result(name: str, version: int = 1) -> httpx.Response:
    """lexoffice's 201 to a create: Location and the action result."""
    uuid = IDS[name]
    resource = {
        "QUOTE": "quotations",
        "OC": "order-confirmations",
        "DN": "delivery-notes",
        "INV": "invoices",
        "CN": "credit-notes",
        "DUN": "dunnings",
    }[name]
    uri = f"{R}/{resource}/{uuid}"
    body = (
        f'{{"id":"{uuid}","resourceUri":"{uri}","createdDate":"2025-09-15T10:12:31.233+02:00",'
        f'"updatedDate":"2025-09-15T10:12:31.233+02:00","version":{version}}}'
    )
    return httpx.Response(
        201, content=body.encode(), headers={"Content-Type": "application/json", "Location": uri}
    )


def json_response(text: str, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status, content=world(text).encode(), headers={"Content-Type": "application/json"}
    )


def regular_error(status: int, path: str, message: str, details: str = "") -> httpx.Response:
    """lexoffice's regular error body (§4)."""
    error = {406: "Not Acceptable", 409: "Conflict", 404: "Not Found"}[status]
    extra = f',"details":{details}' if details else ""
    return json_response(
        f'{{"timestamp":"2025-09-15T10:12:31.233+02:00","status":{status},"error":"{error}",'
        f'"path":"{path}","traceId":"4c1f0a9e7d2b","message":"{message}"{extra}}}',
        status,
    )


def oauth_auth() -> LexofficeAuth[StaticTokenSource]:
    """An OAuth-style auth: an access token handed over as is (no refresh needed here)."""
    return LexofficeAuth(StaticTokenSource("oauth-access-token"))


@asynccontextmanager
async def api(auth: str = "key") -> AsyncIterator[tuple[LexofficeClient, respx.MockRouter]]:
    """A client on lexoffice's real address, every request answered by respx."""
    credential = ApiKeyAuth("key") if auth == "key" else oauth_auth()
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        _SENT.pop(id(router), None)
        try:
            async with LexofficeClient(
                credential, rate_limit=None, retry=RetryPolicy.never()
            ) as client:
                yield client, router
        finally:
            # respx forgets its calls on leaving; keep them for the assertions after it.
            _SENT[id(router)] = [call.request for call in router.calls]


_SENT: dict[int, list[httpx.Request]] = {}


def sent(router: respx.MockRouter, index: int = -1) -> httpx.Request:
    """The ``index``-th request the client sent (also after the ``api()`` block)."""
    return sent_all(router)[index]


def sent_all(router: respx.MockRouter) -> list[httpx.Request]:
    """Every request the client sent, in order."""
    if id(router) in _SENT and not router.calls:
        return _SENT[id(router)]
    return [call.request for call in router.calls]


def assert_json_request(
    request: httpx.Request, method: str, url: str, body: str | None, token: str = "key"
) -> None:
    """Method, full URL (path and query), headers, and the body digit for digit."""
    assert request.method == method
    assert str(request.url) == url
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Authorization"] == f"Bearer {token}"
    if body is None:
        assert request.content == b""
    else:
        assert request.headers["Content-Type"] == "application/json"
        assert exact(request.content) == exact(world(body))
