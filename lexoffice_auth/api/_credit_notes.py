"""``client.credit_notes``: lexoffice's ``/v1/credit-notes`` (reference §3b)."""

from __future__ import annotations

from ._resource import CreateDraft, Download, Get, Pursue
from .models import CreditNote

__all__ = ["CreditNotesApi"]


class CreditNotesApi(Get[CreditNote], CreateDraft[CreditNote], Pursue[CreditNote], Download):
    """Credit notes: ``create`` (standalone), ``pursue``, ``get``, ``download`` (PDF or XML).

    ``follows``: an invoice that is neither a draft nor a closing invoice (else 406).
    Pursued from an invoice and finalized, a credit note is ``paidoff`` at once and reduces
    the invoice's open amount; an invoice can have only one. A standalone one stays
    ``open`` until a payment is assigned in the app.
    """

    path = "/v1/credit-notes"
    model = CreditNote
    id_label = "a credit note id"
    follows = ("invoice",)
    xml = True
