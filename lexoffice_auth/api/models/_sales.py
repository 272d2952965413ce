"""What every sales voucher shares (invoices, quotations, credit notes, order confirmations,
delivery notes, down-payment invoices, dunnings, recurring templates): address, line items,
prices, totals, tax / payment / shipping conditions, related vouchers (reference §3b.1).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ._base import LexDateTime, LexofficeModel, Money

__all__ = [
    "LineItem",
    "PaymentConditions",
    "PaymentDiscountConditions",
    "Due",
    "Issued",
    "Numbered",
    "Priced",
    "RelatedVoucher",
    "SalesVoucher",
    "Shipped",
    "ShippingConditions",
    "TaxAmount",
    "TaxConditions",
    "TotalPrice",
    "UnitPrice",
    "VoucherAddress",
    "WithDeliveryTerms",
    "WithPaymentTerms",
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


class SalesVoucher(LexofficeModel):
    """What every sales voucher has; each document type adds the parts it has (below).

    What lexoffice computes or assigns (ids, dates, version, status, number, tax amounts,
    related vouchers) is read-only and never sent. A subclass's ``read_only`` is joined
    with its bases', so each part names only its own read-only fields.
    """

    read_only = frozenset(
        {
            "id",
            "organization_id",
            "created_date",
            "updated_date",
            "version",
            "archived",
            "electronic_document_profile",
            "related_vouchers",
        }
    )
    id: str | None = None
    organization_id: str | None = None
    created_date: LexDateTime | None = None
    updated_date: LexDateTime | None = None
    version: int | None = None
    language: str | None = None
    archived: bool | None = None
    address: VoucherAddress | None = None
    electronic_document_profile: str | None = None
    line_items: list[LineItem] = Field(default_factory=list)
    tax_conditions: TaxConditions = Field(default_factory=TaxConditions)
    related_vouchers: list[RelatedVoucher] | None = None
    print_layout_id: str | None = None
    title: str | None = None
    introduction: str | None = None
    remark: str | None = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls.read_only = frozenset().union(
            *(vars(base).get("read_only", ()) for base in cls.__mro__)
        )


class Issued(SalesVoucher):
    """Part of every document (not of recurring templates): its date, status and the
    deprecated ``files.documentFileId``."""

    read_only = frozenset({"voucher_status", "files"})
    voucher_status: str | None = None
    voucher_date: LexDateTime | None = None
    files: dict[str, object] | None = None


class Numbered(SalesVoucher):
    """Part of every document lexoffice numbers (all but dunnings and templates)."""

    read_only = frozenset({"voucher_number"})
    voucher_number: str | None = None


class Priced(SalesVoucher):
    """Totals and taxes (all but delivery notes): ``total_price.currency`` is sent,
    lexoffice computes the rest."""

    read_only = frozenset({"tax_amounts"})
    total_price: TotalPrice = Field(default_factory=TotalPrice)
    tax_amounts: list[TaxAmount] | None = None


class WithPaymentTerms(SalesVoucher):
    """Payment conditions (invoices, order confirmations, quotations, down-payment
    invoices, recurring templates); missing ones take the contact's or the organisation's
    defaults."""

    payment_conditions: PaymentConditions | None = None


class Shipped(SalesVoucher):
    """Shipping conditions (invoices, order confirmations, delivery notes, dunnings,
    down-payment invoices)."""

    shipping_conditions: ShippingConditions | None = None


class WithDeliveryTerms(SalesVoucher):
    """``delivery_terms`` (at most 255 characters): invoices, order confirmations,
    delivery notes."""

    delivery_terms: str | None = None


class Due(SalesVoucher):
    """The due date lexoffice computes from the payment terms (invoices, down payments)."""

    read_only = frozenset({"due_date"})
    due_date: LexDateTime | None = None
