"""Payments (``GET /v1/payments/{voucherId}``, §3b.11)."""

from __future__ import annotations

from ._base import LexDateTime, LexofficeModel, Money

__all__ = ["Payment", "PaymentItem"]


class PaymentItem(LexofficeModel):
    """One payment on a voucher (``amount`` is positive)."""

    payment_item_type: str | None = None
    posting_date: LexDateTime | None = None
    amount: Money | None = None
    currency: str | None = None


class Payment(LexofficeModel):
    """A voucher's payment state: ``payment_status`` balanced, openRevenue or openExpense.

    ``paid_date`` is set only when the voucher is paid or paid off.
    """

    open_amount: Money | None = None
    currency: str | None = None
    payment_status: str | None = None
    voucher_type: str | None = None
    voucher_status: str | None = None
    paid_date: LexDateTime | None = None
    payment_items: list[PaymentItem] | None = None
