"""``client.invoices``: create, pursue, get, download; ``list`` is the voucherlist's shortcut."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from typing_extensions import Unpack

from ._common import MAX_PAGE_SIZE, deprecated
from ._pager import Pager
from ._resource import ByNumber, CreateDraft, Download, Get, Pursue
from ._voucherlist import SEARCH_WINDOW, VoucherlistFilters
from .models import Invoice, VoucherListItem

__all__ = ["SEARCH_WINDOW", "InvoicesApi"]


class InvoicesApi(Get[Invoice], ByNumber[Invoice], CreateDraft[Invoice], Pursue[Invoice], Download):
    """lexoffice's invoices (regular error shape): ``create`` (draft or finalized),
    ``pursue``, ``get``, ``get_by_number``, ``download`` (PDF, or an XRechnung's XML), and
    ``list`` over the voucherlist.

    ``follows``: a quotation (not one with optional or alternative lines), an ``open``
    order confirmation or an ``open`` delivery note; other chains are refused (406).
    Closing invoices cannot be created through the API. lexoffice has no update or
    delete for invoices.
    """

    path = "/v1/invoices"
    model = Invoice
    id_label = "an invoice id"
    follows = ("quotation", "orderconfirmation", "deliverynote")
    voucher_types = ("invoice",)
    xml = True

    def list(self, **filters: Unpack[VoucherlistFilters]) -> Pager[VoucherListItem]:
        """Invoices in the voucherlist: ``client.voucherlist.list(voucher_type="invoice", ...)``.

        Takes ``voucherlist.list``'s filters, with ``voucher_type`` defaulting to
        ``"invoice"``. Awaited: one page. Iterated: every row, split into date windows past
        lexoffice's 10,000-row search window (see ``client.voucherlist.list``).
        """
        filters.setdefault("voucher_type", "invoice")
        return self._client.voucherlist.list(**filters)

    def iter(
        self, *, page_size: int = MAX_PAGE_SIZE, **filters: Any
    ) -> AsyncIterator[VoucherListItem]:
        """Deprecated (removed in 0.4): ``async for row in invoices.list(..., size=250)``.

        Takes ``list``'s filters (not ``page``/``size``) and ``page_size``.
        """
        deprecated("invoices.iter(...)", "invoices.list(...)")
        return self.list(**filters, size=page_size).__aiter__()
