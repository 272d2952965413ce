"""``Pager`` (``api/_pager.py``): stopping early reads no further page."""

from __future__ import annotations

import json
from contextlib import aclosing

import httpx
import pytest
import respx

from lexoffice_auth import ApiKeyAuth
from lexoffice_auth.api import LexofficeClient
from lexoffice_auth.errors import PagingError

from .helpers import voucherlist_client


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


BASE = "https://api.lexware.io"


def page(ids: list[str], number: int, total: int, pages: int) -> httpx.Response:
    content = [{"id": i, "roles": {"customer": {}}, "person": {"lastName": i}} for i in ids]
    body = {
        "content": content,
        "first": number == 0,
        "last": number + 1 >= pages,
        "totalPages": pages,
        "totalElements": total,
        "numberOfElements": len(ids),
        "size": 2,
        "number": number,
    }
    return httpx.Response(200, content=json.dumps(body).encode())


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_a_server_that_ignores_the_page_number_ends_the_walk_with_paging_error() -> None:
    with respx.mock(base_url=BASE) as router:
        route = router.get("/v1/contacts").mock(return_value=page(["a", "b"], 0, 6, 3))
        async with LexofficeClient(ApiKeyAuth("key-12345678"), rate_limit=None) as lx:
            seen: list[str | None] = []

            async def walk() -> None:
                async for contact in lx.contacts.list(size=2):
                    seen.append(contact.id)

            with pytest.raises(PagingError, match="page 1 repeats page 0"):
                await walk()
    assert seen == ["a", "b"] and route.call_count == 2  # no endless loop


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_a_total_that_changes_while_paging_ends_the_walk_with_paging_error() -> None:
    answers = [page(["a", "b"], 0, 4, 2), page(["c"], 1, 3, 2)]  # a contact vanished meanwhile
    with respx.mock(base_url=BASE) as router:
        router.get("/v1/contacts").mock(side_effect=answers)
        async with LexofficeClient(ApiKeyAuth("key-12345678"), rate_limit=None) as lx:
            with pytest.raises(PagingError, match="total changed from 4 to 3"):
                [c async for c in lx.contacts.list(size=2)]


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_a_consistent_walk_reads_every_page_once_and_await_reads_one() -> None:
    answers = [page(["a", "b"], 0, 5, 3), page(["c", "d"], 1, 5, 3), page(["e"], 2, 5, 3)]
    with respx.mock(base_url=BASE) as router:
        route = router.get("/v1/contacts").mock(side_effect=[*answers, answers[1]])
        async with LexofficeClient(ApiKeyAuth("key-12345678"), rate_limit=None) as lx:
            ids = [c.id async for c in lx.contacts.list(size=2)]
            one = await lx.contacts.list(page=1, size=2)
    assert ids == ["a", "b", "c", "d", "e"]
    assert [c.id for c in one.content] == ["c", "d"]
    pages = [r.request.url.params["page"] for r in route.calls]
    assert pages == ["0", "1", "2", "1"]
