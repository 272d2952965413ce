"""``client.order_confirmations``: lexoffice's ``/v1/order-confirmations`` (reference §3b)."""

from __future__ import annotations

from ._resource import CreateDraft, Download, Get, Pursue
from .models import OrderConfirmation

__all__ = ["OrderConfirmationsApi"]


class OrderConfirmationsApi(
    Get[OrderConfirmation], CreateDraft[OrderConfirmation], Pursue[OrderConfirmation], Download
):
    """Order confirmations: ``create``, ``pursue``, ``get``, ``download`` (PDF only).

    ``follows``: a quotation (one with optional or alternative lines is refused: 406).
    lexoffice's docs do not show ``finalize`` on a pursue here; it is passed on as asked.
    Only an ``open`` order confirmation can be pursued to an invoice or a delivery note.
    """

    path = "/v1/order-confirmations"
    model = OrderConfirmation
    id_label = "an order confirmation id"
    follows = ("quotation",)
