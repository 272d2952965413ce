"""The sales-voucher document types besides invoices (reference §3b.1 "per-type differences").

Each is a ``SalesVoucher`` made of the parts it has (``Issued``, ``Priced``,
...): a field a type lacks is not declared on it (lexoffice would ignore or refuse it), and
an undeclared field lexoffice sends anyway is kept all the same.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from ._base import LexDateTime
from ._invoices import InvoiceFields
from ._sales import (
    Issued,
    LineItem,
    Numbered,
    Priced,
    Shipped,
    ShippingConditions,
    WithDeliveryTerms,
    WithPaymentTerms,
)

__all__ = [
    "CreditNote",
    "DeliveryNote",
    "DownPaymentInvoice",
    "Dunning",
    "OrderConfirmation",
    "Quotation",
    "QuotationLineItem",
    "QuotationSubItem",
]


class QuotationSubItem(LineItem):
    """An alternative to its quotation line: ``alternative`` must be true on a sub-item
    (and is, unless you change it); sub-items have no ``optional`` and no sub-items."""

    alternative: bool = True


class QuotationLineItem(LineItem):
    """A quotation line: ``optional`` (false by default) leaves it out of the totals;
    ``sub_items`` are its alternatives (``QuotationSubItem``).

    A quotation with an optional line or a sub-item cannot be pursued (lexoffice: 406).
    """

    optional: bool | None = None
    sub_items: list[QuotationSubItem] | None = None


class Quotation(Priced, Numbered, Issued, WithPaymentTerms):
    """A quotation: status draft, open, accepted or rejected (the last two set in the app).

    Required on create: ``voucher_date``, ``expiration_date``, ``address``, ``line_items``,
    ``total_price.currency``, ``tax_conditions.tax_type``. There are no shipping conditions;
    lines may be ``optional`` or have alternative ``sub_items``. Nothing is pursued *into*
    a quotation.

    Example:
        >>> from datetime import datetime
        >>> q = Quotation(
        ...     voucher_date=datetime(2025, 9, 15),
        ...     expiration_date=datetime(2025, 10, 15),
        ...     line_items=[
        ...         QuotationLineItem(name="Wartung 12 Monate", quantity=1,
        ...                           sub_items=[QuotationSubItem(name="Wartung 24 Monate")]),
        ...         QuotationLineItem(name="Abgasmessung", quantity=1, optional=True),
        ...     ],
        ... )
        >>> body = q.to_api()
        >>> body["expirationDate"], body["lineItems"][0]["subItems"][0]["alternative"]
        ('2025-10-15T00:00:00.000+02:00', True)
        >>> body["lineItems"][1]["optional"], "shippingConditions" in body
        (True, False)
    """

    required: ClassVar[tuple[str, ...]] = ("expiration_date",)
    expiration_date: LexDateTime | None = None
    line_items: list[QuotationLineItem] = Field(default_factory=list)  # type: ignore[assignment]


class OrderConfirmation(Priced, Numbered, Issued, WithPaymentTerms, Shipped, WithDeliveryTerms):
    """An order confirmation (draft or open): payment and shipping conditions, delivery
    terms, line discounts; ``electronic_document_profile`` is always ``NONE``.

    Required on create: ``voucher_date``, ``address``, ``line_items``,
    ``total_price.currency``, ``tax_conditions.tax_type``,
    ``shipping_conditions.shipping_type`` (``none`` unless you set it).
    """

    shipping_conditions: ShippingConditions = Field(default_factory=ShippingConditions)


class DeliveryNote(Numbered, Issued, Shipped, WithDeliveryTerms):
    """A delivery note (draft or open): no prices, totals, tax amounts, discounts or payment
    conditions; a line's ``unit_price`` may be left out. lexoffice prints the contact's
    shipping address.

    Required on create: ``voucher_date``, ``address``, ``line_items``,
    ``tax_conditions.tax_type``. lexoffice's tables disagree on ``shipping_conditions``
    (its samples leave them out), so they are sent only when given.
    """

    prices_required: ClassVar[bool] = False


class CreditNote(Priced, Numbered, Issued):
    """A credit note (draft, open, paidoff, voided): no due date, payment or shipping
    conditions, delivery terms or line discounts.

    Required on create: ``voucher_date``, ``address``, ``line_items``,
    ``total_price.currency``, ``tax_conditions.tax_type``. The PDF does not print the
    invoice a credit note follows: lexoffice suggests naming it in ``introduction``.
    """


class DownPaymentInvoice(InvoiceFields):
    """A down-payment invoice (read-only in the API: lexoffice's app creates them): the
    invoice's fields, exactly one line item, and ``closing_invoice_id``, the closing
    invoice it is deducted on (``None`` until then)."""

    read_only = frozenset({"closing_invoice_id"})
    closing_invoice_id: str | None = None


class Dunning(Priced, Issued, Shipped):
    """A dunning: always a draft; no voucher number, due date or payment conditions.

    Its ``address.contact_id`` (or one-time address) and ``tax_conditions`` must equal
    those of the invoice it follows; lexoffice copies ``address.name`` from it. Required:
    as for invoices (``shipping_conditions`` included).
    """

    shipping_conditions: ShippingConditions = Field(default_factory=ShippingConditions)
