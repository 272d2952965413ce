"""``client.payments``: lexoffice's ``/v1/payments/{voucherId}`` (read-only, §3b.11)."""

from __future__ import annotations

from ._resource import Get
from .models import Payment

__all__ = ["PaymentsApi"]


class PaymentsApi(Get[Payment]):
    """The payment state of a voucher: ``get(voucher_id)``.

    Takes the id of an invoice, down-payment invoice, credit note or bookkeeping voucher.
    A draft has no payment data (lexoffice answers 406, a
    :class:`~lexoffice_auth.errors.ValidationFailed`).
    """

    path = "/v1/payments"
    model = Payment
    id_label = "a voucher id"
