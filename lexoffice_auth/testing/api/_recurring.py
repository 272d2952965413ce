"""``/v1/recurring-templates``: read-only, paged (at most 250), sortable by execution dates."""

from __future__ import annotations

from typing import Any

from httpx import Response

from lexoffice_auth.testing._responses import json_response
from lexoffice_auth.testing.api._call import Call
from lexoffice_auth.testing.api._pages import LARGE_MAX_SIZE, page_of, sort_spec
from lexoffice_auth.testing.api._sales import with_dates

__all__ = ["get", "listing"]

RESOURCE = "recurring-templates"
_SORTS = ("createdDate", "updatedDate", "lastExecutionDate", "nextExecutionDate")
_ROW_FIELDS = (
    "id",
    "organizationId",
    "title",
    "createdDate",
    "updatedDate",
    "address",
    "totalPrice",
    "paymentConditions",
    "recurringTemplateSettings",
)


def _row(full: dict[str, Any]) -> dict[str, Any]:
    row = {k: full[k] for k in _ROW_FIELDS if k in full}
    address = full.get("address") or {}
    row["address"] = {k: address[k] for k in ("contactId", "name") if k in address}
    total = full.get("totalPrice") or {}
    row["totalPrice"] = {
        k: total[k] for k in ("currency", "totalNetAmount", "totalGrossAmount") if k in total
    }
    return row


def get(call: Call) -> Response:
    """``GET /v1/recurring-templates/{id}``: the full template."""
    return json_response(200, with_dates(call.found(RESOURCE, call.args[0])))


def listing(call: Call) -> Response:
    """``GET /v1/recurring-templates?page=&size=&sort=``: trimmed rows, default updatedDate DESC."""
    query = call.query()
    prop, direction = sort_spec(query.get("sort", "updatedDate,DESC"), _SORTS)
    rows = [_row(with_dates(r)) for r in call.state.store(RESOURCE).values()]

    def key(row: dict[str, Any]) -> tuple[bool, str]:
        if prop in ("createdDate", "updatedDate"):
            value = row.get(prop)
        else:
            value = (row.get("recurringTemplateSettings") or {}).get(prop)
        return value is None, str(value or "")

    return page_of(rows, query, max_size=LARGE_MAX_SIZE, sort=(prop, direction), key=key)
