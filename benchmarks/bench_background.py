"""The longest time a request spends in the auth step, with and without background refresh.

Run: ``python benchmarks/bench_background.py [--lifetime 2] [--requests 1000] [--backend
asyncio|trio]``. One account logs in to the sandbox (``FakeLexoffice``, no rate limit,
access tokens living ``--lifetime`` seconds, a ticking clock), then ``--requests`` calls of
``GET /v1/ping`` through ``LexofficeClient`` are spread evenly over three token lifetimes
by ten tasks. Each call's ``authorize`` is timed. Without background refresh the requests
that find the token due refresh it themselves (and the others wait for that); with a
``BackgroundRefresher`` in the same task group the token is refreshed before it is due.
Prints the longest and the 99th-percentile auth wait and who started the refreshes.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections import Counter

import anyio
import httpx

from lexoffice_auth import (
    BackgroundRefresher,
    LexofficeAuth,
    OAuthClient,
    RefreshingTokenSource,
)
from lexoffice_auth.api import LexofficeClient
from lexoffice_auth.stores import MemoryTokenStore
from lexoffice_auth.testing import FakeLexoffice


class Triggers(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "lexoffice_event", None) == "refresh.started":
            self.counts[getattr(record, "trigger", "?")] += 1


class TimedSource:
    def __init__(self, source: RefreshingTokenSource) -> None:
        self.source = source
        self.waits: list[float] = []

    async def authorize(self, request: httpx.Request) -> None:
        started = time.perf_counter()
        await self.source.authorize(request)
        self.waits.append(time.perf_counter() - started)

    async def rejected(self, request: httpx.Request, response: httpx.Response) -> bool:
        return await self.source.rejected(request, response)


async def run(background: bool, lifetime: int, total: int) -> tuple[list[float], Counter[str]]:
    triggers = Triggers()
    logger = logging.getLogger("lexoffice_auth")
    logger.addHandler(triggers)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    fake = FakeLexoffice(rate_limit=None, access_token_lifetime=lifetime)
    try:
        async with fake.client() as http:
            oauth = OAuthClient(
                "sandbox-client",
                "http://127.0.0.1:8400/callback",
                issuer=fake.issuer,
                http_client=http,
                clock=fake.clock,
                scopes=("openid", "profile"),
            )
            pending = await oauth.start_login()
            tokens = await oauth.complete_login(fake.approve(pending.authorization_url), pending)
            source = RefreshingTokenSource(oauth, "acme", MemoryTokenStore(), clock=fake.clock)
            await source.save(tokens)
            timed = TimedSource(source)
            client = LexofficeClient(
                LexofficeAuth(timed, api_origins=[fake.api_base]),
                base_url=fake.api_base,
                http_client=http,
                rate_limit=None,
            )
            workers = 10
            per_worker = total // workers
            interval = 3 * lifetime / per_worker

            async def worker(offset: float) -> None:
                await anyio.sleep(offset)
                for _ in range(per_worker):
                    response = await client.request("GET", "/v1/ping")
                    assert response.status_code == 200
                    await anyio.sleep(interval)

            async with anyio.create_task_group() as tg:
                if background:
                    await tg.start(BackgroundRefresher([source], lead_fraction=0.4).run)
                async with anyio.create_task_group() as load:
                    for n in range(workers):
                        load.start_soon(worker, n * interval / workers)
                tg.cancel_scope.cancel()
    finally:
        logger.removeHandler(triggers)
    return timed.waits, triggers.counts


def report(label: str, waits: list[float], triggers: Counter[str]) -> None:
    ordered = sorted(waits)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    print(
        f"{label:<28} requests={len(waits):>5}  longest auth wait={max(waits) * 1000:8.3f} ms  "
        f"p99={p99 * 1000:7.3f} ms  refreshes started by requests={triggers['request']}, "
        f"by the background={triggers['background']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lifetime", type=int, default=2, help="access token lifetime (s)")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--backend", default="asyncio", choices=["asyncio", "trio"])
    args = parser.parse_args()
    print(
        f"{args.requests} requests over 3 token lifetimes of {args.lifetime} s "
        f"({args.backend}, sandbox over MockTransport, no rate limit)"
    )
    for background in (False, True):
        waits, triggers = anyio.run(
            run, background, args.lifetime, args.requests, backend=args.backend
        )
        report("with background refresh" if background else "without", waits, triggers)


if __name__ == "__main__":
    main()
