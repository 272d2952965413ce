"""``client.voucherlist`` (``api/_voucherlist.py``): the documented query, filters, date
windows past 10,000 hits, ``overdue`` beside other statuses."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest

from lexoffice_auth.api import (
    PaymentConditions,
)
from lexoffice_auth.errors import ConfigurationError
from lexoffice_auth.testing import FakeLexoffice

from .books_helpers import (
    CN,
    HUBER,
    INV,
    R,
    client,
    json_response,
    lexoffice,
)
from .helpers import DAYS, an_invoice, sandbox_client, voucherlist_client


def seed(fake: FakeLexoffice) -> dict[str, str]:
    """Two overdue, two open (not yet due) and one paid invoice, on five different days."""
    now = datetime.fromtimestamp(fake.clock(), timezone.utc)
    ids: dict[str, str] = {}
    for name, days_ago, term, status in (
        ("overdue-old", 60, 14, "open"),
        ("open-a", 40, 90, "open"),
        ("overdue-new", 30, 7, "open"),
        ("open-b", 2, 30, "open"),
        ("paid", 20, 14, "paid"),
    ):
        invoice = an_invoice()
        invoice.voucher_date = now - timedelta(days=days_ago)
        invoice.payment_conditions = PaymentConditions(payment_term_duration=term)
        ids[name] = fake.add_invoice(invoice, status=status)
    return ids


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
@pytest.mark.parametrize("sort", [None, "voucherDate,ASC", "voucherDate,DESC"])
async def test_open_and_overdue_give_the_union_once_in_the_requested_order(
    sort: str | None,
) -> None:
    fake = FakeLexoffice(rate_limit=None)
    ids = seed(fake)
    async with sandbox_client(fake) as client:
        rows = [
            r async for r in client.invoices.list(voucher_status=["open", "overdue"], sort=sort)
        ]
        page = await client.invoices.list(voucher_status="open,overdue", sort=sort, size=3)
        second = await client.invoices.list(
            voucher_status="open,overdue", sort=sort, size=3, page=1
        )
    by_age = [ids[n] for n in ("overdue-old", "open-a", "overdue-new", "open-b")]
    expected = by_age if sort == "voucherDate,ASC" else by_age[::-1]
    assert [r.id for r in rows] == expected  # paid left out, each id once, order kept
    assert {r.voucher_status for r in rows} == {"open", "overdue"}
    assert [r.id for r in page.content] == expected[:3]
    assert (page.total_elements, page.total_pages, page.last) == (4, 2, False)
    assert [r.id for r in second.content] == expected[3:] and second.last
    # lexoffice itself was only asked legal queries: overdue alone, the rest without it
    statuses = {r.url.params["voucherStatus"] for r in fake.requests if "voucherlist" in r.url.path}
    assert statuses == {"open", "overdue"}


SUMMER = timezone(timedelta(hours=2))


def _assert_get(request: httpx.Request, url: str, token: str = "key") -> None:
    assert request.method == "GET" and str(request.url) == url and request.content == b""
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Authorization"] == f"Bearer {token}"


VOUCHERLIST = (
    f'{{"content":[{{"id":"{INV}","voucherType":"invoice","voucherStatus":"open",'
    '"voucherNumber":"RE1042","voucherDate":"2025-10-06T00:00:00.000+02:00",'
    '"createdDate":"2025-10-06T16:02:11.000+02:00","updatedDate":"2025-10-15T08:30:02.000+02:00",'
    f'"dueDate":"2025-10-20T00:00:00.000+02:00","contactId":"{HUBER}",'
    '"contactName":"Bäckerei Huber GmbH & Co. KG","totalAmount":4752.86,"openAmount":2752.86,'
    f'"currency":"EUR","archived":false}},{{"id":"{CN}","voucherType":"creditnote",'
    '"voucherStatus":"open","voucherNumber":"GS1003","voucherDate":"2025-09-24T00:00:00.000+02:00",'
    '"createdDate":"2025-09-24T10:15:40.000+02:00","updatedDate":"2025-09-24T10:15:40.000+02:00",'
    '"dueDate":null,"contactId":null,"contactName":"Anna Schmidt","totalAmount":100.99,'
    '"openAmount":100.99,"currency":"EUR","archived":false}],"first":true,"last":true,'
    '"totalPages":1,"totalElements":2,"numberOfElements":2,"size":250,"number":0,'
    '"sort":[{"property":"voucherdate","direction":"DESC","ignoreCase":false,'
    '"nullHandling":"NATIVE","ascending":false}]}'
)


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_voucherlist_sends_the_documented_query_and_reads_the_rows(
    anyio_backend: str,
) -> None:
    with lexoffice() as api:
        route = api.get("/v1/voucherlist").mock(return_value=json_response(200, VOUCHERLIST))
        async with client() as lx:
            page = await lx.voucherlist.list(
                voucher_type=["invoice", "creditnote"],
                voucher_status="open",
                voucher_date_from="2025-09-01",
                voucher_date_to=date(2025, 10, 31),
                sort="voucherDate,DESC",
                size=250,
            )
    assert str(route.calls.last.request.url) == (
        f"{R}/voucherlist?voucherType=invoice%2Ccreditnote&voucherStatus=open"
        "&voucherDateFrom=2025-09-01&voucherDateTo=2025-10-31&sort=voucherDate%2CDESC"
        "&page=0&size=250"
    )
    _assert_get(route.calls.last.request, str(route.calls.last.request.url))
    first, second = page.content
    assert first.id == INV and first.contact_id == HUBER and first.voucher_number == "RE1042"
    assert first.total_amount == Decimal("4752.86") and first.open_amount == Decimal("2752.86")
    assert first.voucher_date == datetime(2025, 10, 6, tzinfo=SUMMER)
    assert second.contact_id is None and second.due_date is None  # the one-time address
    assert second.contact_name == "Anna Schmidt" and second.archived is False


async def test_voucherlist_every_filter() -> None:
    with lexoffice() as api:
        route = api.get("/v1/voucherlist").mock(return_value=json_response(200, VOUCHERLIST))
        async with client() as lx:
            await lx.voucherlist.list()
            await lx.voucherlist.list(
                voucher_type="purchaseinvoice",
                voucher_status=["unchecked", "open"],
                archived=False,
                contact_id=HUBER,
                voucher_number="RE & <1>",
                created_date_from=datetime(2025, 1, 2, 23, 30),
                created_date_to="2025-01-03",
                updated_date_from=date(2025, 2, 1),
                updated_date_to=date(2025, 2, 1),
                sort="voucherNumber",
                page=3,
                size=1,
            )
            await lx.voucherlist.list(voucher_status="overdue", sort="updatedDate, desc")
    urls = [str(c.request.url) for c in route.calls]
    assert urls == [
        f"{R}/voucherlist?voucherType=any&voucherStatus=any&page=0&size=25",
        f"{R}/voucherlist?voucherType=purchaseinvoice&voucherStatus=unchecked%2Copen"
        f"&archived=false&contactId={HUBER}&voucherNumber=RE%20%26amp%3B%20%26lt%3B1%26gt%3B"
        "&createdDateFrom=2025-01-02&createdDateTo=2025-01-03&updatedDateFrom=2025-02-01"
        "&updatedDateTo=2025-02-01&sort=voucherNumber%2CASC&page=3&size=1",
        f"{R}/voucherlist?voucherType=any&voucherStatus=overdue&sort=updatedDate%2CDESC"
        "&page=0&size=25",
    ]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"voucher_type": []}, "voucher_type must be a non-empty string"),
        ({"voucher_status": ""}, "voucher_status must be a non-empty string"),
        ({"size": 251}, "size must be an int from 1 to 250"),
        ({"page": -1}, "page must be an int >= 0"),
        ({"archived": "yes"}, "archived must be True, False or None"),
        ({"contact_id": "a/b"}, "not a contact id"),
        ({"voucher_number": ""}, "voucher_number must be a non-empty string"),
        ({"voucher_date_from": "1.9.2025"}, "voucherDateFrom must be a date or 'yyyy-MM-dd'"),
        (
            {"updated_date_from": "2025-02-02", "updated_date_to": "2025-02-01"},
            "start date is after",
        ),
        ({"sort": "totalAmount,DESC"}, "sort must be one of"),
        ({"sort": "voucherDate,UP"}, "sort must be one of"),
        ({"split_by": "dueDate"}, "split_by must be one of"),
    ],
)
async def test_voucherlist_refuses_what_lexoffice_would(
    options: dict[str, Any], message: str
) -> None:
    with lexoffice():
        async with client() as lx:
            with pytest.raises(ConfigurationError, match=message):
                lx.voucherlist.list(**options)


@pytest.mark.parametrize("sort", ["voucherDate,desc", "voucherDate, DESC", "voucherDate,DESC"])
async def test_a_descending_sort_in_any_spelling_reads_the_split_windows_newest_first(
    sort: str,
) -> None:
    requests: list[dict[str, str]] = []
    client = voucherlist_client(requests)
    rows = [
        row.id
        async for row in client.invoices.list(
            voucher_date_from="2024-01-01", voucher_date_to="2024-12-31", sort=sort, size=7
        )
    ]
    assert rows == [d.isoformat() for d in reversed(DAYS)]
    assert {r["sort"] for r in requests} == {"voucherDate,DESC"}


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_an_ascending_sort_reads_the_split_windows_oldest_first() -> None:
    requests: list[dict[str, str]] = []
    client = voucherlist_client(requests)
    rows = [row.id async for row in client.invoices.list(sort="voucherDate,asc", size=9)]
    assert rows == [d.isoformat() for d in DAYS]


async def test_windows_change_only_the_split_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    from lexoffice_auth.api import _voucherlist

    built = 0
    original = _voucherlist._voucher_params

    def counting(*args: Any) -> dict[str, str | int | bool]:
        nonlocal built
        built += 1
        return original(*args)

    monkeypatch.setattr(_voucherlist, "_voucher_params", counting)
    requests: list[dict[str, str]] = []
    client = voucherlist_client(requests)
    rows = [
        row
        async for row in client.invoices.list(
            voucher_status=["open", "paid"],
            contact_id="c-1",
            created_date_from=date(2023, 1, 1),
            sort="voucherNumber",
            size=10,
        )
    ]
    assert len(rows) == len(DAYS) and len(requests) > 40  # many windows and pages
    assert built == 1  # the arguments were checked and turned into a query once
    fixed = {
        k: v
        for k, v in requests[0].items()
        if k not in ("voucherDateFrom", "voucherDateTo", "page")
    }
    assert fixed == {
        "voucherType": "invoice",
        "voucherStatus": "open,paid",
        "contactId": "c-1",
        "createdDateFrom": "2023-01-01",
        "sort": "voucherNumber,ASC",
        "size": "10",
    }
    for query in requests[1:]:
        assert {k: v for k, v in query.items() if k in fixed} == fixed
