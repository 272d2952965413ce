"""``GET /v1/voucherlist``: every sales-voucher kind and bookkeeping voucher, filtered, paged."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from httpx import Response

from lexoffice_auth import rules
from lexoffice_auth.testing._responses import format_datetime, parse_datetime
from lexoffice_auth.testing._state import Record, SandboxState
from lexoffice_auth.testing.api._amounts import money, number
from lexoffice_auth.testing.api._call import Call, Problem, search_text
from lexoffice_auth.testing.api._contacts import contact_name
from lexoffice_auth.testing.api._pages import LARGE_MAX_SIZE, boolean, page_of, sort_spec
from lexoffice_auth.testing.api._payments import open_amount
from lexoffice_auth.testing.api._sales_body import gross_total
from lexoffice_auth.testing.api._sales_kinds import KINDS, SalesKind

__all__ = ["VOUCHER_STATUSES", "VOUCHER_TYPES", "listing"]

VOUCHER_TYPES = frozenset(rules.VOUCHER_TYPES)
VOUCHER_STATUSES = frozenset(rules.VOUCHER_STATUSES)
_SORTS = ("voucherDate", "voucherNumber", "createdDate", "updatedDate")
_PAYABLE = frozenset({"invoice", "downpaymentinvoice", "creditnote"})
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _choices(query: Mapping[str, str], name: str, allowed: frozenset[str]) -> frozenset[str]:
    raw = query.get(name)
    if not raw:
        raise Problem(400, f"{name} is required")
    values = frozenset(v.strip() for v in raw.split(",") if v.strip())
    if values == {"any"}:
        return allowed
    if "overdue" in values and len(values) > 1:
        raise Problem(400, f"{name} overdue cannot be combined with other values")
    unknown = values - allowed
    if unknown:
        raise Problem(400, f"unknown {name}: {sorted(unknown)[0]}")
    return values


def _contact_name(state: SandboxState, contact_id: object, fallback: object) -> Any:
    contact = state.store("contacts").get(str(contact_id).lower()) if contact_id else None
    return contact_name(contact.data) if contact else fallback


def _row(
    state: SandboxState, record: Record, voucher_type: str, total: Any, open_: Any, name: Any
) -> dict[str, Any]:
    data = record.data
    status = data.get("voucherStatus")
    due = parse_datetime(data.get("dueDate"))
    if status in ("open", "sepadebit") and due is not None and due.timestamp() < state.now():
        status = "overdue"  # transient: lexoffice reports it past the due date
    contact_id = (data.get("address") or {}).get("contactId", data.get("contactId"))
    return {
        "id": data["id"],
        "voucherType": voucher_type,
        "voucherStatus": status,
        "voucherNumber": data.get("voucherNumber"),
        "voucherDate": data.get("voucherDate"),
        "createdDate": format_datetime(record.created),
        "updatedDate": format_datetime(record.updated),
        "dueDate": data.get("dueDate"),
        "contactId": contact_id,
        "contactName": _contact_name(state, contact_id, name),
        "totalAmount": total,
        "openAmount": open_,
        "currency": "EUR",
        "archived": data.get("archived", False),
    }


Amounts = Callable[[], tuple[Any, Any]]


def _rows(state: SandboxState) -> Iterator[tuple[dict[str, Any], Amounts]]:
    """Every listable row, with a function computing its ``(totalAmount, openAmount)``.

    The amounts cost most (Decimal sums over the line items and payments) and are neither
    filtered nor sorted on, so only the rows of the page asked for compute them: a walk
    over 10,000 vouchers would otherwise recompute all of them for every page.
    """
    for kind in KINDS:
        if kind.voucher_type == "dunning":
            continue  # dunnings are no voucherlist type (§3b.7)
        for record in state.store(kind.resource).values():
            name = (record.data.get("address") or {}).get("name")
            row = _row(state, record, kind.voucher_type, None, None, name)
            yield row, functools.partial(_sales_amounts, record, kind)
    for record in state.store("vouchers").values():
        if record.data.get("type") not in VOUCHER_TYPES:
            continue  # a blank upload has no type yet
        name = record.data.get("contactName")
        row = _row(state, record, str(record.data["type"]), None, None, name)
        yield row, functools.partial(_voucher_amounts, record)


def _sales_amounts(record: Record, kind: SalesKind) -> tuple[Any, Any]:
    draft = record.data.get("voucherStatus") == "draft"
    total = money(gross_total(record.data)) if kind.priced else None
    payable = kind.voucher_type in _PAYABLE and not draft
    return total, money(open_amount(record)) if payable else None


def _voucher_amounts(record: Record) -> tuple[Any, Any]:
    total_value = number(record.data.get("totalGrossAmount"))
    total = money(total_value) if total_value is not None else None
    return total, money(open_amount(record))


def _matches(
    row: Mapping[str, Any],
    query: Mapping[str, str],
    types: frozenset[str],
    statuses: frozenset[str],
) -> bool:
    status = row["voucherStatus"]
    if row["voucherType"] not in types:
        return False
    if status not in statuses and not (status == "overdue" and statuses & {"open", "sepadebit"}):
        return False
    if "contactId" in query and str(row["contactId"]).lower() != query["contactId"].lower():
        return False
    if "voucherNumber" in query and row["voucherNumber"] != search_text(query["voucherNumber"]):
        return False
    archived = boolean(query, "archived")
    if archived is not None and row["archived"] != archived:
        return False
    for prefix in ("voucherDate", "createdDate", "updatedDate"):
        day = str(row.get(prefix) or "")[:10]  # the German calendar day of the timestamp
        if f"{prefix}From" in query and day < query[f"{prefix}From"]:
            return False
        if f"{prefix}To" in query and day > query[f"{prefix}To"]:
            return False
    return True


def listing(call: Call) -> Response:
    """``GET /v1/voucherlist``: required type and status, filters, sort, at most 250 a page."""
    query = call.query()
    types = _choices(query, "voucherType", VOUCHER_TYPES)
    statuses = _choices(query, "voucherStatus", VOUCHER_STATUSES)
    for prefix in ("voucherDate", "createdDate", "updatedDate"):
        for name in (f"{prefix}From", f"{prefix}To"):
            if name in query and not _DAY.match(query[name]):
                raise Problem(400, f"date {query[name]!r} must be yyyy-MM-dd")
    prop, direction = sort_spec(query.get("sort", "voucherDate,DESC"), _SORTS)
    boolean(query, "archived")  # checked even when nothing would match
    amounts: dict[int, Amounts] = {}
    rows = []
    for row, compute in _rows(call.state):
        if _matches(row, query, types, statuses):
            rows.append(row)
            amounts[id(row)] = compute

    def finish(row: dict[str, Any]) -> dict[str, Any]:
        total, left = amounts[id(row)]()
        return {**row, "totalAmount": total, "openAmount": left}

    return page_of(
        rows,
        query,
        max_size=LARGE_MAX_SIZE,
        sort=(prop, direction),
        echo=prop.lower(),
        finish=finish,
    )
