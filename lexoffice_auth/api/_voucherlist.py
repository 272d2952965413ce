"""``client.voucherlist``: every sales and bookkeeping voucher in one filtered list (§3b.18).

``list(...)`` takes every documented filter. Awaited, it reads one page; iterated, it reads
every row, even past lexoffice's 10,000-row search window: a query that matches 10,000
rows or more is split into date windows until each fits.
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Literal, TypedDict

from ..errors import ApiError, ConfigurationError
from ..rules import VOUCHER_STATUSES, VOUCHER_TYPES
from ._common import check_id, check_page
from ._pager import Pager
from ._resource import Resource
from .models import Page, VoucherListItem

__all__ = [
    "SEARCH_WINDOW",
    "VOUCHER_STATUSES",
    "VOUCHER_TYPES",
    "DateField",
    "DateLike",
    "VoucherlistApi",
]

SEARCH_WINDOW = 10_000
"""lexoffice's voucherlist counts (and pages) no further than this."""
_EARLIEST = date(1900, 1, 1)
_LATEST = date(2199, 12, 31)
_DATE_FIELDS = ("voucherDate", "createdDate", "updatedDate")
_SORT_FIELDS = ("voucherDate", "voucherNumber", "createdDate", "updatedDate")

DateField = Literal["voucherDate", "createdDate", "updatedDate"]
"""A date the voucherlist can be filtered (and split) by."""
DateLike = date | str
"""A ``date``/``datetime`` or a ``yyyy-MM-dd`` string (a whole day, German time)."""
Params = dict[str, str | int | bool]


class VoucherlistFilters(TypedDict, total=False):
    """The keyword arguments of ``voucherlist.list`` (for shortcuts that forward them)."""

    voucher_type: str | Iterable[str]
    voucher_status: str | Iterable[str]
    archived: bool | None
    contact_id: str | None
    voucher_number: str | None
    voucher_date_from: DateLike | None
    voucher_date_to: DateLike | None
    created_date_from: DateLike | None
    created_date_to: DateLike | None
    updated_date_from: DateLike | None
    updated_date_to: DateLike | None
    sort: str | None
    split_by: DateField
    page: int
    size: int


def _choices(value: str | Iterable[str], name: str) -> str:
    items = [value] if isinstance(value, str) else list(value)
    if not items or not all(isinstance(i, str) and i.strip() for i in items):
        raise ConfigurationError(f"{name} must be a non-empty string or list of strings")
    return ",".join(i.strip() for i in items)


class VoucherlistApi(Resource):
    """``/v1/voucherlist``: find vouchers of any type by status, contact, dates, number."""

    path = "/v1/voucherlist"
    max_page_size = 250

    def list(
        self,
        *,
        voucher_type: str | Iterable[str] = "any",
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
        page: int = 0,
        size: int = 25,
    ) -> Pager[VoucherListItem]:
        """Voucherlist rows: ``await`` for one page, ``async for`` for every row.

        ``voucher_type``/``voucher_status``: one value, a list, or ``"any"`` (see
        ``VOUCHER_TYPES``, ``VOUCHER_STATUSES``). Dates are whole days, German
        time. ``sort`` is ``"voucherDate"``, ``"voucherNumber"``, ``"createdDate"`` or
        ``"updatedDate"``, optionally followed by ``",ASC"`` or ``",DESC"``.
        ``voucher_number`` matches exactly (``&``, ``<`` and ``>`` are HTML-escaped, as
        lexoffice requires).

        Iterating reads every row from ``page=`` on; when a query matches 10,000 rows or
        more, the ``split_by`` date range (the given one, else 1900-01-01 to 2199-12-31)
        is halved until every part fits. Parts are read in date order (newest first if
        ``sort`` is that field with ``,DESC``); the order inside a part is ``sort``'s. A
        row seen twice (it moved while paging) is yielded once. More than 10,000 rows on
        a single day raise an ``ApiError``.

        lexoffice refuses ``overdue`` beside other statuses; such a query (``["open",
        "overdue"]``) is sent as two and merged in ``sort``'s order, each voucher once (an
        awaited page is then cut from the merged rows, which are all read).
        """
        if split_by not in _DATE_FIELDS:
            raise ConfigurationError(f"split_by must be one of {sorted(_DATE_FIELDS)}")
        check_page(page, size, self.max_page_size)
        dates: dict[str, tuple[DateLike | None, DateLike | None]] = {
            "voucherDate": (voucher_date_from, voucher_date_to),
            "createdDate": (created_date_from, created_date_to),
            "updatedDate": (updated_date_from, updated_date_to),
        }
        params = _voucher_params(
            voucher_type, voucher_status, archived, contact_id, voucher_number, dates, sort
        )

        def fetch_in(window: Params) -> Fetch:
            def fetch(number: int, count: int) -> Awaitable[Page[VoucherListItem]]:
                query = {**window, "page": number, "size": count}
                return self._client.get_model(self.path, Page[VoucherListItem], params=query)

            return fetch

        what = "GET /v1/voucherlist"
        queries = _split_overdue(params)
        if len(queries) == 1:

            def walk() -> AsyncIterator[VoucherListItem]:
                return self._walk(params, dates[split_by], split_by, page, size, fetch_in)

            return Pager(fetch_in(params), page=page, size=size, what=what, walk=walk)

        # lexoffice refuses "overdue" beside other statuses: one query each, merged in the
        # requested order without duplicates (an overdue voucher is also "open").
        def merged() -> AsyncIterator[VoucherListItem]:
            walks = [self._walk(q, dates[split_by], split_by, 0, size, fetch_in) for q in queries]
            return _merge(walks, str(params.get("sort", _DEFAULT_SORT)))

        async def fetch(number: int, count: int) -> Page[VoucherListItem]:
            rows = [row async for row in merged()]
            return _slice(rows, number, count)

        async def walk_from_page() -> AsyncIterator[VoucherListItem]:
            skip = page * size
            async for row in merged():
                if skip:
                    skip -= 1
                    continue
                yield row

        return Pager(fetch, page=page, size=size, what=what, walk=walk_from_page)

    async def _walk(
        self,
        params: Params,
        bounds: tuple[DateLike | None, DateLike | None],
        split_by: str,
        page: int,
        size: int,
        fetch_in: Callable[[Params], Fetch],
    ) -> AsyncIterator[VoucherListItem]:
        low_key, high_key = f"{split_by}From", f"{split_by}To"
        descending = params.get("sort") == f"{split_by},DESC"  # normalised by _voucher_params
        seen: set[str] = set()
        windows: list[tuple[date | None, date | None]] = [
            (_day(bounds[0], low_key), _day(bounds[1], high_key))
        ]
        start = page
        while windows:
            low, high = windows.pop()
            window = _with_window(params, low_key, low, high_key, high)
            pager = Pager(fetch_in(window), page=start, size=size, what="GET /v1/voucherlist")
            start = 0
            first = True
            async for result in pager.pages():
                if first and result.total_elements >= SEARCH_WINDOW:
                    windows.extend(_halves(low, high, split_by, descending))
                    break
                first = False
                for row in result.content:
                    if row.id not in seen:
                        seen.add(row.id)
                        yield row


Fetch = Callable[[int, int], Awaitable[Page[VoucherListItem]]]
_DEFAULT_SORT = "voucherDate,DESC"  # what lexoffice answers without a sort (§3b.18 sample)
_SORT_ATTRIBUTES = {
    "voucherDate": "voucher_date",
    "voucherNumber": "voucher_number",
    "createdDate": "created_date",
    "updatedDate": "updated_date",
}


def _split_overdue(params: Params) -> list[Params]:
    """``params``, or one query without ``overdue`` and one with only ``overdue``."""
    statuses = str(params["voucherStatus"]).split(",")
    if "overdue" not in statuses or len(statuses) == 1:
        return [params]
    others = ",".join(s for s in statuses if s != "overdue")
    return [{**params, "voucherStatus": others}, {**params, "voucherStatus": "overdue"}]


async def _merge(
    walks: list[AsyncIterator[VoucherListItem]], sort: str
) -> AsyncIterator[VoucherListItem]:
    """The rows of sorted walks in one ``sort`` order (rows without the field last), each
    id once."""
    field, _, direction = sort.partition(",")
    attribute = _SORT_ATTRIBUTES[field]
    descending = direction == "DESC"
    heads: list[VoucherListItem | None] = [await anext(w, None) for w in walks]
    seen: set[str] = set()
    while any(h is not None for h in heads):
        candidates = [(i, h) for i, h in enumerate(heads) if h is not None]
        present = [(i, h) for i, h in candidates if getattr(h, attribute) is not None]
        if present:
            pick = max if descending else min
            index, row = pick(present, key=lambda pair: getattr(pair[1], attribute))
        else:
            index, row = candidates[0]
        heads[index] = await anext(walks[index], None)
        if row.id not in seen:
            seen.add(row.id)
            yield row


def _slice(rows: list[VoucherListItem], number: int, size: int) -> Page[VoucherListItem]:
    """Page ``number`` of ``rows`` as lexoffice would report it."""
    chunk = rows[number * size : (number + 1) * size]
    pages = -(-len(rows) // size)
    return Page[VoucherListItem](
        content=chunk,
        first=number == 0,
        last=number + 1 >= pages,
        total_pages=pages,
        total_elements=len(rows),
        number_of_elements=len(chunk),
        size=size,
        number=number,
    )


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
        # lexoffice's search rule for this filter: HTML-escape, then URL-encode (§3b.18).
        params["voucherNumber"] = html.escape(voucher_number, quote=False)
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
