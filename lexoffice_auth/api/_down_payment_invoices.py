"""``client.down_payment_invoices``: lexoffice's ``/v1/down-payment-invoices`` (reference §3b)."""

from __future__ import annotations

from ._resource import Download, Get
from .models import DownPaymentInvoice

__all__ = ["DownPaymentInvoicesApi"]


class DownPaymentInvoicesApi(Get[DownPaymentInvoice], Download):
    """Down-payment invoices (read-only in the API): ``get`` and ``download`` (PDF or XML).

    They are created in the app; list them with
    ``client.voucherlist.list(voucher_type="downpaymentinvoice")``. Only ``/file`` is
    documented for them (no ``route="document"``).
    """

    path = "/v1/down-payment-invoices"
    model = DownPaymentInvoice
    id_label = "a down-payment invoice id"
    xml = True
    document_route = False
