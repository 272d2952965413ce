"""``client.quotations``: lexoffice's ``/v1/quotations`` (reference §3b)."""

from __future__ import annotations

from ._resource import CreateDraft, Download, Get
from .models import Quotation

__all__ = ["QuotationsApi"]


class QuotationsApi(Get[Quotation], CreateDraft[Quotation], Download):
    """Quotations: ``create`` (draft, or ``finalize=True``), ``get``, ``download`` (PDF only).

    A quotation starts a chain: nothing is pursued *into* one, so there is no ``pursue``.
    ``expiration_date`` is required. List them with
    ``client.voucherlist.list(voucher_type="quotation")``.
    """

    path = "/v1/quotations"
    model = Quotation
    id_label = "a quotation id"
