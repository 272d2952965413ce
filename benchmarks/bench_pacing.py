"""The adaptive pacing against a server that allows half the client's rate (virtual time).

Run: ``python benchmarks/bench_pacing.py [seconds=300] [callers=20]`` after
``pip install -e ".[dev]"``. A second or two of real time.

The sandbox allows 1 request/second (a bucket of 2) while the client is set to 2/s;
``callers`` tasks call ``contacts.get`` in a loop for ``seconds`` of trio's virtual time
(the sandbox, the client's ``TokenBucket`` and the retries share that clock, so nothing
sleeps for real). Reported: the rate achieved after the first 10 s (as a share of the
1/s allowed), the 429s in all and when the last one came, and the bucket's final rate.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import httpx
import trio
import trio.testing

from lexoffice_auth import ApiKeyAuth
from lexoffice_auth.api import LexofficeClient, RetryPolicy, TokenBucket
from lexoffice_auth.testing import API_BASE_URL, FakeLexoffice

EPOCH = 1_760_000_000.0
ALLOWED = 1.0  # requests per second the sandbox accepts
CLIENT_RATE = 2.0  # what the client is set to (lexoffice's documented limit)


class _Recording(httpx.AsyncBaseTransport):
    """Passes requests on and notes (virtual time, status) of every answer."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.answers: list[tuple[float, int]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.answers.append((trio.current_time(), response.status_code))
        return response


def run(seconds: float, callers: int) -> dict[str, Any]:
    """One run; the answers' (time, status) and the bucket's final rate."""
    result: dict[str, Any] = {}

    async def main() -> None:
        clock = lambda: EPOCH + trio.current_time()  # noqa: E731
        fake = FakeLexoffice(
            api_base=API_BASE_URL, clock=clock, rate_limit=ALLOWED, rate_limit_capacity=2.0
        )
        key, contact = fake.add_api_key(), fake.add_contact(name="Acme AG")
        recording = _Recording(fake.transport())
        bucket = TokenBucket(CLIENT_RATE, clock=clock)
        retry = RetryPolicy(attempts=20, wait_jitter=0.0, wait_max=2.0, timeout=100_000)
        async with (
            httpx.AsyncClient(transport=recording) as http,
            LexofficeClient(ApiKeyAuth(key), http_client=http, limiter=bucket, retry=retry) as lx,
        ):

            async def caller() -> None:
                while trio.current_time() < seconds:
                    await lx.contacts.get(contact)

            async with trio.open_nursery() as nursery:
                for _ in range(callers):
                    nursery.start_soon(caller)
        result.update(answers=recording.answers, rate=bucket.current_rate)

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))
    return result


def main() -> None:
    """Print the figures of one run."""
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 300.0
    callers = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    logging.disable(logging.WARNING)  # each scheduled retry is logged; the figures suffice
    started = time.perf_counter()
    result = run(seconds, callers)
    wall = time.perf_counter() - started
    answers: list[tuple[float, int]] = result["answers"]
    ok_after_10 = [t for t, status in answers if status == 200 and 10 <= t < seconds]
    throttled = [t for t, status in answers if status == 429]
    achieved = len(ok_after_10) / (seconds - 10)
    print(
        f"Sandbox at {ALLOWED:g}/s, client at {CLIENT_RATE:g}/s, {callers} callers, "
        f"{seconds:g} s of virtual time ({wall:.1f} s real)"
    )
    print(
        f"  achieved after 10 s: {achieved:.3f}/s = {achieved / ALLOWED:.2f} of the allowed "
        f"rate (must be >= 0.9)"
    )
    last = f", the last at {max(throttled):.1f} s" if throttled else ""
    print(f"  429s: {len(throttled)} in all{last} (the count stops growing)")
    print(f"  bucket's rate at the end: {result['rate']:.3f}/s")


if __name__ == "__main__":
    main()
