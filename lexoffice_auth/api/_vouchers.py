"""``client.vouchers``: lexoffice's bookkeeping ``/v1/vouchers`` (legacy errors, §3b.19).
TO BE COMPLETED."""

from __future__ import annotations

from ._resource import Create, Get, Update
from .models import Voucher

__all__ = ["VouchersApi"]


class VouchersApi(Get[Voucher], Create[Voucher], Update[Voucher]):
    """Bookkeeping vouchers: ``create``, ``get``, ``update``/``modify``, ``upload_file``."""

    path = "/v1/vouchers"
    model = Voucher
    id_label = "a voucher id"
    errors = "legacy"
    max_page_size = 250
