"""Ids in URL paths, page checks, and the page walks of ``contacts.iter``/``invoices.iter``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import aclosing
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from lexoffice_auth import ApiKeyAuth
from lexoffice_auth.api import LexofficeClient
from lexoffice_auth.errors import ConfigurationError

from .helpers import FAST_RETRY, a_person, an_invoice

SMUGGLING_IDS = [
    "abc?archived=true#x",  # a query smuggled into the URL
    "abc#fragment",
    "a/b",
    "..",  # httpx resolves /v1/contacts/.. to /v1
    ".",
    "%2F..",
    "a\\b",
    "a b",
    "a\nb",
    "",
    "   ",
]


def recording_client() -> tuple[LexofficeClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "x", "version": 0})

    client = LexofficeClient(
        ApiKeyAuth("key"),
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(api)),
        retry=FAST_RETRY,
        rate_limit=None,
    )
    return client, seen


def _calls(client: LexofficeClient, bad: str) -> list[Callable[[], Awaitable[Any]]]:
    return [
        lambda: client.contacts.get(bad),
        lambda: client.contacts.update(bad, a_person()),
        lambda: client.invoices.get(bad),
        lambda: client.invoices.download(bad),
        lambda: client.event_subscriptions.get(bad),
        lambda: client.event_subscriptions.delete(bad),
        lambda: client.invoices.pursue(bad, an_invoice()),
        lambda: client.invoices.list(contact_id=bad),
    ]


@pytest.mark.parametrize("bad", SMUGGLING_IDS)
async def test_every_id_is_checked_by_the_same_strict_rule(bad: str) -> None:
    client, seen = recording_client()
    for call in _calls(client, bad):
        with pytest.raises(ConfigurationError, match=r"^not (a|an|the) [\w ]*id"):
            await call()
    assert seen == []  # nothing went out


async def test_plain_ids_pass_and_are_stripped() -> None:
    client, seen = recording_client()
    await client.contacts.get(" 0b1c2d3e-aaaa-bbbb-cccc-1234567890ab ")
    await client.event_subscriptions.delete("sub_1.x~y")
    assert [r.url.path for r in seen] == [
        "/v1/contacts/0b1c2d3e-aaaa-bbbb-cccc-1234567890ab",
        "/v1/event-subscriptions/sub_1.x~y",
    ]


@pytest.mark.parametrize("size", [0, 251, True, 2.0])
async def test_contacts_and_invoices_share_the_page_size_rule(size: Any) -> None:
    client, seen = recording_client()
    for call in (client.contacts.list, client.invoices.list):
        with pytest.raises(ConfigurationError, match="size must be an int from 1 to 250"):
            await call(size=size)
        with pytest.raises(ConfigurationError, match="page must be an int >= 0"):
            await call(page=-1)
    assert seen == []


# --- the page walks -------------------------------------------------------------------------

DAYS = [date(2024, 1, 1) + timedelta(days=i) for i in range(366)]  # one row per day of 2024


def voucherlist_client(requests: list[dict[str, str]], *, window: int = 40) -> LexofficeClient:
    """A voucherlist with one row per day of 2024 that claims 10,000 rows for any date
    range holding more than ``window`` of them, so ``iter`` has to split it."""

    def api(request: httpx.Request) -> httpx.Response:
        query = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        requests.append(query)
        low = date.fromisoformat(query.get("voucherDateFrom", "1900-01-01"))
        high = date.fromisoformat(query.get("voucherDateTo", "2199-12-31"))
        rows = [d for d in DAYS if low <= d <= high]
        rows.sort(reverse=query.get("sort", "").endswith(",DESC"))
        page, size = int(query["page"]), int(query["size"])
        total = 10_000 if len(rows) > window else len(rows)
        content = [] if total >= 10_000 else rows[page * size : (page + 1) * size]
        pages = -(-total // size)
        return httpx.Response(
            200,
            json={
                "content": [{"id": d.isoformat()} for d in content],
                "first": page == 0,
                "last": page + 1 >= pages,
                "totalPages": pages,
                "totalElements": total,
                "numberOfElements": len(content),
                "size": size,
                "number": page,
            },
        )

    return LexofficeClient(
        ApiKeyAuth("key"),
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(api)),
        retry=FAST_RETRY,
        rate_limit=None,
    )


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


async def test_contacts_list_checks_its_filters_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from lexoffice_auth.api import _contacts
    from lexoffice_auth.testing import FakeLexoffice

    from .helpers import sandbox_client

    built = 0
    original = _contacts._filters

    def counting(*args: Any) -> dict[str, str | int | bool]:
        nonlocal built
        built += 1
        return original(*args)

    monkeypatch.setattr(_contacts, "_filters", counting)
    fake = FakeLexoffice(rate_limit=None)
    ids = {fake.add_contact(name=f"Firma {i:02d}") for i in range(23)}
    async with sandbox_client(fake) as client:
        seen = [c.id async for c in client.contacts.list(name="Firma", size=5)]
    assert len(seen) == 23 and set(seen) == ids
    assert fake.calls["contacts:list"] == 5 and built == 1


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_stopping_early_reads_no_further_page() -> None:
    requests: list[dict[str, str]] = []
    client = voucherlist_client(requests)
    # iter() is the deprecated alias of list(); its iterator can still be closed early.
    with pytest.warns(DeprecationWarning, match=r"invoices\.iter"):
        walk = client.invoices.iter(sort="voucherDate,DESC", page_size=5)
    async with aclosing(walk) as rows:  # type: ignore[type-var]
        async for row in rows:
            assert row.id == "2024-12-31"
            break
    pages = [r for r in requests if r["page"] != "0"]
    assert pages == []  # the page walk was closed with the iteration
