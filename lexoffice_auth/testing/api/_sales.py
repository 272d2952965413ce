"""Every sales-voucher resource, one implementation driven by ``._sales_kinds``.

``POST /v1/{kind}[?finalize=true][&precedingSalesVoucherId=]``, ``GET /v1/{kind}/{id}``,
``GET /v1/{kind}/{id}/file`` (the ``Accept`` matrix of §3b.20) and the deprecated
``GET /v1/{kind}/{id}/document``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from httpx import Response

from lexoffice_auth.testing._responses import format_datetime, json_response
from lexoffice_auth.testing._state import Record, SandboxState
from lexoffice_auth.testing.api._call import INVALID, Call, Problem, detail
from lexoffice_auth.testing.api._documents import (
    PDF,
    XML,
    accepted,
    pdf_as_json,
    pdf_document,
    xml_document,
)
from lexoffice_auth.testing.api._payments import open_amount, record_payment
from lexoffice_auth.testing.api._sales_body import build, gross_total, violations
from lexoffice_auth.testing.api._sales_kinds import KINDS, SalesKind

__all__ = [
    "check_chain",
    "create",
    "document",
    "file",
    "find_sales",
    "get",
    "store_sales",
    "with_dates",
]


def find_sales(state: SandboxState, voucher_id: str) -> tuple[SalesKind, Record] | None:
    """The kind and record of any sales voucher with this id."""
    for kind in KINDS:
        record = state.store(kind.resource).get(voucher_id.lower())
        if record is not None:
            return kind, record
    return None


def with_dates(record: Record) -> dict[str, Any]:
    """The stored JSON plus its ``createdDate``/``updatedDate``."""
    return {
        **record.data,
        "createdDate": format_datetime(record.created),
        "updatedDate": format_datetime(record.updated),
    }


def _reference(kind: SalesKind, record: Record) -> dict[str, Any]:
    return {
        "id": record.data["id"],
        "voucherNumber": record.data.get("voucherNumber"),
        "voucherType": kind.voucher_type,
    }


def _has_alternatives(data: Mapping[str, Any]) -> bool:
    return any(
        isinstance(i, dict) and (i.get("optional") or i.get("alternative") or i.get("subItems"))
        for i in data.get("lineItems", [])
    )


def _refuse(message: str) -> Problem:
    return Problem(406, message)


def check_chain(
    kind: SalesKind, source_kind: SalesKind, source: Record, body: Mapping[str, Any]
) -> None:
    """The pursue rules of §3b.1; a broken rule is a 406."""
    data = source.data
    status = data.get("voucherStatus")
    if source_kind.voucher_type not in kind.sources:
        raise _refuse(f"A {source_kind.voucher_type} cannot be pursued to a {kind.voucher_type}")
    if source_kind.voucher_type == "quotation" and _has_alternatives(data):
        raise _refuse("A quotation with optional or alternative items cannot be pursued")
    if status == "draft" and source_kind.voucher_type != "quotation":
        raise _refuse(f"A draft {source_kind.voucher_type} cannot be pursued")
    if kind.voucher_type == "creditnote":
        if data.get("closingInvoice"):
            raise _refuse("A closing invoice cannot get a credit note")
        if source.extra.get("credit_note"):
            raise _refuse("This invoice already has a credit note")
    if kind.voucher_type == "dunning":
        sent = body.get("address") or {}
        if str(sent.get("contactId")).lower() != str(data["address"].get("contactId")).lower():
            raise _refuse("The dunning's contact must be the invoice's")
        if (body.get("taxConditions") or {}).get("taxType") != data["taxConditions"]["taxType"]:
            raise _refuse("The dunning's taxConditions must be the invoice's")


def _preceding(
    call: Call, kind: SalesKind, body: Mapping[str, Any]
) -> tuple[SalesKind, Record] | None:
    source_id = call.query().get("precedingSalesVoucherId")
    if source_id is None:
        if kind.pursue_required:
            raise Problem(406, INVALID, [detail("precedingSalesVoucherId")])
        return None
    if not kind.sources:
        raise _refuse(f"A {kind.voucher_type} cannot be created from another voucher")
    found = find_sales(call.state, source_id)
    if found is None:
        raise _refuse("The preceding sales voucher does not exist")
    check_chain(kind, found[0], found[1], body)
    return found


def store_sales(
    state: SandboxState,
    kind: SalesKind,
    data: dict[str, Any],
    *,
    source: tuple[SalesKind, Record] | None = None,
) -> Record:
    """Store built sales-voucher JSON, link it to its predecessor, and announce it."""
    now = state.now()
    voucher_id = state.new_uuid()
    data["id"] = voucher_id
    record = Record(data, now, now)
    state.store(kind.resource)[voucher_id] = record
    if source is not None:
        source_kind, source_record = source
        data["relatedVouchers"].append(_reference(source_kind, source_record))
        source_record.data.setdefault("relatedVouchers", []).append(_reference(kind, record))
        source_record.updated = now
        if kind.voucher_type == "dunning":  # the name is copied from the invoice
            data["address"]["name"] = source_record.data["address"].get("name")
        if kind.voucher_type == "creditnote":
            _settle_with_credit_note(state, source_record, record)
    state.emit(f"{kind.event}.created", voucher_id)
    return record


def _settle_with_credit_note(state: SandboxState, invoice: Record, note: Record) -> None:
    """A finalised credit note for an invoice is ``paidoff`` and pays the invoice down."""
    invoice.extra["credit_note"] = note.data["id"]
    note.extra["linked_invoice"] = invoice.data["id"]
    if note.data["voucherStatus"] != "open":
        return
    note.data["voucherStatus"] = "paidoff"
    amount = min(gross_total(note.data), open_amount(invoice))
    if amount > Decimal(0):
        record_payment(
            state,
            invoice,
            "invoice",
            amount,
            item_type="partPaymentCreditNote",
            posting_date=note.data["voucherDate"],
        )


def create(kind: SalesKind) -> Callable[[Call], Response]:
    """The ``POST /v1/{kind}`` handler."""

    def handler(call: Call) -> Response:
        body = call.json()
        details = violations(kind, body, call.state)
        if details:
            raise Problem(406, INVALID, details)
        source = _preceding(call, kind, body)
        data = build(kind, body, call.state, finalize=call.flag("finalize"))
        return call.created(kind.resource, store_sales(call.state, kind, data, source=source))

    return handler


def get(kind: SalesKind) -> Callable[[Call], Response]:
    """The ``GET /v1/{kind}/{id}`` handler."""

    def handler(call: Call) -> Response:
        return json_response(200, with_dates(call.found(kind.resource, call.args[0])))

    return handler


def _name(record: Record) -> str:
    return str(record.data.get("voucherNumber") or record.data["id"])


def file(kind: SalesKind) -> Callable[[Call], Response]:
    """The ``GET /v1/{kind}/{id}/file`` handler: PDF, or XML for XRechnung (§3b.20)."""

    def handler(call: Call) -> Response:
        record = call.found(kind.resource, call.args[0])
        wanted = next((t for t in accepted(call.request) if t in ("*/*", PDF, XML)), None)
        if wanted is None:
            if "file_accept_json_base64" in call.state.quirks and "application/json" in accepted(
                call.request
            ):
                # agent-tool-lexware-office-cli 0.1.4 reports this live behaviour (§3d).
                return pdf_as_json(_name(record), f"Sandbox {kind.voucher_type} {_name(record)}")
            raise Problem(406, "Requested media type is not supported")
        xrechnung = record.data.get("electronicDocumentProfile") == "XRechnung"
        if wanted == XML and not kind.e_invoice:
            raise Problem(406, "This document is available as PDF only")
        if record.data.get("voucherStatus") == "draft" and not kind.draft_has_file:
            raise Problem(409, "A draft has no document yet")
        if wanted == XML and not xrechnung:
            raise Problem(404, "No XML document for this voucher")
        if wanted == XML or (wanted == "*/*" and kind.e_invoice and xrechnung):
            return xml_document(_name(record), _name(record))
        return pdf_document(_name(record), f"Sandbox {kind.voucher_type} {_name(record)}")

    return handler


def document(kind: SalesKind) -> Callable[[Call], Response]:
    """The deprecated ``GET /v1/{kind}/{id}/document``: ``{documentFileId}``; 406 for drafts."""

    def handler(call: Call) -> Response:
        record = call.found(kind.resource, call.args[0])
        if record.data.get("voucherStatus") == "draft" and not kind.draft_has_file:
            raise Problem(406, "A draft has no document")
        file_id = record.extra.get("document_file")
        if file_id is None:
            file_id = call.state.new_uuid()
            record.extra["document_file"] = file_id
            files = call.state.store("files")
            files[file_id] = Record(
                {"id": file_id, "voucherId": record.data["id"]},
                call.now,
                call.now,
                {"sales": kind.voucher_type},
            )
        return json_response(200, {"documentFileId": file_id})

    return handler
