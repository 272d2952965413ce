"""The resource layer's own cost: ``get``/``list`` per call, and a 200 MiB streamed download.

Run: ``python benchmarks/bench_resources.py [rounds=15] [calls-per-round=300] [MiB=200]``
after ``pip install -e ".[dev]"``. About a minute on 2 cores with the defaults.

1. **Per-call CPU cost** (run second) over ``httpx.MockTransport`` (no sockets, pacing
   off): ``get`` and one page of ``list`` on contacts, articles and quotations (the
   quotation list is the voucherlist, as lexoffice has it), each next to a hand-written
   ``httpx`` call with the same auth that checks the status and returns the same model
   (``Model.model_validate_json(response.content)``). The rows run interleaved, in a
   rotating order, ``calls`` calls per round; the CPU time of this process per call is
   reported as the median and the best round, and as the ratio of the medians.
2. **Streamed download** (run first). ``invoices.download(id, to=path)`` of a file served by a
   MockTransport whose body is an async generator of 64 KiB chunks (the 200 MiB never
   exist at once, on either side). Throughput is wall time over a real file write; the
   client side's peak memory is measured in a second run under ``tracemalloc`` (Python
   allocations) and as the growth of the process's peak RSS.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx

from lexoffice_auth import ApiKeyAuth
from lexoffice_auth.api import (
    Article,
    Contact,
    LexofficeClient,
    Page,
    Quotation,
    VoucherListItem,
)

BASE = "https://api.lexware.io"
HUBER = "6925b6bc-7560-430a-ab9b-cd375e2af04d"
ART = "bb9b16c2-8677-4b34-b3e3-1a63c88214f8"
QUOTE = "4fd384c3-98b1-4144-bef4-de626c9875e6"
INV = "23a7ecfe-12f8-4eae-bc37-0e8769a975d0"
PAGE_SIZE = 25

# Bodies shaped as the reference's §3c shows them (numbers as lexoffice writes them).
CONTACT = {
    "id": HUBER,
    "organizationId": "c88a9840-24b8-448c-997b-fef49ddb78d3",
    "version": 3,
    "roles": {"customer": {"number": 10042}},
    "company": {
        "name": "Bäckerei Huber GmbH & Co. KG",
        "taxNumber": "12345/12345",
        "vatRegistrationId": "DE123456789",
        "allowTaxFreeInvoices": False,
        "contactPersons": [
            {
                "salutation": "Frau",
                "firstName": "Inge",
                "lastName": "Huber",
                "primary": True,
                "emailAddress": "inge@baeckerei-huber.example",
            }
        ],
    },
    "addresses": {
        "billing": [
            {"street": "Lindenstraße 12", "zip": "80331", "city": "München", "countryCode": "DE"}
        ]
    },
    "emailAddresses": {"business": ["einkauf@baeckerei-huber.example"]},
    "note": "Stammkunde",
    "archived": False,
}
ARTICLE = {
    "id": ART,
    "organizationId": "c88a9840-24b8-448c-997b-fef49ddb78d3",
    "createdDate": "2025-09-01T09:14:05.211+02:00",
    "updatedDate": "2025-09-01T09:14:05.211+02:00",
    "archived": False,
    "title": "Gas-Brennwerttherme 25 kW",
    "type": "PRODUCT",
    "articleNumber": "HT-GBT-25",
    "gtin": "4260123456788",
    "unitName": "Stück",
    "price": {"netPrice": 3450.00, "grossPrice": 4105.50, "leadingPrice": "NET", "taxRate": 19},
    "version": 1,
}
QUOTATION = {
    "id": QUOTE,
    "organizationId": "c88a9840-24b8-448c-997b-fef49ddb78d3",
    "createdDate": "2025-09-15T10:12:31.233+02:00",
    "updatedDate": "2025-09-15T10:12:31.233+02:00",
    "version": 1,
    "language": "de",
    "archived": False,
    "voucherStatus": "open",
    "voucherNumber": "AG1011",
    "voucherDate": "2025-09-15T00:00:00.000+02:00",
    "expirationDate": "2025-10-15T00:00:00.000+02:00",
    "address": {"contactId": HUBER, "name": "Bäckerei Huber GmbH & Co. KG", "countryCode": "DE"},
    "lineItems": [
        {
            "type": "custom",
            "name": "Wartungsvertrag Heizungsanlage (12 Monate)",
            "quantity": 1,
            "unitName": "Pauschale",
            "unitPrice": {
                "currency": "EUR",
                "netAmount": 250.00,
                "grossAmount": 297.50,
                "taxRatePercentage": 19,
            },
            "lineItemAmount": 297.50,
        },
        {
            "type": "custom",
            "name": "Abgasmessung",
            "quantity": 1,
            "unitName": "Pauschale",
            "unitPrice": {
                "currency": "EUR",
                "netAmount": 50.00,
                "grossAmount": 59.50,
                "taxRatePercentage": 19,
            },
            "optional": True,
            "lineItemAmount": 59.50,
        },
    ],
    "totalPrice": {
        "currency": "EUR",
        "totalNetAmount": 250.00,
        "totalGrossAmount": 297.50,
        "totalTaxAmount": 47.50,
    },
    "taxAmounts": [{"taxRatePercentage": 19, "taxAmount": 47.50, "netAmount": 250.00}],
    "taxConditions": {"taxType": "gross"},
    "relatedVouchers": [],
    "title": "Angebot",
}
ROW = {
    "id": QUOTE,
    "voucherType": "quotation",
    "voucherStatus": "open",
    "voucherNumber": "AG1011",
    "voucherDate": "2025-09-15T00:00:00.000+02:00",
    "createdDate": "2025-09-15T10:12:31.000+02:00",
    "updatedDate": "2025-09-15T10:12:31.000+02:00",
    "dueDate": None,
    "contactId": HUBER,
    "contactName": "Bäckerei Huber GmbH & Co. KG",
    "totalAmount": 297.50,
    "openAmount": None,
    "currency": "EUR",
    "archived": False,
}


def _page(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "content": [item] * PAGE_SIZE,
        "first": True,
        "last": False,
        "totalPages": 4,
        "totalElements": 4 * PAGE_SIZE,
        "numberOfElements": PAGE_SIZE,
        "size": PAGE_SIZE,
        "number": 0,
    }


BODIES: dict[str, bytes] = {
    f"/v1/contacts/{HUBER}": json.dumps(CONTACT).encode(),
    "/v1/contacts": json.dumps(_page(CONTACT)).encode(),
    f"/v1/articles/{ART}": json.dumps(ARTICLE).encode(),
    "/v1/articles": json.dumps(_page(ARTICLE)).encode(),
    f"/v1/quotations/{QUOTE}": json.dumps(QUOTATION).encode(),
    "/v1/voucherlist": json.dumps(_page(ROW)).encode(),
}
JSON = {"Content-Type": "application/json"}


def _answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=BODIES[request.url.path], headers=JSON)


Call = Callable[[], Awaitable[Any]]


def _rows(lx: LexofficeClient, http: httpx.AsyncClient, auth: ApiKeyAuth) -> dict[str, Call]:
    def by_hand(path: str, model: Any, params: dict[str, Any] | None = None) -> Call:
        async def call() -> Any:
            response = await http.get(
                BASE + path, params=params, auth=auth, headers={"Accept": "application/json"}
            )
            response.raise_for_status()
            return model.model_validate_json(response.content)

        return call

    page = {"page": 0, "size": PAGE_SIZE}
    quotes = {"voucherType": "quotation", "voucherStatus": "any", **page}
    return {
        "contacts.get": lambda: lx.contacts.get(HUBER),
        "  by hand": by_hand(f"/v1/contacts/{HUBER}", Contact),
        "contacts.list": lambda: lx.contacts.list(size=PAGE_SIZE),
        "  by hand ": by_hand("/v1/contacts", Page[Contact], page),
        "articles.get": lambda: lx.articles.get(ART),
        "  by hand  ": by_hand(f"/v1/articles/{ART}", Article),
        "articles.list": lambda: lx.articles.list(size=PAGE_SIZE),
        "  by hand   ": by_hand("/v1/articles", Page[Article], page),
        "quotations.get": lambda: lx.quotations.get(QUOTE),
        "  by hand    ": by_hand(f"/v1/quotations/{QUOTE}", Quotation),
        "voucherlist.list(quotation)": lambda: lx.voucherlist.list(
            voucher_type="quotation", size=PAGE_SIZE
        ),
        "  by hand     ": by_hand("/v1/voucherlist", Page[VoucherListItem], quotes),
    }


async def per_call_cost(rounds: int, calls: int) -> dict[str, tuple[float, float]]:
    """``{row: (median µs, best µs)}`` of CPU time per call."""
    auth = ApiKeyAuth("bench-key")
    http = httpx.AsyncClient(transport=httpx.MockTransport(_answer))
    lx = LexofficeClient(auth, http_client=http, rate_limit=None)
    rows = _rows(lx, http, auth)
    names = list(rows)
    times: dict[str, list[float]] = {name: [] for name in rows}
    for call in rows.values():  # warm up (imports, pydantic's validators, caches)
        for _ in range(50):
            await call()
    gc.collect()
    for number in range(rounds):
        shift = (number * 2) % len(names)  # pairs stay together; the order rotates
        for name in names[shift:] + names[:shift]:
            call = rows[name]
            start = time.process_time()
            for _ in range(calls):
                await call()
            times[name].append((time.process_time() - start) / calls * 1e6)
    await http.aclose()
    return {name: (statistics.median(v), min(v)) for name, v in times.items()}


CHUNK = 64 * 1024


def _streamed(size: int) -> Callable[[httpx.Request], httpx.Response]:
    block = b"%PDF" + b"\0" * (CHUNK - 4)

    async def body() -> AsyncIterator[bytes]:
        left = size
        while left > 0:
            yield block[: min(CHUNK, left)]
            left -= CHUNK

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            content=body(),
            headers={
                "Content-Type": "application/pdf",
                "Content-Length": str(size),
                "Content-Disposition": 'attachment; filename="RE1042.pdf"',
            },
        )

    return answer


async def _download(size: int, target: str) -> float:
    http = httpx.AsyncClient(transport=httpx.MockTransport(_streamed(size)))
    async with LexofficeClient(
        ApiKeyAuth("bench-key"), http_client=http, rate_limit=None, max_download_bytes=size
    ) as lx:
        start = time.perf_counter()
        result = await lx.invoices.download(INV, to=target)
        elapsed = time.perf_counter() - start
    await http.aclose()
    assert result.size == size, (result.size, size)
    return elapsed


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def download_figures(mib: int) -> dict[str, float]:
    size = mib * 2**20
    with tempfile.TemporaryDirectory() as folder:
        target = os.path.join(folder, "RE1042.pdf")
        rss_before = _peak_rss_mib()
        seconds = await _download(size, target)
        assert os.path.getsize(target) == size  # noqa: ASYNC240 - after the timing
        rss_growth = _peak_rss_mib() - rss_before
        os.unlink(target)
        tracemalloc.start()
        await _download(size, target)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {
        "MiB": mib,
        "seconds": seconds,
        "MiB/s": mib / seconds,
        "tracemalloc peak MiB": traced_peak / 2**20,
        "peak RSS growth MiB": rss_growth,
    }


async def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    mib = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    # The download first: the process's peak RSS is a high-water mark, so it grows only
    # if the download needs more than the imports did (not hidden by the per-call rows).
    print(f"Streamed download of {mib} MiB to a file (64 KiB chunks over MockTransport)")
    figures = await download_figures(mib)
    print(
        f"  {figures['seconds']:.2f} s, {figures['MiB/s']:.0f} MiB/s; client-side peak: "
        f"{figures['tracemalloc peak MiB']:.2f} MiB traced (tracemalloc), peak RSS grew "
        f"{figures['peak RSS growth MiB']:.1f} MiB"
    )
    print()
    print(
        f"Per-call CPU cost over httpx.MockTransport, pacing off ({rounds} interleaved rounds "
        f"of {calls} calls; lists: one page of {PAGE_SIZE})"
    )
    print(f"  {'row':<30} {'median':>9} {'best':>9}  ratio (medians)")
    costs = await per_call_cost(rounds, calls)
    names = list(costs)
    for sdk, hand in zip(names[::2], names[1::2], strict=True):
        for name in (sdk, hand):
            median, best = costs[name]
            ratio = f"  {costs[sdk][0] / costs[hand][0]:.2f}x" if name == sdk else ""
            print(f"  {name:<30} {median:7.1f}µs {best:7.1f}µs{ratio}")


if __name__ == "__main__":
    asyncio.run(main())
