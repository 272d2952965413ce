"""Sales-voucher bodies: the create checks (406 details) and the stored JSON they become."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from lexoffice_auth.testing._responses import parse_datetime
from lexoffice_auth.testing._state import SandboxState
from lexoffice_auth.testing.api._amounts import number, priced_lines, totals
from lexoffice_auth.testing.api._call import detail
from lexoffice_auth.testing.api._contacts import contact_name
from lexoffice_auth.testing.api._sales_kinds import SalesKind

__all__ = ["READ_ONLY", "build", "violations"]

TAX_TYPES = frozenset(
    {
        "net",
        "gross",
        "vatfree",
        "intraCommunitySupply",
        "constructionService13b",
        "externalService13b",
        "thirdPartyCountryService",
        "thirdPartyCountryDelivery",
        "photovoltaicEquipment",
    }
)
SHIPPING_TYPES = frozenset({"service", "serviceperiod", "delivery", "deliveryperiod", "none"})
LINE_TYPES = frozenset({"service", "material", "custom", "text"})
READ_ONLY = (
    "id",
    "organizationId",
    "createdDate",
    "updatedDate",
    "version",
    "archived",
    "voucherNumber",
    "voucherStatus",
    "electronicDocumentProfile",
    "relatedVouchers",
    "taxAmounts",
    "dueDate",
    "files",
    "closingInvoiceId",
    "claimedGrossAmount",
    "downPaymentDeductions",
)
"""Read-only fields: lexoffice ignores them when sent back (§3b.0), and so does the sandbox."""
_TEXT_LIMITS = (("title", 25), ("introduction", 2000), ("remark", 2000), ("deliveryTerms", 255))
_DATETIMES = ("voucherDate", "expirationDate")


def _strict_datetime(
    out: list[dict[str, str]], body: Mapping[str, Any], name: str, where: str
) -> None:
    if name in body and body[name] is not None and parse_datetime(body[name]) is None:
        out.append(detail(where, "PATTERN", "Format yyyy-MM-ddTHH:mm:ss.SSSXXX erwartet"))


def _address(out: list[dict[str, str]], address: object, state: SandboxState) -> None:
    if not isinstance(address, dict):
        out.append(detail("address"))
        return
    if address.get("contactId") is not None:
        contact = state.store("contacts").get(str(address["contactId"]).lower())
        if contact is None or "customer" not in contact.data.get("roles", {}):
            out.append(detail("address.contactId", "INVALID", "kein Kunde mit dieser id"))
        return
    for key in ("name", "countryCode"):
        if not isinstance(address.get(key), str) or not address[key].strip():
            out.append(detail(f"address.{key}"))


def _line(out: list[dict[str, str]], where: str, item: object, kind: SalesKind, key: str) -> None:
    if not isinstance(item, dict) or item.get("type") not in LINE_TYPES:
        out.append(detail(f"{where}.type"))
        return
    for name, limit in (("name", 255), ("description", 2000)):
        if len(str(item.get(name) or "")) > limit:
            out.append(detail(f"{where}.{name}", "SIZE", f"höchstens {limit} Zeichen"))
    has_name = isinstance(item.get("name"), str) and bool(item["name"].strip())
    if item["type"] == "text":
        if not has_name and not item.get("description"):
            out.append(detail(f"{where}.name"))
        return
    if not has_name:
        out.append(detail(f"{where}.name"))
    if item["type"] in ("service", "material") and not item.get("id"):
        out.append(detail(f"{where}.id"))
    if number(item.get("quantity")) is None:
        out.append(detail(f"{where}.quantity"))
    if not isinstance(item.get("unitName"), str) or not item["unitName"].strip():
        out.append(detail(f"{where}.unitName"))
    price = item.get("unitPrice")
    if price is None and not kind.priced:
        return  # delivery notes: the unit price is optional
    if not isinstance(price, dict) or price.get("currency") != "EUR":
        out.append(detail(f"{where}.unitPrice.currency"))
    elif number(price.get(key)) is None:
        out.append(detail(f"{where}.unitPrice.{key}"))
    elif number(price.get("taxRatePercentage")) is None:
        out.append(detail(f"{where}.unitPrice.taxRatePercentage"))


def _shipping(out: list[dict[str, str]], shipping: object, kind: SalesKind) -> None:
    if shipping is None and kind.shipping != "required":
        return
    ship_type = shipping.get("shippingType") if isinstance(shipping, dict) else None
    if not isinstance(shipping, dict) or ship_type not in SHIPPING_TYPES:
        out.append(detail("shippingConditions.shippingType"))
        return
    for name in ("shippingDate", "shippingEndDate"):
        _strict_datetime(out, shipping, name, f"shippingConditions.{name}")
    if ship_type != "none" and shipping.get("shippingDate") is None:
        out.append(detail("shippingConditions.shippingDate"))
    if ship_type in ("serviceperiod", "deliveryperiod"):
        start = parse_datetime(shipping.get("shippingDate"))
        end = parse_datetime(shipping.get("shippingEndDate"))
        if end is None:
            out.append(detail("shippingConditions.shippingEndDate"))
        elif start is not None and end < start:
            out.append(detail("shippingConditions.shippingEndDate", "INVALID", "vor shippingDate"))


def violations(
    kind: SalesKind, body: Mapping[str, Any], state: SandboxState
) -> list[dict[str, str]]:
    """The regular-shape details of a create body of ``kind``; empty when valid."""
    out: list[dict[str, str]] = []
    if body.get("voucherDate") is None:
        out.append(detail("voucherDate"))
    if kind.voucher_type == "quotation" and body.get("expirationDate") is None:
        out.append(detail("expirationDate"))
    for name in _DATETIMES:
        _strict_datetime(out, body, name, name)
    _address(out, body.get("address"), state)
    tax = body.get("taxConditions")
    tax_type = tax.get("taxType") if isinstance(tax, dict) else None
    if tax_type not in TAX_TYPES:
        out.append(detail("taxConditions.taxType"))
    if kind.priced:
        total = body.get("totalPrice")
        if not isinstance(total, dict) or total.get("currency") != "EUR":
            out.append(detail("totalPrice.currency"))
    if kind.shipping != "none":
        _shipping(out, body.get("shippingConditions"), kind)
    items = body.get("lineItems")
    if not isinstance(items, list) or not items:
        out.append(detail("lineItems"))
    elif len(items) > 300:
        out.append(detail("lineItems", "SIZE", "höchstens 300 Positionen"))
    else:
        key = "grossAmount" if tax_type == "gross" else "netAmount"
        for i, item in enumerate(items):
            _line(out, f"lineItems[{i}]", item, kind, key)
    for name, limit in _TEXT_LIMITS:
        if len(str(body.get(name) or "")) > limit:
            out.append(detail(name, "SIZE", f"höchstens {limit} Zeichen"))
    return out


def _full_address(
    address: Mapping[str, Any], kind: SalesKind, state: SandboxState
) -> dict[str, Any]:
    """A referenced contact's name and address, overridden by the fields sent."""
    out = dict(address)
    contact_id = address.get("contactId")
    if contact_id is None:
        return out
    contact = state.store("contacts")[str(contact_id).lower()].data
    addresses = contact.get("addresses") or {}
    order = ("shipping", "billing") if kind.voucher_type == "deliverynote" else ("billing",)
    chosen: dict[str, Any] = next((addresses[k][0] for k in order if addresses.get(k)), {})
    merged = {"contactId": contact_id, "name": contact_name(contact), **chosen}
    return {**merged, **out}


def build(
    kind: SalesKind, body: Mapping[str, Any], state: SandboxState, *, finalize: bool
) -> dict[str, Any]:
    """The stored JSON of a valid create body (amounts computed, read-only fields set)."""
    data = {k: copy.deepcopy(v) for k, v in body.items() if k not in READ_ONLY}
    final = finalize and not kind.always_draft
    data.update(
        organizationId=state.organization_id,
        version=1,
        language=body.get("language", "de"),
        archived=False,
        voucherStatus="open" if final else "draft",
        electronicDocumentProfile=_profile(kind, body, state),
        relatedVouchers=[],
        address=_full_address(body["address"], kind, state),
    )
    gross_mode = body["taxConditions"]["taxType"] == "gross"
    if kind.priced:
        lines, by_rate = priced_lines(
            body["lineItems"], gross_mode=gross_mode, discounts=kind.discounts
        )
        sent_total = body.get("totalPrice") or {}
        percentage = number(sent_total.get("totalDiscountPercentage"))
        total, taxes = totals(by_rate, gross_mode=gross_mode, discount_percentage=percentage)
        data.update(
            lineItems=lines,
            taxAmounts=taxes,
            totalPrice={
                "currency": "EUR",
                **total,
                **(
                    {"totalDiscountPercentage": sent_total["totalDiscountPercentage"]}
                    if percentage
                    else {}
                ),
            },
        )
    else:
        data["lineItems"] = [
            {k: v for k, v in item.items() if k != "lineItemAmount"} for item in body["lineItems"]
        ]
        data.pop("totalPrice", None)
    terms = data.get("paymentConditions")
    if isinstance(terms, dict) and "paymentTermLabel" in terms:
        terms.setdefault("paymentTermLabelTemplate", terms["paymentTermLabel"])
    if final and kind.prefix:
        data["voucherNumber"] = state.next_number(kind.prefix)
    duration = terms.get("paymentTermDuration") if isinstance(terms, dict) else None
    voucher_date = parse_datetime(body["voucherDate"])
    if kind.due_date and isinstance(duration, int) and voucher_date is not None:
        data["dueDate"] = (voucher_date + timedelta(days=duration)).isoformat(
            timespec="milliseconds"
        )
    return data


def _profile(kind: SalesKind, body: Mapping[str, Any], state: SandboxState) -> str:
    """``XRechnung`` for a net e-invoice kind to a contact with a buyer reference, else NONE.

    The e-invoice kinds are those whose ``/file`` may answer XML (§3b.20): invoices, and, as
    that matrix lists them, credit notes and down-payment invoices.
    ``xRechnung.buyerReference: ""`` forces a standard document for an XRechnung contact.
    """
    if not kind.e_invoice or body["taxConditions"].get("taxType") != "net":
        return "NONE"
    sent = body.get("xRechnung")
    if isinstance(sent, dict) and "buyerReference" in sent:
        return "XRechnung" if sent["buyerReference"] else "NONE"
    contact_id = body["address"].get("contactId")
    if contact_id is None:
        return "NONE"
    contact = state.store("contacts")[str(contact_id).lower()].data
    reference = (contact.get("xRechnung") or {}).get("buyerReference")
    return "XRechnung" if reference else "NONE"


def gross_total(data: Mapping[str, Any]) -> Decimal:
    """A stored voucher's gross total (0 when it has none)."""
    return number((data.get("totalPrice") or {}).get("totalGrossAmount")) or Decimal(0)
