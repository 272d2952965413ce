"""The sales-voucher document types besides invoices (reference §3b.1 "per-type differences").

Each is a :class:`SalesVoucher` with its own extra or missing fields; unknown fields are
kept either way.
"""

from __future__ import annotations

from pydantic import Field

from ._base import LexDateTime
from ._sales import (
    SALES_READ_ONLY,
    LineItem,
    SalesVoucher,
    ShippingConditions,
    TotalPrice,
)

__all__ = [
    "CreditNote",
    "DeliveryNote",
    "DownPaymentInvoice",
    "Dunning",
    "OrderConfirmation",
    "Quotation",
    "QuotationLineItem",
]


class QuotationLineItem(LineItem):
    """A quotation line: may be ``optional`` (top level only), or an ``alternative``
    (sub-items only, where it must be true); ``sub_items`` holds the alternatives."""

    optional: bool | None = None
    alternative: bool | None = None
    sub_items: list[QuotationLineItem] | None = None


class Quotation(SalesVoucher):
    """A quotation (status draft, open, accepted or rejected; the last two are set in the app).

    ``expiration_date`` is required on create; there are no shipping conditions. A
    quotation with optional or alternative lines cannot be pursued (406).
    """

    expiration_date: LexDateTime | None = None
    line_items: list[QuotationLineItem] = Field(default_factory=list)  # type: ignore[assignment]


class OrderConfirmation(SalesVoucher):
    """An order confirmation (draft or open): shipping conditions and ``delivery_terms``."""

    shipping_conditions: ShippingConditions = Field(default_factory=ShippingConditions)
    delivery_terms: str | None = None


class DeliveryNote(SalesVoucher):
    """A delivery note (draft or open): no prices or totals are needed; ``delivery_terms``.

    ``unit_price`` of a line is optional here, and lexoffice computes no totals.
    """

    total_price: TotalPrice | None = None
    delivery_terms: str | None = None


class CreditNote(SalesVoucher):
    """A credit note (draft, open, paidoff, voided): no due date, payment or shipping
    conditions, delivery terms or line discounts."""


class DownPaymentInvoice(SalesVoucher):
    """A down-payment invoice (read-only in the API): exactly one line item, a due date,
    and the closing invoice it is deducted on, if any."""

    read_only = SALES_READ_ONLY | {"due_date", "closing_invoice_id"}
    due_date: LexDateTime | None = None
    closing_invoice_id: str | None = None
    shipping_conditions: ShippingConditions | None = None


class Dunning(SalesVoucher):
    """A dunning: always a draft, no voucher number, due date or payment conditions.

    Its address contact and tax conditions must equal those of the invoice it follows.
    """

    shipping_conditions: ShippingConditions = Field(default_factory=ShippingConditions)
