"""``client.vouchers``: lexoffice's bookkeeping ``/v1/vouchers`` (legacy errors, §3b.19).

lexoffice deletes, permanently, every attached file whose id a ``PUT`` leaves out of
``files`` (since 05.07.2023). So ``update`` and ``modify`` carry the attached ids over
unless the caller asks for the deletion with ``detach_files=True``.
"""

from __future__ import annotations

from decimal import Decimal

from ..errors import ConfigurationError, InvalidBody
from ._resource import ByNumber, Create, Get, Update
from ._uploads import UploadSource, explain_rejection, file_part
from .models import ActionResult, FileUpload, Voucher

__all__ = ["VouchersApi"]


class VouchersApi(Get[Voucher], ByNumber[Voucher], Create[Voucher], Update[Voucher]):
    """Bookkeeping vouchers: ``create``, ``get``, ``update``/``modify``, ``upload_file``.

    lexoffice has no delete for them, and lists them in ``client.voucherlist`` (types
    ``salesinvoice``, ``salescreditnote``, ``purchaseinvoice``, ``purchasecreditnote``).
    """

    path = "/v1/vouchers"
    model = Voucher
    id_label = "a voucher id"
    voucher_types = ("salesinvoice", "salescreditnote", "purchaseinvoice", "purchasecreditnote")
    errors = "legacy"
    max_page_size = 250

    async def create(self, item: Voucher) -> ActionResult:
        """Create the voucher (no ``version`` is sent); returns its id and version.

        Dates go out as ``yyyy-MM-dd``. The totals must be the items' sums and an
        ``unchecked`` voucher cannot be ``net`` (lexoffice's rules, checked before sending:
        a ``ConfigurationError``).
        """
        check_voucher(self._checked(item, "create"))
        return await super().create(item)

    async def update(
        self, item_id: str, item: Voucher, *, detach_files: bool = False
    ) -> ActionResult:
        """Replace the voucher; ``item.version`` must be the current one, else
        ``Conflict``. Returns the new version.

        The files attached now are kept: their ids are read from the current voucher
        (one more GET) and sent along with those in ``item.files``. With
        ``detach_files=True`` exactly ``item.files`` is sent (``None``: none), and lexoffice
        **deletes every attached file left out, permanently**.
        """
        voucher = self._checked(item, "update")
        if not isinstance(detach_files, bool):
            raise ConfigurationError("detach_files must be True or False")
        if detach_files:
            voucher = voucher.model_copy(update={"files": list(voucher.files or [])})
        else:
            voucher = _keeping_files(voucher, await self.get(item_id))
        return await self._put(item_id, voucher)

    async def _write_back(self, item_id: str, updated: Voucher, current: Voucher) -> ActionResult:
        # modify() has just read the voucher: its files need no second GET.
        return await self._put(item_id, _keeping_files(updated, current))

    async def _put(self, item_id: str, voucher: Voucher) -> ActionResult:
        check_voucher(voucher)
        return await super().update(item_id, voucher)

    async def upload_file(
        self,
        voucher_id: str,
        file: UploadSource,
        *,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> FileUpload:
        """Attach a PDF, JPG, PNG or XML file (at most 5 MB) to an existing voucher.

        ``POST /v1/vouchers/{id}/files``; the file and its checks are those of
        ``client.files.upload`` (a refused file sends nothing). The same bytes twice give
        the same file id (lexoffice deduplicates by checksum). The answer's shape is not
        documented; lexoffice answers the new file's ``id``. The voucher's ``version``
        changes: read it again before an ``update``.
        """
        path = self._item_path(voucher_id, "files")
        with file_part(file, filename, content_type) as part:
            return await explain_rejection(
                lambda: self._client.send_model(
                    "POST", path, None, FileUpload, files={"file": part}
                )
            )


def _keeping_files(voucher: Voucher, current: Voucher) -> Voucher:
    """``voucher`` with the ids of ``current``'s files added to its own (order kept)."""
    files = list(voucher.files or [])
    files += [f for f in current.files or [] if f not in files]
    return voucher.model_copy(update={"files": files})


def check_voucher(voucher: Voucher) -> None:
    """Raise ``InvalidBody`` (a ``ConfigurationError``) where
    lexoffice's documented rules (§3b.19) are broken.

    * ``tax_type`` ``net`` with ``voucher_status`` ``unchecked`` is refused.
    * Unless ``unchecked``: ``total_tax_amount`` is the sum of the items' ``tax_amount``;
      ``total_gross_amount`` the sum of their ``amount`` (``gross``) or of ``amount``
      plus ``tax_amount`` (``net``). Checked only when every number is there.
    """
    status = (voucher.voucher_status or "").lower()
    tax_type = (voucher.tax_type or "").lower()
    if status == "unchecked" and tax_type == "net":
        raise InvalidBody(
            "lexoffice refuses an unchecked voucher with tax_type 'net': send it as "
            "'gross', or with voucher_status 'open'",
            details=({"field": "taxType", "violation": "INVALID", "message": "net + unchecked"},),
        )
    items = voucher.voucher_items
    if status == "unchecked" or tax_type not in ("net", "gross") or not items:
        return
    amounts = [i.amount for i in items if i.amount is not None]
    taxes = [i.tax_amount for i in items if i.tax_amount is not None]
    if len(amounts) < len(items) or len(taxes) < len(items):
        return
    tax = sum(taxes, Decimal(0))
    gross = sum(amounts, Decimal(0)) + (tax if tax_type == "net" else 0)
    for name, total, expected in (
        ("total_gross_amount", voucher.total_gross_amount, gross),
        ("total_tax_amount", voucher.total_tax_amount, tax),
    ):
        if total is not None and total != expected:
            raise InvalidBody(
                f"{name} is {total} but the voucher items add up to {expected} "
                f"(tax_type {tax_type!r}); lexoffice refuses totals that differ",
                details=({"field": name, "violation": "INVALID", "message": f"not {expected}"},),
            )
