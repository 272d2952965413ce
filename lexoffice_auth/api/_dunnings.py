"""``client.dunnings``: lexoffice's ``/v1/dunnings`` (reference §3b)."""

from __future__ import annotations

from ._resource import Download, Get, Pursue
from .models import Dunning

__all__ = ["DunningsApi"]


class DunningsApi(Get[Dunning], Pursue[Dunning], Download):
    """Dunnings: ``pursue``, ``get``, ``download`` (PDF, drafts included).

    A dunning follows an invoice or a down-payment invoice; lexoffice requires it, so there
    is no plain ``create``.

    A dunning is always a draft, has no voucher number and is not in the voucherlist.
    """

    path = "/v1/dunnings"
    model = Dunning
    id_label = "a dunning id"
    follows = ("invoice", "downpaymentinvoice")
    finalizable = False
    drafts_render = True
