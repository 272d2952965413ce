"""``client.delivery_notes``: lexoffice's ``/v1/delivery-notes`` (reference §3b)."""

from __future__ import annotations

from ._resource import CreateDraft, Download, Get, Pursue
from .models import DeliveryNote

__all__ = ["DeliveryNotesApi"]


class DeliveryNotesApi(
    Get[DeliveryNote], CreateDraft[DeliveryNote], Pursue[DeliveryNote], Download
):
    """Delivery notes: ``create``, ``pursue``, ``get``, ``download`` (PDF only).

    ``follows``: a quotation (not one with optional or alternative lines), an ``open``
    order confirmation, or an invoice (lexoffice's advice for a delivery note to an
    existing invoice). lexoffice's docs do not show ``finalize`` on a pursue here; it is
    passed on as asked.
    """

    path = "/v1/delivery-notes"
    model = DeliveryNote
    id_label = "a delivery note id"
    follows = ("quotation", "orderconfirmation", "invoice")
