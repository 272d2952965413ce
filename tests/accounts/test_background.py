"""Background refresh: requests never wait for a refresh; one refresh across workers."""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from typing import Any

import anyio
import httpx
import pytest

from lexoffice_auth import BackgroundRefresher, LexofficeAuth, RefreshingTokenSource
from lexoffice_auth.api import LexofficeClient
from lexoffice_auth.errors import ConfigurationError
from lexoffice_auth.stores import MemoryTokenStore
from lexoffice_auth.testing import FakeLexoffice

from ..support.logins import log_in, oauth_for
from ..support.sources import make_source
from ..support.virtual_time import loop_clock, virtual_backend

# Tokens that live 2 s, refreshers that wake before they expire, requests spread over
# seconds: all of it in virtual time (the sandbox and the SDK share the loop's clock), so
# the waits take no wall time and the order of events is the one real time would give.
both_backends = pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"], indirect=True)


@pytest.fixture
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    return virtual_backend(getattr(request, "param", "asyncio"))


class Events(logging.Handler):
    """Collects the ``lexoffice_auth`` logger's event records."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def of(self, event: str) -> list[logging.LogRecord]:
        return [r for r in self.records if getattr(r, "lexoffice_event", None) == event]

    def triggers(self, event: str = "refresh.started") -> Counter[str]:
        return Counter(r.trigger for r in self.of(event))  # type: ignore[attr-defined]


@pytest.fixture
def events() -> Any:
    handler = Events()
    logger = logging.getLogger("lexoffice_auth")
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(old)


class TimedSource:
    """A token source that measures how long each ``authorize`` took."""

    def __init__(self, source: RefreshingTokenSource) -> None:
        self.source = source
        self.waits: list[float] = []

    async def authorize(self, request: httpx.Request) -> None:
        started = time.perf_counter()
        await self.source.authorize(request)
        self.waits.append(time.perf_counter() - started)

    async def rejected(self, request: httpx.Request, response: httpx.Response) -> bool:
        return await self.source.rejected(request, response)


async def spread_requests(
    client: LexofficeClient, *, total: int, seconds: float, workers: int = 10
) -> list[int]:
    """``total`` GET /v1/ping spread evenly over ``seconds`` by ``workers`` tasks."""
    statuses: list[int] = []
    per_worker = total // workers
    interval = seconds / per_worker

    async def worker(offset: float) -> None:
        await anyio.sleep(offset)
        for _ in range(per_worker):
            statuses.append((await client.request("GET", "/v1/ping")).status_code)
            await anyio.sleep(interval)

    async with anyio.create_task_group() as tg:
        for n in range(workers):
            tg.start_soon(worker, n * interval / workers)
    return statuses


async def run(background: bool, *, lifetime: int, total: int) -> tuple[TimedSource, Any, Any]:
    fake = FakeLexoffice(rate_limit=None, access_token_lifetime=lifetime, clock=loop_clock())
    async with fake.client() as http:
        oauth = oauth_for(fake, http)
        source = make_source(oauth, "acme", MemoryTokenStore(), clock=fake.clock)
        await source.save(await log_in(fake, oauth))
        timed = TimedSource(source)
        auth = LexofficeAuth(timed, api_origins=[fake.api_base])
        client = LexofficeClient(auth, base_url=fake.api_base, http_client=http, rate_limit=None)
        refresher = BackgroundRefresher([source], lead_fraction=0.4)
        async with anyio.create_task_group() as tg:
            if background:
                await tg.start(refresher.run)
            statuses = await spread_requests(client, total=total, seconds=3 * lifetime)
            tg.cancel_scope.cancel()
    assert statuses == [200] * total
    return timed, fake, refresher


@both_backends
async def test_with_background_refresh_1000_requests_over_three_lifetimes_wait_for_none(
    events: Events,
) -> None:
    timed, fake, refresher = await run(True, lifetime=2, total=1000)
    triggers = events.triggers()
    # Not one refresh was started by a request: every one came from the background.
    assert triggers["request"] == 0, triggers
    assert triggers["background"] >= 3
    assert fake.token_calls["refresh_token"] == triggers["background"]
    # A refresh under way when the group was cancelled is seen through but not counted.
    assert refresher.refreshes in (triggers["background"], triggers["background"] - 1)
    assert len(timed.waits) == 1000
    assert refresher.failures == 0
    # For the record (timing is not asserted on a shared machine): the longest auth wait.
    print(f"longest auth wait with background refresh: {max(timed.waits) * 1000:.3f} ms")


async def test_without_background_refresh_requests_do_wait_for_refreshes(
    events: Events,
) -> None:
    _, fake, _ = await run(False, lifetime=1, total=200)
    triggers = events.triggers()
    assert triggers["background"] == 0
    assert triggers["request"] >= 2
    # Every refresh was a request's: before it (due) or after a 401 (a token that expired
    # while its request was in flight, which virtual time makes as likely as real time can).
    assert set(triggers) <= {"request", "rejected"}, triggers
    assert fake.token_calls["refresh_token"] == sum(triggers.values())


@both_backends
async def test_two_workers_with_background_refresh_share_one_refresh_per_token(
    events: Events,
) -> None:
    fake = FakeLexoffice(rate_limit=None, access_token_lifetime=2, clock=loop_clock())
    store = MemoryTokenStore()
    async with fake.client() as http:
        oauth = oauth_for(fake, http)
        workers = [make_source(oauth, "acme", store, clock=fake.clock) for _ in range(2)]
        await workers[0].save(await log_in(fake, oauth))
        for worker in workers:
            await worker.access_token()
        # Both refreshers wake at the same moment (no jitter): the store lock decides.
        refreshers = [BackgroundRefresher([w], lead_fraction=0.4, jitter=0) for w in workers]
        clients = [
            LexofficeClient(
                LexofficeAuth(w, api_origins=[fake.api_base]),
                base_url=fake.api_base,
                http_client=http,
                rate_limit=None,
            )
            for w in workers
        ]
        async with anyio.create_task_group() as tg:
            for refresher in refreshers:
                await tg.start(refresher.run)
            statuses: list[int] = []

            async def load(client: LexofficeClient) -> None:
                statuses.extend(await spread_requests(client, total=200, seconds=6))

            async with anyio.create_task_group() as requests:
                for client in clients:
                    requests.start_soon(load, client)
            tg.cancel_scope.cancel()
    # A rotated refresh token used twice would have revoked the grant (invalid_grant),
    # and every later request would have failed.
    assert statuses == [200] * 400
    refreshed = fake.token_calls["refresh_token"]
    # Tokens live 2 s and are refreshed 1.3 s early: one refresh per 0.7 s over 6 s, not two.
    assert 6 <= refreshed <= 10
    assert len(events.of("refresh.started")) == len(events.of("refresh.succeeded")) == refreshed
    assert events.triggers()["request"] == 0
    # Both refreshers acted each time; all but one of each pair adopted the other's tokens.
    assert sum(r.refreshes for r in refreshers) > refreshed
    assert workers[0].current == workers[1].current


@both_backends
async def test_a_failing_refresh_backs_off_and_then_succeeds(events: Events) -> None:
    fake = FakeLexoffice(rate_limit=None, access_token_lifetime=3, clock=loop_clock())
    async with fake.client() as http:
        oauth = oauth_for(fake, http)
        source = make_source(
            oauth, "acme", MemoryTokenStore(), clock=fake.clock, retries=0, backoff=0.4
        )
        await source.save(await log_in(fake, oauth))
        first = source.current
        fake.fail_next_token_requests(2, "500")
        refresher = BackgroundRefresher([source], lead_fraction=0.6, random_source=lambda: 0.0)
        async with anyio.create_task_group() as tg:
            await tg.start(refresher.run)
            with anyio.fail_after(10):
                while source.current is first:  # noqa: ASYNC110 - polling a plain attribute
                    await anyio.sleep(0.02)
            tg.cancel_scope.cancel()
    failed = events.of("background.failed")
    # Exponential backoff from the source's policy (jitter pinned to its low end).
    assert [r.retry_in_s for r in failed] == [0.2, 0.4]  # type: ignore[attr-defined]
    assert refresher.failures == 2 and refresher.refreshes == 1
    assert fake.token_calls["refresh_token"] == 3
    assert events.triggers()["request"] == 0


@both_backends
async def test_an_account_that_must_log_in_again_is_left_alone(events: Events) -> None:
    fake = FakeLexoffice(rate_limit=None, access_token_lifetime=2, clock=loop_clock())
    async with fake.client() as http:
        oauth = oauth_for(fake, http)
        source = make_source(oauth, "acme", MemoryTokenStore(), clock=fake.clock)
        await source.save(await log_in(fake, oauth))
        fake.revoke_all()
        refresher = BackgroundRefresher([source], lead_fraction=0.6, max_wait=0.05)
        async with anyio.create_task_group() as tg:
            await tg.start(refresher.run)
            await anyio.sleep(2.5)
            tg.cancel_scope.cancel()
    assert fake.token_calls["refresh_token"] == 1  # invalid_grant once, never again
    assert refresher.failures == 1
    assert refresher.due_at(source) == math.inf


@both_backends
async def test_cancelling_the_task_group_stops_the_refresher_at_once() -> None:
    fake = FakeLexoffice(rate_limit=None, clock=loop_clock())
    async with fake.client() as http:
        oauth = oauth_for(fake, http)
        source = make_source(oauth, "acme", MemoryTokenStore(), clock=fake.clock)
        await source.save(await log_in(fake, oauth))
        refresher = BackgroundRefresher([source])
        started = time.perf_counter()
        with anyio.fail_after(2):
            async with anyio.create_task_group() as tg:
                await tg.start(refresher.run)
                await anyio.sleep(0.05)
                tg.cancel_scope.cancel()
        assert time.perf_counter() - started < 2
        assert fake.token_calls["refresh_token"] == 0  # a one-hour token is not due yet


@both_backends
async def test_a_pool_s_cached_accounts_are_refreshed_in_the_background(events: Events) -> None:
    from lexoffice_auth import AuthPool

    fake = FakeLexoffice(rate_limit=None, access_token_lifetime=2, clock=loop_clock())
    async with fake.client() as http:
        oauth = oauth_for(fake, http)
        pool = AuthPool(oauth, MemoryTokenStore(), api_origins=[fake.api_base])
        for key in ("a", "b", "c"):
            await pool.get(key).source.save(await log_in(fake, oauth))
        refresher = BackgroundRefresher(pool, lead_fraction=0.4, max_wait=0.1)
        async with anyio.create_task_group() as tg:
            await tg.start(refresher.run)
            await anyio.sleep(2.2)
            tg.cancel_scope.cancel()
    per_account = Counter(r.account_key for r in events.of("refresh.succeeded"))  # type: ignore[attr-defined]
    assert per_account == {"a": 1, "b": 1, "c": 1} or min(per_account.values()) >= 1
    assert set(per_account) == {"a", "b", "c"}
    assert events.triggers()["request"] == 0


def test_bad_arguments_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError):
        BackgroundRefresher(lead_fraction=2)
    with pytest.raises(ConfigurationError):
        BackgroundRefresher(concurrency=0)
    with pytest.raises(ConfigurationError):
        BackgroundRefresher([object()])  # type: ignore[list-item]
