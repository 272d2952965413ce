"""``client.payments``: lexoffice's ``/v1/payments/{voucherId}`` (read-only, §3b.11)."""

from __future__ import annotations

from ..errors import ValidationFailed
from ._common import reworded
from ._resource import Get
from .models import Payment

__all__ = ["PaymentsApi"]


class PaymentsApi(Get[Payment]):
    """The payment state of a voucher: ``get(voucher_id)``.

    Takes the id of an invoice, down-payment invoice, credit note or bookkeeping voucher.
    """

    path = "/v1/payments"
    model = Payment
    id_label = "a voucher id"

    async def get(self, item_id: str) -> Payment:
        """The open amount, status and payments of the voucher with this id.

        A voucher without payment data (a draft; a quotation, order confirmation or
        delivery note; a credit note linked to an invoice) is a
        ``ValidationFailed`` (lexoffice's 406) saying so.
        """
        try:
            return await super().get(item_id)
        except ValidationFailed as exc:
            if exc.status_code != 406:
                raise
            raise reworded(
                exc,
                f"{exc.message}: lexoffice has no payment data for this voucher; drafts "
                "(finalize them first), quotations, order confirmations, delivery notes "
                "and credit notes linked to an invoice have none",
            ) from exc
