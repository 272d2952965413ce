"""``Pager`` (``api/_pager.py``): stopping early reads no further page."""

from __future__ import annotations

from contextlib import aclosing
from datetime import date, timedelta
from urllib.parse import parse_qs

import httpx
import pytest

from lexoffice_auth import ApiKeyAuth
from lexoffice_auth.api import LexofficeClient

from .helpers import FAST_RETRY

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
