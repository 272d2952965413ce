"""What every sales voucher shares (invoices, quotations, credit notes, order confirmations,
delivery notes, down-payment invoices, dunnings, recurring templates): address, line items,
prices, totals, tax / payment / shipping conditions, related vouchers (reference §3b.1).
"""

from __future__ import annotations

from pydantic import Field

from ._base import LexDateTime, LexofficeModel, Money

__all__ = [
    "LineItem",
    "PaymentConditions",
    "PaymentDiscountConditions",
    "RelatedVoucher",
    "SalesVoucher",
    "ShippingConditions",
    "TaxAmount",
    "TaxConditions",
    "TotalPrice",
    "UnitPrice",
    "VoucherAddress",
]


class VoucherAddress(LexofficeModel):
    """A sales voucher's recipient: a ``contact_id``, or ``name`` plus ``country_code``.

    Fields given next to ``contact_id`` override the contact's address for this document
    only; ``contact_person`` is filled in by lexoffice.
    """

    read_only = frozenset({"contact_person"})
    contact_id: str | None = None
    name: str | None = None
    supplement: str | None = None
    street: str | None = None
    city: str | None = None
    zip: str | None = None
    country_code: str | None = None
    contact_person: str | None = None


class UnitPrice(LexofficeModel):
    """A line item's unit price: ``net_amount`` (or ``gross_amount`` for ``gross`` tax)."""

    currency: str = "EUR"
    net_amount: Money | None = None
    gross_amount: Money | None = None
    tax_rate_percentage: Money | None = None


class LineItem(LexofficeModel):
    """One line (``type``: service, material, custom or text).

    ``id`` is the article's id, required for ``service`` and ``material`` lines. Quotations
    also know ``optional``, ``alternative`` and ``sub_items``.
    """

    read_only = frozenset({"line_item_amount"})
    id: str | None = None
    type: str = "custom"
    name: str | None = None
    description: str | None = None
    quantity: Money | None = None
    unit_name: str | None = None
    unit_price: UnitPrice | None = None
    discount_percentage: Money | None = None
    line_item_amount: Money | None = None


class TotalPrice(LexofficeModel):
    """Totals: lexoffice computes the amounts; ``currency`` and the discounts are sent."""

    read_only = frozenset({"total_net_amount", "total_gross_amount", "total_tax_amount"})
    currency: str = "EUR"
    total_net_amount: Money | None = None
    total_gross_amount: Money | None = None
    total_tax_amount: Money | None = None
    total_discount_absolute: Money | None = None
    total_discount_percentage: Money | None = None


class TaxAmount(LexofficeModel):
    """Tax per rate, computed by lexoffice."""

    tax_rate_percentage: Money | None = None
    tax_amount: Money | None = None
    net_amount: Money | None = None


class TaxConditions(LexofficeModel):
    """``tax_type``: net, gross, vatfree, intraCommunitySupply, constructionService13b, ..."""

    tax_type: str = "net"
    tax_sub_type: str | None = None
    tax_type_note: str | None = None


class PaymentDiscountConditions(LexofficeModel):
    """Early-payment discount."""

    discount_percentage: Money | None = None
    discount_range: int | None = None


class PaymentConditions(LexofficeModel):
    """Payment terms (``payment_term_label_template`` is filled in by lexoffice)."""

    read_only = frozenset({"payment_term_label_template"})
    payment_term_label: str | None = None
    payment_term_label_template: str | None = None
    payment_term_duration: int | None = None
    payment_discount_conditions: PaymentDiscountConditions | None = None


class ShippingConditions(LexofficeModel):
    """``shipping_type``: service, serviceperiod, delivery, deliveryperiod or none."""

    shipping_date: LexDateTime | None = None
    shipping_end_date: LexDateTime | None = None
    shipping_type: str = "none"


class RelatedVoucher(LexofficeModel):
    """A voucher this one follows or is followed by (``voucher_type`` as in the voucherlist)."""

    id: str
    voucher_number: str | None = None
    voucher_type: str | None = None


SALES_READ_ONLY = frozenset(
    {
        "id",
        "organization_id",
        "created_date",
        "updated_date",
        "version",
        "archived",
        "voucher_status",
        "voucher_number",
        "electronic_document_profile",
        "tax_amounts",
        "related_vouchers",
        "files",
    }
)


class SalesVoucher(LexofficeModel):
    """Fields every sales voucher has; each document type adds or overrides a few.

    What lexoffice computes or assigns (ids, dates, version, status, number, tax amounts,
    related vouchers) is read-only and never sent.
    """

    read_only = SALES_READ_ONLY
    id: str | None = None
    organization_id: str | None = None
    created_date: LexDateTime | None = None
    updated_date: LexDateTime | None = None
    version: int | None = None
    language: str | None = None
    archived: bool | None = None
    voucher_status: str | None = None
    voucher_number: str | None = None
    voucher_date: LexDateTime | None = None
    address: VoucherAddress | None = None
    electronic_document_profile: str | None = None
    line_items: list[LineItem] = Field(default_factory=list)
    total_price: TotalPrice | None = Field(default_factory=TotalPrice)
    tax_amounts: list[TaxAmount] | None = None
    tax_conditions: TaxConditions = Field(default_factory=TaxConditions)
    payment_conditions: PaymentConditions | None = None
    shipping_conditions: ShippingConditions | None = None
    related_vouchers: list[RelatedVoucher] | None = None
    print_layout_id: str | None = None
    title: str | None = None
    introduction: str | None = None
    remark: str | None = None
    files: dict[str, object] | None = None
