"""``client.delivery_notes``: lexoffice's ``/v1/delivery-notes`` (reference §3b)."""

from __future__ import annotations

from ._resource import CreateDraft, Download, Get, Pursue
from .models import DeliveryNote

__all__ = ["DeliveryNotesApi"]


class DeliveryNotesApi(
    Get[DeliveryNote], CreateDraft[DeliveryNote], Pursue[DeliveryNote], Download
):
    """Delivery notes: ``create``, ``pursue``, ``get``, ``download`` (PDF).

    They follow a quotation, an order confirmation or an invoice."""

    path = "/v1/delivery-notes"
    model = DeliveryNote
    id_label = "a delivery note id"
    follows = ("quotation", "orderconfirmation", "invoice")
