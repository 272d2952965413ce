"""Bookkeeping vouchers (``/v1/vouchers``, legacy errors, §3b.19) and file uploads (§3b.9)."""

from __future__ import annotations

from ._base import LexDate, LexofficeModel, Money

__all__ = ["FileUpload", "Voucher", "VoucherItem"]


class VoucherItem(LexofficeModel):
    """A position of a bookkeeping voucher: all four fields are required.

    ``amount`` is net or gross according to the voucher's ``tax_type``.
    """

    amount: Money | None = None
    tax_amount: Money | None = None
    tax_rate_percent: Money | None = None
    category_id: str | None = None


class Voucher(LexofficeModel):
    """A bookkeeping voucher (``type``: salesinvoice, salescreditnote, purchaseinvoice or
    purchasecreditnote; ``tax_type``: net or gross).

    Dates are written as ``yyyy-MM-dd`` and read back as timestamps, so ``voucher_date``,
    ``shipping_date`` and ``due_date`` accept both. ``files`` lists the attached file ids:
    an update that omits one deletes that file in lexoffice (the SDK's ``update`` keeps
    them unless told otherwise: ``detach_files=True``).
    """

    read_only = frozenset({"id", "organization_id", "created_date", "updated_date"})
    id: str | None = None
    organization_id: str | None = None
    created_date: str | None = None
    updated_date: str | None = None
    type: str | None = None
    voucher_status: str | None = None
    voucher_number: str | None = None
    voucher_date: LexDate | None = None
    shipping_date: LexDate | None = None
    due_date: LexDate | None = None
    total_gross_amount: Money | None = None
    total_tax_amount: Money | None = None
    tax_type: str | None = None
    use_collective_contact: bool | None = None
    contact_id: str | None = None
    contact_name: str | None = None
    remark: str | None = None
    voucher_items: list[VoucherItem] | None = None
    files: list[str] | None = None
    version: int | None = None


class FileUpload(LexofficeModel):
    """What ``POST /v1/files`` answers (202): the file's id and the voucher made for it.

    Bytes lexoffice has seen before give the existing ids (it deduplicates by checksum).
    """

    id: str
    voucher_id: str | None = None
