"""``client.dunnings``: lexoffice's ``/v1/dunnings`` (reference §3b)."""

from __future__ import annotations

from ._resource import Download, Get, Pursue
from .models import Dunning

__all__ = ["DunningsApi"]


class DunningsApi(Get[Dunning], Pursue[Dunning], Download):
    """Dunnings: ``pursue``, ``get``, ``download`` (PDF, drafts included).

    ``follows``: an invoice or a down-payment invoice. lexoffice requires the preceding
    voucher, so there is no plain ``create``; and a dunning is always a draft, so
    ``pursue(..., finalize=True)`` is refused before anything is sent. Its contact and
    tax conditions must equal the invoice's. A dunning has no voucher number and is not
    in the voucherlist: find it through webhooks or the invoice's ``related_vouchers``.
    """

    path = "/v1/dunnings"
    model = Dunning
    id_label = "a dunning id"
    follows = ("invoice", "downpaymentinvoice")
    finalizable = False
    drafts_render = True
