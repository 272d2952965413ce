"""Invoices (``/v1/invoices``): the sales voucher with a due date, XRechnung data and
closing-invoice fields (reference §3)."""

from __future__ import annotations

from pydantic import Field

from ._base import LexDateTime, LexofficeModel, Money
from ._contacts import XRechnung
from ._sales import (
    Due,
    Issued,
    Numbered,
    Priced,
    Shipped,
    ShippingConditions,
    VoucherAddress,
    WithDeliveryTerms,
    WithPaymentTerms,
)

__all__ = ["DownPaymentDeduction", "Invoice", "InvoiceAddress", "InvoiceFields"]

InvoiceAddress = VoucherAddress
"""The recipient of an invoice (the address model every sales voucher shares)."""


class DownPaymentDeduction(LexofficeModel):
    """A down payment deducted on a closing invoice (``voucher_type``:
    ``downpaymentinvoice``)."""

    id: str | None = None
    voucher_type: str | None = None
    title: str | None = None
    voucher_number: str | None = None
    voucher_date: LexDateTime | None = None
    received_gross_amount: Money | None = None
    received_net_amount: Money | None = None
    received_tax_amount: Money | None = None
    tax_rate_percentage: Money | None = None


class InvoiceFields(Priced, Numbered, Issued, Due, WithPaymentTerms, Shipped, WithDeliveryTerms):
    """The fields invoices and down-payment invoices share (status draft, open, paid or
    voided); ``shipping_conditions`` are sent (``none`` unless you set them)."""

    x_rechnung: XRechnung | None = None
    shipping_conditions: ShippingConditions = Field(default_factory=ShippingConditions)


class Invoice(InvoiceFields):
    """A lexoffice invoice.

    On create lexoffice needs ``voucher_date``, ``address``, ``line_items``,
    ``total_price.currency``, ``tax_conditions.tax_type`` and
    ``shipping_conditions.shipping_type``; ``due_date`` and everything lexoffice
    computes are read-only. A closing invoice (``closing_invoice`` true, made in the app)
    carries ``claimed_gross_amount`` and ``down_payment_deductions``; invoices made by a
    recurring template carry its ``recurring_template_id``.

    Example:
        >>> from datetime import datetime
        >>> from lexoffice_auth.api import LineItem, UnitPrice
        >>> inv = Invoice(
        ...     voucher_date=datetime(2025, 9, 1),
        ...     address=InvoiceAddress(name="Anna Schmidt", country_code="DE"),
        ...     line_items=[LineItem(
        ...         name="Wartung", quantity=1, unit_name="Stück",
        ...         unit_price=UnitPrice(net_amount="68.00", tax_rate_percentage=19))],
        ... )
        >>> inv.to_api()["lineItems"][0]["unitPrice"]["netAmount"]
        Decimal('68.00')
    """

    read_only = frozenset(
        {
            "closing_invoice",
            "claimed_gross_amount",
            "down_payment_deductions",
            "recurring_template_id",
        }
    )
    closing_invoice: bool | None = None
    claimed_gross_amount: Money | None = None
    down_payment_deductions: list[DownPaymentDeduction] | None = None
    recurring_template_id: str | None = None
