"""The API client: achieved request rate under pacing, and its own per-call cost.

Run: ``python benchmarks/bench_api.py [seconds-for-N=2] [seconds-for-N=20]``
(defaults 10 and 10) after ``pip install -e ".[dev]"``.

1. **Pacing.** The sandbox is served on 127.0.0.1 (real HTTP through uvicorn) and enforces
   N requests/second (its bucket holds 2 tokens, like the default sandbox); a
   ``LexofficeClient`` paced at N runs 100 concurrent tasks that call ``contacts.get`` in
   a loop, with retries off so that any 429 would surface. Achieved rate =
   (completed - 1) / (last completion - first completion), shown as a ratio of N.
2. **Per-call cost.** Over ``httpx.MockTransport`` (no sockets), ``client.contacts.get``
   versus a hand-written ``httpx`` GET with the same auth that checks the status and
   parses the same ``Contact`` model. Timed in interleaved chunks (CPU time of this
   process); the median chunk is reported.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import sys
import time
from typing import Any

import anyio
import httpx

from lexoffice_auth import ApiKeyAuth
from lexoffice_auth.api import Contact, LexofficeClient, RetryPolicy, TokenBucket
from lexoffice_auth.errors import RateLimited
from lexoffice_auth.testing import FakeLexoffice

CONCURRENCY = 100


async def achieved_rate(rate: float, seconds: float) -> dict[str, Any]:
    fake = FakeLexoffice(rate_limit=rate, rate_limit_capacity=2.0)
    contact_id = fake.add_contact(name="Bench GmbH", email="bench@example.com")
    completions: list[float] = []
    limited = 0
    async with fake.serve() as base_url:
        auth = ApiKeyAuth(fake.add_api_key(), api_origins=[base_url])
        async with LexofficeClient(
            auth, base_url=base_url, rate_limit=rate, retry=RetryPolicy.never()
        ) as client:

            async def worker() -> None:
                nonlocal limited
                while True:
                    try:
                        await client.contacts.get(contact_id)
                    except RateLimited:
                        limited += 1
                    else:
                        completions.append(time.monotonic())

            with anyio.move_on_after(seconds):
                async with anyio.create_task_group() as tg:
                    for _ in range(CONCURRENCY):
                        tg.start_soon(worker)
    span = completions[-1] - completions[0] if len(completions) > 1 else float("nan")
    achieved = (len(completions) - 1) / span if span else float("nan")
    return {
        "n": rate,
        "completed": len(completions),
        "rate": achieved,
        "ratio": achieved / rate,
        "429": limited,
        "server_calls": fake.calls["contacts:get"],
    }


CONTACT = (
    b'{"id":"be3e8c0a-0a5c-4a8e-9a8a-1a2b3c4d5e6f","organizationId":"aa93e8a8-2aa3-470b-b914-'
    b'caad8a255dd8","version":3,"roles":{"customer":{"number":10307}},"company":{"name":'
    b'"Bench GmbH","taxNumber":"12345/12345","vatRegistrationId":"DE123456789","allowTaxFree'
    b'Invoices":false,"contactPersons":[{"salutation":"Frau","firstName":"Inge","lastName":'
    b'"Musterfrau","primary":true,"emailAddress":"inge@example.com","phoneNumber":"08000/11111"'
    b'}]},"addresses":{"billing":[{"supplement":"Rechnungsadressenzusatz","street":"Hauptstr. 5'
    b'","zip":"12345","city":"Musterort","countryCode":"DE"}]},"emailAddresses":{"business":'
    b'["bench@example.com"]},"phoneNumbers":{"business":["08000/1231"]},"note":"Notizen",'
    b'"archived":false}'
)
URL = "https://api.lexware.io/v1/contacts/be3e8c0a-0a5c-4a8e-9a8a-1a2b3c4d5e6f"


def _answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=CONTACT, headers={"Content-Type": "application/json"})


async def per_call_cost(calls: int = 20_000, chunk: int = 1_000) -> dict[str, float]:
    auth = ApiKeyAuth("bench-key")
    http = httpx.AsyncClient(transport=httpx.MockTransport(_answer))
    unpaced = LexofficeClient(auth, http_client=http, rate_limit=None)
    paced = LexofficeClient(auth, http_client=http, limiter=TokenBucket(1e5, burst=1e5))
    contact_id = URL.rsplit("/", 1)[1]

    async def by_hand() -> Contact:
        response = await http.get(URL, auth=auth, headers={"Accept": "application/json"})
        response.raise_for_status()
        return Contact.model_validate_json(response.content)

    rows = {
        "hand-written httpx + model": by_hand,
        "LexofficeClient, pacing off": lambda: unpaced.contacts.get(contact_id),
        "LexofficeClient, bucket on": lambda: paced.contacts.get(contact_id),
    }
    times: dict[str, list[float]] = {name: [] for name in rows}
    for call in rows.values():  # warm up
        for _ in range(200):
            await call()
    gc.collect()
    for _ in range(calls // chunk):
        for name, call in rows.items():
            start = time.process_time()
            for _ in range(chunk):
                await call()
            times[name].append((time.process_time() - start) / chunk * 1e6)
    await http.aclose()
    return {name: statistics.median(values) for name, values in times.items()}


async def main() -> None:
    slow = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    fast = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    print(f"Pacing: {CONCURRENCY} concurrent tasks, sandbox served on 127.0.0.1, no retries")
    print(f"{'N':>4} {'completed':>10} {'req/s':>8} {'ratio':>6} {'429s':>5}")
    for rate, seconds in ((2.0, slow), (20.0, fast)):
        r = await achieved_rate(rate, seconds)
        line = f"{r['n']:>4.0f} {r['completed']:>10} {r['rate']:>8.3f} {r['ratio']:>6.3f}"
        print(f"{line} {r['429']:>5}")
    print()
    print("Per-call cost over httpx.MockTransport (CPU µs per call, median of 1,000-call chunks)")
    costs = await per_call_cost()
    base = costs["hand-written httpx + model"]
    for name, micros in costs.items():
        print(f"  {name:<30} {micros:8.1f} µs  ({micros / base:4.2f}x)")


if __name__ == "__main__":
    asyncio.run(main())
