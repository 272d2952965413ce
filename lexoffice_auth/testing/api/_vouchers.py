"""``/v1/vouchers``: bookkeeping vouchers (legacy error shape).

POST/GET/PUT with versions; dates written as ``yyyy-MM-dd`` come back as timestamps;
the totals must equal the item sums; a PUT that leaves out a file id deletes that file.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from httpx import Response

from lexoffice_auth.testing._responses import berlin_midnight, format_datetime, json_response
from lexoffice_auth.testing._state import Record, SandboxState
from lexoffice_auth.testing.api._amounts import number
from lexoffice_auth.testing.api._call import Call, Problem, search_text
from lexoffice_auth.testing.api._files import forget_file, store_file, uploaded_part
from lexoffice_auth.testing.api._pages import LARGE_MAX_SIZE, page_of

__all__ = ["attach", "create", "get", "listing", "store_voucher", "update", "voucher_issues"]

RESOURCE = "vouchers"
TYPES = frozenset({"salesinvoice", "salescreditnote", "purchaseinvoice", "purchasecreditnote"})
_TAX_RATES = (0, 5, 7, 16, 19)
_DATES = ("voucherDate", "shippingDate", "dueDate")
_READ_ONLY = ("id", "organizationId", "createdDate", "updatedDate", "version")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _issue(key: str, source: str) -> dict[str, str]:
    return {"i18nKey": key, "field": source}


def _item_issues(items: object, out: list[dict[str, str]]) -> None:
    if not isinstance(items, list) or not items:
        out.append(_issue("missing_entity", "voucherItems"))
        return
    for i, item in enumerate(items):
        where = f"voucherItems[{i}]"
        if not isinstance(item, dict):
            out.append(_issue("invalid_value", where))
            continue
        for name in ("amount", "taxAmount"):
            if number(item.get(name)) is None:
                out.append(_issue("missing_entity", f"{where}.{name}"))
        if number(item.get("taxRatePercent")) not in [Decimal(r) for r in _TAX_RATES]:
            out.append(_issue("invalid_value", f"{where}.taxRatePercent"))
        if not isinstance(item.get("categoryId"), str) or not item["categoryId"]:
            out.append(_issue("missing_entity", f"{where}.categoryId"))


def _sum(items: list[dict[str, Any]], name: str) -> Decimal:
    return sum((number(i.get(name)) or Decimal(0) for i in items), Decimal(0))


def voucher_issues(
    body: Mapping[str, Any], state: SandboxState, *, voucher_id: str | None = None
) -> list[dict[str, str]]:
    """The legacy issues of a voucher body; empty when valid."""
    out: list[dict[str, str]] = []
    status = body.get("voucherStatus")
    unchecked = status == "unchecked"
    if body.get("type") not in TYPES:
        out.append(_issue("missing_entity", "type"))
    if body.get("taxType") not in ("net", "gross"):
        out.append(_issue("missing_entity", "taxType"))
    elif unchecked and body["taxType"] == "net":
        out.append(_issue("invalid_value", "taxType"))  # lexoffice refuses net + unchecked
    if status not in (None, "open", "unchecked"):
        out.append(_issue("invalid_value", "voucherStatus"))
    for name in _DATES:
        value = body.get(name)
        if value is not None and not (isinstance(value, str) and _DAY.match(value)):
            out.append(_issue("invalid_value", name))
    if not unchecked:
        if not isinstance(body.get("voucherNumber"), str) or not body["voucherNumber"]:
            out.append(_issue("missing_entity", "voucherNumber"))
        if body.get("voucherDate") is None:
            out.append(_issue("missing_entity", "voucherDate"))
        for name in ("totalGrossAmount", "totalTaxAmount"):
            if number(body.get(name)) is None:
                out.append(_issue("missing_entity", name))
        _item_issues(body.get("voucherItems"), out)
        if not out:
            _sum_issues(body, out)
    _contact_issues(body, state, out)
    _file_issues(body, state, voucher_id, out)
    return out


def _sum_issues(body: Mapping[str, Any], out: list[dict[str, str]]) -> None:
    items = body["voucherItems"]
    tax = _sum(items, "taxAmount")
    gross = _sum(items, "amount") + (tax if body["taxType"] == "net" else Decimal(0))
    if number(body["totalGrossAmount"]) != gross:
        out.append(_issue("invalid_value", "totalGrossAmount"))
    if number(body["totalTaxAmount"]) != tax:
        out.append(_issue("invalid_value", "totalTaxAmount"))


def _contact_issues(
    body: Mapping[str, Any], state: SandboxState, out: list[dict[str, str]]
) -> None:
    if body.get("useCollectiveContact") is True:
        return
    contact_id = body.get("contactId")
    if contact_id is None:
        if body.get("voucherStatus") != "unchecked":
            out.append(_issue("missing_entity", "contactId"))
        return
    if str(contact_id).lower() not in state.store("contacts"):
        out.append(_issue("missing_entity", "contactId"))


def _file_issues(
    body: Mapping[str, Any], state: SandboxState, voucher_id: str | None, out: list[dict[str, str]]
) -> None:
    files = body.get("files")
    if files is None:
        return
    if not isinstance(files, list):
        out.append(_issue("invalid_value", "files"))
        return
    for file_id in files:
        record = state.store("files").get(str(file_id).lower())
        owner = record.data.get("voucherId") if record else None
        if record is None or (
            owner is not None and owner != voucher_id and _has_other_owner(state, owner)
        ):
            out.append(_issue("invalid_value", "files"))


def _has_other_owner(state: SandboxState, owner: str) -> bool:
    voucher = state.store(RESOURCE).get(owner)
    return voucher is not None and voucher.data.get("voucherStatus") != "blank"


def _timestamp(day: str) -> str:
    """``yyyy-MM-dd`` as lexoffice reads it back: midnight German time."""
    return format_datetime(berlin_midnight(datetime.strptime(day, "%Y-%m-%d").date()))


def _data(
    body: Mapping[str, Any], voucher_id: str, state: SandboxState, version: int
) -> dict[str, Any]:
    data = {k: copy.deepcopy(v) for k, v in body.items() if k not in _READ_ONLY}
    for name in _DATES:
        if isinstance(data.get(name), str):
            data[name] = _timestamp(data[name])
    if "dueDate" not in data and "voucherDate" in data and body.get("voucherStatus") != "unchecked":
        data["dueDate"] = data["voucherDate"]
    data.update(
        id=voucher_id,
        organizationId=state.organization_id,
        voucherStatus=body.get("voucherStatus") or "open",
        files=[str(f).lower() for f in body.get("files") or []],
        version=version,
    )
    return data


def _claim_files(state: SandboxState, data: Mapping[str, Any]) -> None:
    for file_id in data["files"]:
        state.store("files")[file_id].data["voucherId"] = data["id"]


def store_voucher(state: SandboxState, body: Mapping[str, Any]) -> Record:
    """Store a valid voucher body (version 1) and announce it."""
    now = state.now()
    voucher_id = state.new_uuid()
    record = Record(_data(body, voucher_id, state, 1), now, now)
    state.store(RESOURCE)[voucher_id] = record
    _claim_files(state, record.data)
    state.emit("voucher.created", voucher_id)
    return record


def _refuse(issues: list[dict[str, str]]) -> None:
    if issues:
        raise Problem(406, "invalid voucher", issues)


def create(call: Call) -> Response:
    """``POST /v1/vouchers``: 201 + ``Location`` + action-result (version 1)."""
    body = call.json()
    _refuse(voucher_issues(body, call.state))
    return call.created(RESOURCE, store_voucher(call.state, body))


def get(call: Call) -> Response:
    """``GET /v1/vouchers/{id}``: dates as timestamps, ``files``, ``version``."""
    record = call.found(RESOURCE, call.args[0])
    body = {
        **record.data,
        "createdDate": format_datetime(record.created),
        "updatedDate": format_datetime(record.updated),
    }
    return json_response(200, body)


def update(call: Call) -> Response:
    """``PUT /v1/vouchers/{id}``: current ``version``; a file id left out is deleted."""
    state = call.state
    record = call.found(RESOURCE, call.args[0])
    body = call.json()
    voucher_id = record.data["id"]
    _refuse(voucher_issues(body, state, voucher_id=voucher_id))
    call.check_version(body, record)
    old = record.data.get("voucherStatus")
    new = body.get("voucherStatus") or "open"
    if new != old and not (old in ("unchecked", "blank") and new == "open"):
        _refuse([_issue("invalid_value", "voucherStatus")])
    data = _data(body, voucher_id, state, int(record.data["version"]) + 1)
    data["voucherStatus"] = new if new != old else old
    for file_id in record.data.get("files", []):
        if file_id not in data["files"]:
            forget_file(state, file_id)  # lexoffice deletes it for good (since 05.07.2023)
    record.data, record.updated = data, call.now
    _claim_files(state, data)
    state.emit("voucher.changed", voucher_id)
    if new != old:
        state.emit("voucher.status.changed", voucher_id)
    return call.updated(RESOURCE, record)


def attach(call: Call) -> Response:
    """``POST /v1/vouchers/{id}/files`` (part ``file``): 202 ``{id, voucherId}``."""
    state = call.state
    record = call.found(RESOURCE, call.args[0])
    part = uploaded_part(state, call.multipart())
    stored, new = store_file(state, part, record.data["id"])
    if new:
        record.data.setdefault("files", []).append(stored.data["id"])
        record.data["version"] = int(record.data.get("version", 0)) + 1
        record.updated = call.now
        state.emit("voucher.changed", record.data["id"])
    return json_response(202, {"id": stored.data["id"], "voucherId": record.data["id"]})


def listing(call: Call) -> Response:
    """The deprecated ``GET /v1/vouchers?voucherNumber=`` (paged, at most 250)."""
    query = call.query()
    wanted = search_text(query["voucherNumber"]) if "voucherNumber" in query else None
    rows = [
        r.data
        for r in call.state.store(RESOURCE).values()
        if wanted is None or r.data.get("voucherNumber") == wanted
    ]
    return page_of(rows, query, max_size=LARGE_MAX_SIZE, sort=("voucherDate", "DESC"))
