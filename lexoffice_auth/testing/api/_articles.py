"""``/v1/articles``: create, read, update with versions, delete, filtered pages."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from httpx import Response

from lexoffice_auth.testing._responses import format_datetime, json_response
from lexoffice_auth.testing._state import Record, SandboxState
from lexoffice_auth.testing.api._amounts import money, number
from lexoffice_auth.testing.api._call import INVALID, Call, Problem, detail
from lexoffice_auth.testing.api._pages import LARGE_MAX_SIZE, page_of

__all__ = ["article_violations", "create", "delete", "get", "listing", "store_article", "update"]

RESOURCE = "articles"
_READ_ONLY = ("id", "organizationId", "createdDate", "updatedDate", "archived", "version")
_TAX_RATES = (0, 7, 19)


def _gtin_ok(value: object) -> bool:
    """GTIN-8, -12, -13 or -14 with a correct check digit."""
    if not isinstance(value, str) or not value.isdigit() or len(value) not in (8, 12, 13, 14):
        return False
    digits = [int(d) for d in value]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits[:-1])))
    return (10 - total % 10) % 10 == digits[-1]


def article_violations(body: Mapping[str, Any]) -> list[dict[str, str]]:
    """The regular-shape details of an article body; empty when valid."""
    out: list[dict[str, str]] = []
    for name in ("title", "unitName"):
        if not isinstance(body.get(name), str) or not body[name].strip():
            out.append(detail(name))
    if body.get("type") not in ("PRODUCT", "SERVICE"):
        out.append(detail("type"))
    if "gtin" in body and body["gtin"] is not None and not _gtin_ok(body["gtin"]):
        out.append(detail("gtin", "PATTERN", "keine gültige GTIN"))
    price = body.get("price")
    if not isinstance(price, dict):
        return [*out, detail("price")]
    leading = price.get("leadingPrice")
    if leading not in ("NET", "GROSS"):
        out.append(detail("price.leadingPrice"))
    if number(price.get("taxRate")) not in [Decimal(r) for r in _TAX_RATES]:
        out.append(detail("price.taxRate", "INVALID", "Steuersatz 0, 7 oder 19"))
    key = "netPrice" if leading == "NET" else "grossPrice"
    if leading in ("NET", "GROSS") and number(price.get(key)) is None:
        out.append(detail(f"price.{key}"))
    return out


def _price(price: Mapping[str, Any]) -> dict[str, Any]:
    rate = number(price["taxRate"]) or Decimal(0)
    factor = 1 + rate / 100
    if price["leadingPrice"] == "NET":
        net = number(price["netPrice"]) or Decimal(0)
        gross = net * factor
    else:
        gross = number(price["grossPrice"]) or Decimal(0)
        net = gross / factor
    return {
        "netPrice": money(net),
        "grossPrice": money(gross),
        "leadingPrice": price["leadingPrice"],
        "taxRate": price["taxRate"],
    }


def _data(body: Mapping[str, Any], article_id: str, org: str, version: int) -> dict[str, Any]:
    data = {k: copy.deepcopy(v) for k, v in body.items() if k not in _READ_ONLY}
    data.update(
        id=article_id,
        organizationId=org,
        archived=False,
        price=_price(body["price"]),
        version=version,
    )
    return data


def store_article(state: SandboxState, body: Mapping[str, Any]) -> Record:
    """Store a valid article body (version 0)."""
    now = state.now()
    article_id = state.new_uuid()
    record = Record(_data(body, article_id, state.organization_id, 0), now, now)
    state.store(RESOURCE)[article_id] = record
    state.emit("article.created", article_id)
    return record


def _valid_body(call: Call) -> dict[str, Any]:
    body = call.json()
    details = article_violations(body)
    if details:
        raise Problem(406, INVALID, details)
    return body


def _with_dates(record: Record) -> dict[str, Any]:
    return {
        **record.data,
        "createdDate": format_datetime(record.created),
        "updatedDate": format_datetime(record.updated),
    }


def create(call: Call) -> Response:
    """``POST /v1/articles``: 201 + ``Location`` + action-result (version 0)."""
    return call.created(RESOURCE, store_article(call.state, _valid_body(call)))


def get(call: Call) -> Response:
    """``GET /v1/articles/{id}``."""
    return json_response(200, _with_dates(call.found(RESOURCE, call.args[0])))


def update(call: Call) -> Response:
    """``PUT /v1/articles/{id}``: the full body with the current ``version``, or 409."""
    record = call.found(RESOURCE, call.args[0])
    body = _valid_body(call)
    call.check_version(body, record)
    version = int(record.data["version"]) + 1
    record.data = _data(body, record.data["id"], call.state.organization_id, version)
    record.updated = call.now
    call.state.emit("article.changed", record.data["id"])
    return call.updated(RESOURCE, record)


def delete(call: Call) -> Response:
    """``DELETE /v1/articles/{id}``: 204."""
    record = call.found(RESOURCE, call.args[0])
    del call.state.store(RESOURCE)[record.data["id"]]
    call.state.emit("article.deleted", record.data["id"])
    return Response(204)


def listing(call: Call) -> Response:
    """``GET /v1/articles?articleNumber=&gtin=&type=``: AND-combined, sorted by title."""
    query = call.query()
    rows = [
        _with_dates(r)
        for r in call.state.store(RESOURCE).values()
        if all(
            str(r.data.get(name)) == query[name]
            for name in ("articleNumber", "gtin", "type")
            if name in query
        )
    ]
    return page_of(rows, query, max_size=LARGE_MAX_SIZE, sort=("title", "ASC"))
