"""``client.print_layouts``: lexoffice's ``/v1/print-layouts`` (reference §3b)."""

from __future__ import annotations

from ._resource import ListAll
from .models import PrintLayout

__all__ = ["PrintLayoutsApi"]


class PrintLayoutsApi(ListAll[PrintLayout]):
    """Print layouts for sales vouchers: ``list()`` (one plain array; an id goes into a
    voucher's ``print_layout_id``)."""

    path = "/v1/print-layouts"
    model = PrintLayout
