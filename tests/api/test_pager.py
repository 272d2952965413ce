"""``Pager`` (``api/_pager.py``): stopping early reads no further page."""

from __future__ import annotations

from contextlib import aclosing

import pytest

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
