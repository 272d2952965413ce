"""``client.invoices``: create, get, pursue, download, and list/iter over ``/v1/voucherlist``."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Iterable
from contextlib import aclosing
from datetime import date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Literal

from ..errors import ApiError, ConfigurationError, Conflict
from ._common import MAX_PAGE_SIZE, check_id, check_page, iter_pages
from ._models import ActionResult, Invoice, InvoiceFile, Page, VoucherListItem

if TYPE_CHECKING:
    from ._client import LexofficeClient

__all__ = ["SEARCH_WINDOW", "InvoicesApi"]

SEARCH_WINDOW = 10_000
"""lexoffice's voucherlist counts (and pages) no further than this."""
_EARLIEST = date(1900, 1, 1)
_LATEST = date(2199, 12, 31)
_DATE_FIELDS = ("voucherDate", "createdDate", "updatedDate")
_SORT_FIELDS = ("voucherDate", "voucherNumber", "createdDate", "updatedDate")
_FORMATS = {"pdf": "application/pdf", "xml": "application/xml"}
_FILENAME = re.compile(r'filename="?([^";]+)"?')

DateField = Literal["voucherDate", "createdDate", "updatedDate"]
DateLike = date | str


def _day(value: DateLike | None, name: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ConfigurationError(f"{name} must be a date or 'yyyy-MM-dd', got {value!r}")


def _choices(value: str | Iterable[str], name: str) -> str:
    items = [value] if isinstance(value, str) else list(value)
    if not items or not all(isinstance(i, str) and i.strip() for i in items):
        raise ConfigurationError(f"{name} must be a non-empty string or list of strings")
    return ",".join(i.strip() for i in items)


class InvoicesApi:
    """lexoffice's invoices (errors come in the regular shape)."""

    def __init__(self, client: LexofficeClient) -> None:
        self._client = client

    async def create(self, invoice: Invoice, *, finalize: bool = False) -> ActionResult:
        """Create an invoice: a draft, or with ``finalize=True`` an ``open`` one."""
        if not isinstance(invoice, Invoice):
            raise ConfigurationError("create() needs an Invoice")
        params = {"finalize": True} if finalize else None
        return await self._client.send_model(
            "POST", "/v1/invoices", invoice.to_api(), ActionResult, params=params
        )

    async def pursue(
        self, preceding_voucher_id: str, invoice: Invoice, *, finalize: bool = False
    ) -> ActionResult:
        """Create an invoice that follows a quotation, order confirmation or delivery note."""
        pid = check_id(preceding_voucher_id, "the id of a preceding voucher")
        if not isinstance(invoice, Invoice):
            raise ConfigurationError("pursue() needs an Invoice")
        params: dict[str, str | int | bool] = {"precedingSalesVoucherId": pid}
        if finalize:
            params["finalize"] = True
        return await self._client.send_model(
            "POST", "/v1/invoices", invoice.to_api(), ActionResult, params=params
        )

    async def get(self, invoice_id: str) -> Invoice:
        """The full invoice (``NotFound`` if there is none)."""
        iid = check_id(invoice_id, "an invoice id")
        return await self._client.get_model(f"/v1/invoices/{iid}", Invoice)

    async def download(self, invoice_id: str, format: Literal["pdf", "xml"] = "pdf") -> InvoiceFile:
        """The invoice's document through ``/v1/invoices/{id}/file``.

        ``format="xml"`` exists only for XRechnung invoices (others answer ``NotFound``).
        A draft has no document: that is a :class:`~lexoffice_auth.errors.Conflict` whose
        message says so.
        """
        iid = check_id(invoice_id, "an invoice id")
        if format not in _FORMATS:
            raise ConfigurationError("format must be 'pdf' or 'xml'")
        path = f"/v1/invoices/{iid}/file"
        try:
            response = await self._client.request("GET", path, accept=_FORMATS[format])
        except Conflict as exc:
            raise Conflict(
                f"invoice {iid} is a draft: lexoffice renders no document for drafts; "
                f"finalize it first ({exc.message})",
                status_code=exc.status_code,
                trace_id=exc.trace_id,
                details=exc.details,
                retried=exc.retried,
            ) from exc
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        match = _FILENAME.search(response.headers.get("content-disposition", ""))
        return InvoiceFile(
            content=response.content,
            media_type=media_type or _FORMATS[format],
            filename=match.group(1) if match else None,
        )

    async def list(
        self,
        *,
        voucher_type: str | Iterable[str] = "invoice",
        voucher_status: str | Iterable[str] = "any",
        archived: bool | None = None,
        contact_id: str | None = None,
        voucher_number: str | None = None,
        voucher_date_from: DateLike | None = None,
        voucher_date_to: DateLike | None = None,
        created_date_from: DateLike | None = None,
        created_date_to: DateLike | None = None,
        updated_date_from: DateLike | None = None,
        updated_date_to: DateLike | None = None,
        sort: str | None = None,
        page: int = 0,
        size: int = 25,
    ) -> Page[VoucherListItem]:
        """One page of ``/v1/voucherlist`` (dates are whole days, German time).

        ``sort`` is ``"voucherDate"``, ``"voucherNumber"``, ``"createdDate"`` or
        ``"updatedDate"``, optionally followed by ``",ASC"`` or ``",DESC"``.
        """
        params = _voucher_params(
            voucher_type,
            voucher_status,
            archived,
            contact_id,
            voucher_number,
            {
                "voucherDate": (voucher_date_from, voucher_date_to),
                "createdDate": (created_date_from, created_date_to),
                "updatedDate": (updated_date_from, updated_date_to),
            },
            sort,
        )
        check_page(page, size)
        return await self._page(params, size, page)

    def _page(
        self, params: dict[str, str | int | bool], size: int, page: int
    ) -> Awaitable[Page[VoucherListItem]]:
        query = {**params, "page": page, "size": size}
        return self._client.get_model("/v1/voucherlist", Page[VoucherListItem], params=query)

    async def iter(
        self,
        *,
        voucher_type: str | Iterable[str] = "invoice",
        voucher_status: str | Iterable[str] = "any",
        archived: bool | None = None,
        contact_id: str | None = None,
        voucher_number: str | None = None,
        voucher_date_from: DateLike | None = None,
        voucher_date_to: DateLike | None = None,
        created_date_from: DateLike | None = None,
        created_date_to: DateLike | None = None,
        updated_date_from: DateLike | None = None,
        updated_date_to: DateLike | None = None,
        sort: str | None = None,
        split_by: DateField = "voucherDate",
        page_size: int = MAX_PAGE_SIZE,
    ) -> AsyncIterator[VoucherListItem]:
        """Every matching voucherlist row, even past lexoffice's 10,000-row search window.

        When a query matches 10,000 rows or more, the ``split_by`` date range (the given
        one, else 1900-01-01 to 2199-12-31) is halved until every part fits. Parts are
        read in date order (newest first if ``sort`` is that field with ``,DESC``); the
        order inside a part is ``sort``'s. A row seen twice (it moved while paging) is
        yielded once. More than 10,000 rows on a single day raise an :class:`ApiError`.
        """
        if split_by not in _DATE_FIELDS:
            raise ConfigurationError(f"split_by must be one of {sorted(_DATE_FIELDS)}")
        check_page(0, page_size)
        dates: dict[str, tuple[DateLike | None, DateLike | None]] = {
            "voucherDate": (voucher_date_from, voucher_date_to),
            "createdDate": (created_date_from, created_date_to),
            "updatedDate": (updated_date_from, updated_date_to),
        }
        params = _voucher_params(
            voucher_type, voucher_status, archived, contact_id, voucher_number, dates, sort
        )
        low_key, high_key = f"{split_by}From", f"{split_by}To"
        descending = params.get("sort") == f"{split_by},DESC"  # normalised by _voucher_params
        seen: set[str] = set()
        windows: list[tuple[date | None, date | None]] = [
            (_day(dates[split_by][0], low_key), _day(dates[split_by][1], high_key))
        ]
        while windows:
            low, high = windows.pop()
            window = _with_window(params, low_key, low, high_key, high)
            first = True
            async with aclosing(iter_pages(partial(self._page, window, page_size))) as pages:
                async for result in pages:
                    if first and result.total_elements >= SEARCH_WINDOW:
                        windows.extend(_halves(low, high, split_by, descending))
                        break
                    first = False
                    for row in result.content:
                        if row.id not in seen:
                            seen.add(row.id)
                            yield row


def _with_window(
    params: dict[str, str | int | bool],
    low_key: str,
    low: date | None,
    high_key: str,
    high: date | None,
) -> dict[str, str | int | bool]:
    """``params`` with the split field's date range replaced (``None``: no bound)."""
    window = dict(params)
    for key, day in ((low_key, low), (high_key, high)):
        if day is None:
            window.pop(key, None)
        else:
            window[key] = day.isoformat()
    return window


def _halves(
    low: date | None, high: date | None, split_by: str, descending: bool
) -> list[tuple[date | None, date | None]]:
    """The two halves of a date range, in the order a stack pops them in date order."""
    start, end = low or _EARLIEST, high or _LATEST
    if start >= end:
        raise ApiError(
            f"voucherlist: {SEARCH_WINDOW:,} or more rows with {split_by} "
            f"{start.isoformat()}; lexoffice cannot list them all, narrow the "
            "query with other filters"
        )
    middle = start + timedelta(days=(end - start).days // 2)
    halves: list[tuple[date | None, date | None]] = [
        (start, middle),
        (middle + timedelta(days=1), end),
    ]
    return halves if descending else halves[::-1]


def _voucher_params(
    voucher_type: str | Iterable[str],
    voucher_status: str | Iterable[str],
    archived: bool | None,
    contact_id: str | None,
    voucher_number: str | None,
    dates: dict[str, tuple[DateLike | None, DateLike | None]],
    sort: str | None,
) -> dict[str, str | int | bool]:
    params: dict[str, str | int | bool] = {
        "voucherType": _choices(voucher_type, "voucher_type"),
        "voucherStatus": _choices(voucher_status, "voucher_status"),
    }
    if archived is not None:
        if not isinstance(archived, bool):
            raise ConfigurationError("archived must be True, False or None")
        params["archived"] = archived
    if contact_id is not None:
        params["contactId"] = check_id(contact_id, "a contact id")
    if voucher_number is not None:
        if not isinstance(voucher_number, str) or not voucher_number:
            raise ConfigurationError("voucher_number must be a non-empty string")
        params["voucherNumber"] = voucher_number
    for prefix, (low, high) in dates.items():
        start, end = _day(low, f"{prefix}From"), _day(high, f"{prefix}To")
        if start is not None:
            params[f"{prefix}From"] = start.isoformat()
        if end is not None:
            params[f"{prefix}To"] = end.isoformat()
        if start is not None and end is not None and start > end:
            raise ConfigurationError(f"{prefix}: the start date is after the end date")
    if sort is not None:
        field, _, direction = str(sort).replace(" ", "").partition(",")
        if field not in _SORT_FIELDS or direction.upper() not in ("", "ASC", "DESC"):
            raise ConfigurationError(
                f"sort must be one of {', '.join(_SORT_FIELDS)} with an optional ',ASC' or "
                f"',DESC', got {sort!r}"
            )
        params["sort"] = f"{field},{direction.upper() or 'ASC'}"
    return params
