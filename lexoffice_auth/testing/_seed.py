"""Seeding: put resources into a sandbox without API calls (no rate limit, no request log).

Each function checks its body as the matching ``POST`` would and raises
``ConfigurationError`` for a bad one; ``FakeLexoffice.add_*`` are thin wrappers.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from lexoffice_auth.errors import ConfigurationError

from ._responses import format_datetime, parse_datetime
from ._state import Record, SandboxState
from .api._amounts import number
from .api._articles import article_violations, store_article
from .api._call import Part, Problem
from .api._contacts import contact_issues, store_contact
from .api._files import store_file, uploaded_part
from .api._payments import PAYMENT_ITEM_TYPES, find_payable, record_payment
from .api._sales import check_chain, find_sales, store_sales
from .api._sales_body import build, violations
from .api._sales_kinds import KINDS, SalesKind
from .api._vouchers import store_voucher, voucher_issues

__all__ = [
    "as_json",
    "seed_article",
    "seed_contact",
    "seed_file",
    "seed_payment",
    "seed_recurring_template",
    "seed_sales",
    "seed_voucher",
    "sales_kind",
]


def as_json(value: Any) -> dict[str, Any]:
    """A JSON object from a mapping or a model with ``to_json()`` (``lexoffice_auth.api``),
    as the API would receive it (amounts as JSON numbers, whatever type they had)."""
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        data = json.loads(to_json())
    elif isinstance(value, Mapping):
        data = json.loads(json.dumps(value, default=_json_number))
    else:
        raise ConfigurationError("expected a JSON object or a lexoffice_auth.api model")
    if not isinstance(data, dict):
        raise ConfigurationError("expected a JSON object or a lexoffice_auth.api model")
    return data


def _json_number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def sales_kind(resource: str) -> SalesKind:
    """The sales kind stored under ``resource`` (``"invoices"``, ...)."""
    return next(k for k in KINDS if k.resource == resource)


def _when(value: datetime | str | None) -> str:
    if isinstance(value, str):
        return value
    moment = value if value is not None else datetime.now(timezone.utc)
    return format_datetime(moment.timestamp())


def default_sales_body(
    kind: SalesKind,
    *,
    contact_id: str | None,
    voucher_date: datetime | str | None,
    net_amount: float | Decimal,
) -> dict[str, Any]:
    """A one-line net body of ``net_amount`` EUR at 19 % for ``kind``."""
    when = _when(voucher_date)
    address: dict[str, Any] = (
        {"contactId": contact_id} if contact_id else {"name": "Sandbox Kunde", "countryCode": "DE"}
    )
    body: dict[str, Any] = {
        "voucherDate": when,
        "address": address,
        "lineItems": [
            {
                "type": "custom",
                "name": "Sandbox item",
                "quantity": 1,
                "unitName": "Stück",
                "unitPrice": {
                    "currency": "EUR",
                    "netAmount": float(net_amount),
                    "taxRatePercentage": 19,
                },
            }
        ],
        "totalPrice": {"currency": "EUR"},
        "taxConditions": {"taxType": "net"},
    }
    if kind.shipping == "required":
        body["shippingConditions"] = {"shippingType": "none"}
    if kind.voucher_type == "quotation":
        start = parse_datetime(when)
        expiry = (start or datetime.now(timezone.utc)) + timedelta(days=30)
        body["expirationDate"] = format_datetime(expiry.timestamp())
    return body


def seed_contact(state: SandboxState, body: Mapping[str, Any]) -> str:
    """Store a contact after the ``POST /v1/contacts`` checks; returns its id."""
    issues = contact_issues(body, update=False)
    if issues:
        found = [{"i18nKey": i["i18nKey"], "source": i["field"]} for i in issues]
        raise ConfigurationError(f"not a valid contact: {found}")
    return store_contact(state, body)


def seed_article(state: SandboxState, body: Mapping[str, Any]) -> str:
    """Store an article after the ``POST /v1/articles`` checks; returns its id."""
    details = article_violations(body)
    if details:
        raise ConfigurationError(f"not a valid article: {details}")
    return str(store_article(state, body).data["id"])


def seed_sales(
    state: SandboxState,
    kind: SalesKind,
    body: Mapping[str, Any],
    *,
    status: str | None,
    preceding_id: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """Store a sales voucher after the create checks; ``status`` overrides the stored one.

    ``extra`` sets read-only fields the API never takes (``electronicDocumentProfile``,
    ``closingInvoiceId``, ...), for the kinds and states only lexoffice's app makes.
    """
    details = violations(kind, body, state)
    if details:
        raise ConfigurationError(f"not a valid {kind.voucher_type}: {details}")
    source = None
    if preceding_id is not None:
        source = find_sales(state, preceding_id)
        if source is None:
            raise ConfigurationError(f"no sales voucher {preceding_id} in the sandbox")
        try:
            check_chain(kind, source[0], source[1], body)
        except Problem as problem:
            raise ConfigurationError(problem.message) from None
    elif kind.pursue_required:
        raise ConfigurationError(f"a {kind.voucher_type} needs the id of its invoice")
    final = status not in (None, "draft")
    data = build(kind, body, state, finalize=final)
    data.update(extra or {})
    if status is not None and not kind.always_draft:
        data["voucherStatus"] = status
    return str(store_sales(state, kind, data, source=source).data["id"])


def seed_voucher(state: SandboxState, body: Mapping[str, Any]) -> str:
    """Store a bookkeeping voucher after the ``POST /v1/vouchers`` checks; returns its id."""
    issues = voucher_issues(body, state)
    if issues:
        found = [{"i18nKey": i["i18nKey"], "source": i["field"]} for i in issues]
        raise ConfigurationError(f"not a valid voucher: {found}")
    return str(store_voucher(state, body).data["id"])


def seed_file(state: SandboxState, content: bytes, filename: str, voucher_id: str | None) -> str:
    """Store an uploaded file (the upload checks and dedupe apply); returns its id."""
    if voucher_id is not None and voucher_id.lower() not in state.store("vouchers"):
        raise ConfigurationError(f"no voucher {voucher_id} in the sandbox")
    part = Part("file", filename, "application/octet-stream", content)
    try:
        checked = uploaded_part(state, {"file": part})
    except Problem as problem:
        raise ConfigurationError(f"not an acceptable file: {problem.message}") from None
    record, new = store_file(state, checked, voucher_id.lower() if voucher_id else None)
    if new and voucher_id is not None:
        voucher = state.store("vouchers")[voucher_id.lower()]
        voucher.data.setdefault("files", []).append(record.data["id"])
    return str(record.data["id"])


def seed_recurring_template(state: SandboxState, body: Mapping[str, Any]) -> str:
    """Store a recurring template as given (a read-only resource); returns its id."""
    now = state.now()
    template_id = str(body.get("id") or state.new_uuid()).lower()
    data = copy.deepcopy(dict(body))
    data.update(id=template_id, organizationId=state.organization_id)
    settings = data.setdefault("recurringTemplateSettings", {})
    settings.setdefault("id", state.new_uuid())
    settings.setdefault("executionStatus", "ACTIVE")
    state.store("recurring-templates")[template_id] = Record(data, now, now)
    state.emit("recurring-template.created", template_id)
    return template_id


def seed_payment(
    state: SandboxState,
    voucher_id: str,
    amount: float | Decimal,
    *,
    item_type: str,
    posting_date: datetime | str | None,
) -> None:
    """Record a payment item on an invoice, down-payment invoice, credit note or voucher."""
    found = find_payable(state, voucher_id)
    if found is None:
        raise ConfigurationError(f"no payable voucher {voucher_id} in the sandbox")
    if item_type not in PAYMENT_ITEM_TYPES:
        raise ConfigurationError(f"unknown paymentItemType {item_type!r}")
    value = number(amount)
    if value is None or value <= 0:
        raise ConfigurationError("a payment amount must be a positive number")
    record, voucher_type = found
    record_payment(
        state, record, voucher_type, value, item_type=item_type, posting_date=_when(posting_date)
    )


def default_template(
    *,
    contact_id: str | None,
    next_execution_date: str,
    execution_interval: str,
    net_amount: float | Decimal,
) -> dict[str, Any]:
    """A quarterly-style template like reference §3c's, for ``contact_id``."""
    net = Decimal(str(net_amount))
    gross = (net * Decimal("1.19")).quantize(Decimal("0.01"))
    return {
        "title": "Rechnung",
        "language": "de",
        "archived": False,
        "address": {"contactId": contact_id} if contact_id else {"name": "Sandbox Kunde"},
        "lineItems": [
            {
                "type": "custom",
                "name": "Wartung",
                "quantity": 1,
                "unitName": "Pauschale",
                "unitPrice": {"currency": "EUR", "netAmount": float(net), "taxRatePercentage": 19},
                "lineItemAmount": float(net),
            }
        ],
        "totalPrice": {
            "currency": "EUR",
            "totalNetAmount": float(net),
            "totalGrossAmount": float(gross),
            "totalTaxAmount": float(gross - net),
        },
        "taxConditions": {"taxType": "net"},
        "paymentConditions": {
            "paymentTermLabel": "Zahlbar in 14 Tagen, rein netto",
            "paymentTermLabelTemplate": "Zahlbar in {paymentRange} Tagen, rein netto",
            "paymentTermDuration": 14,
        },
        "recurringTemplateSettings": {
            "startDate": "2026-01-01",
            "endDate": None,
            "finalize": True,
            "shippingType": "serviceperiod",
            "retroactiveInvoice": False,
            "executionInterval": execution_interval,
            "nextExecutionDate": next_execution_date,
            "lastExecutionFailed": False,
            "executionStatus": "ACTIVE",
        },
    }


def default_dunning_body(
    state: SandboxState, invoice_id: str, voucher_date: datetime | str | None
) -> dict[str, Any]:
    """A dunning with the contact, tax conditions and lines of its (down-payment) invoice."""
    found = state.store("invoices").get(invoice_id.lower()) or state.store(
        "down-payment-invoices"
    ).get(invoice_id.lower())
    if found is None:
        raise ConfigurationError(f"no invoice {invoice_id} in the sandbox")
    source = found.data
    address = source["address"]
    return {
        "voucherDate": _when(voucher_date),
        "address": {"contactId": address["contactId"]}
        if address.get("contactId")
        else {k: address[k] for k in ("name", "countryCode") if k in address},
        "lineItems": source["lineItems"],
        "totalPrice": {"currency": "EUR"},
        "taxConditions": source["taxConditions"],
        "shippingConditions": source.get("shippingConditions") or {"shippingType": "none"},
    }


def default_voucher_body(
    *,
    voucher_type: str,
    status: str,
    voucher_number: str,
    voucher_date: str,
    gross_amount: float | Decimal,
    tax_rate: int,
    contact_id: str | None,
) -> dict[str, Any]:
    """A one-item gross bookkeeping voucher (collective contact unless ``contact_id``)."""
    gross = Decimal(str(gross_amount))
    tax = (gross * tax_rate / (100 + tax_rate)).quantize(Decimal("0.01"))
    return {
        "type": voucher_type,
        "voucherStatus": status if status in ("open", "unchecked") else "open",
        "voucherNumber": voucher_number,
        "voucherDate": voucher_date,
        "totalGrossAmount": float(gross),
        "totalTaxAmount": float(tax),
        "taxType": "gross",
        "voucherItems": [
            {
                "amount": float(gross),
                "taxAmount": float(tax),
                "taxRatePercent": tax_rate,
                "categoryId": "8f8664a8-fd86-11e1-a21f-0800200c9a66",
            }
        ],
        **({"contactId": contact_id} if contact_id else {"useCollectiveContact": True}),
    }
