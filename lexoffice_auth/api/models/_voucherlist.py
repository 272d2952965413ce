"""Rows of ``/v1/voucherlist``: every sales and bookkeeping voucher in one list (§3b.18)."""

from __future__ import annotations

from ._base import LexDateTime, LexofficeModel, Money

__all__ = ["VoucherListItem"]


class VoucherListItem(LexofficeModel):
    """One row of ``/v1/voucherlist``.

    ``voucher_type`` says where the details live: ``invoice`` in ``client.invoices``,
    ``quotation`` in ``client.quotations``, ..., the four ``sales*``/``purchase*`` types in
    ``client.vouchers``. ``contact_id`` is ``None`` for the collective contact;
    ``open_amount`` is ``None`` where lexoffice has none (drafts, quotations, ...).
    """

    id: str
    voucher_type: str | None = None
    voucher_status: str | None = None
    voucher_number: str | None = None
    voucher_date: LexDateTime | None = None
    created_date: LexDateTime | None = None
    updated_date: LexDateTime | None = None
    due_date: LexDateTime | None = None
    contact_id: str | None = None
    contact_name: str | None = None
    total_amount: Money | None = None
    open_amount: Money | None = None
    currency: str | None = None
    archived: bool | None = None
