"""``api/_pacing.py``: the client-side token bucket, in process and through Redis, and how it
adapts to a server that allows less."""

from __future__ import annotations

import itertools
import logging
import time
import uuid

import anyio
import httpx
import pytest
import trio
import trio.testing

from lexoffice_auth import ApiKeyAuth
from lexoffice_auth.api import LexofficeClient, RedisRateLimiter, RetryPolicy, TokenBucket
from lexoffice_auth.errors import ConfigurationError, Conflict, NetworkError, RateLimited
from lexoffice_auth.testing import API_BASE_URL, FakeLexoffice

from ..support.redis_server import RedisServer, redis_server_fixture  # noqa: F401
from ..support.virtual_time import loop_clock, virtual_backend


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_reservations_are_spaced_by_the_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(4.0, clock=clock)
    assert [round(bucket.reserve()[0], 3) for _ in range(4)] == [0.0, 0.25, 0.5, 0.75]
    clock.now += 10  # idle time does not pile up beyond the burst
    assert bucket.reserve()[0] == 0.0 and bucket.reserve()[0] == 0.25


def test_burst_allows_that_many_at_once() -> None:
    bucket = TokenBucket(2.0, burst=3, clock=Clock())
    assert [bucket.reserve()[0] for _ in range(4)] == [0.0, 0.0, 0.0, 0.5]


def test_the_gate_holds_a_request_that_comes_too_soon() -> None:
    clock = Clock()
    bucket = TokenBucket(10.0, clock=clock)
    assert bucket.take() == 0.0
    clock.now += 0.04
    assert bucket.take() == pytest.approx(0.06)
    clock.now += 0.06
    assert bucket.take() == 0.0


@pytest.mark.parametrize("bad", [0, -1, float("nan"), "2", True])
def test_bad_rates_are_refused(bad: object) -> None:
    with pytest.raises(ConfigurationError):
        TokenBucket(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_waiting_does_not_block_the_loop_and_can_be_cancelled() -> None:
    bucket = TokenBucket(1.0)
    await bucket.acquire()  # the one free token
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await anyio.sleep(0.01)

    async with anyio.create_task_group() as tg:
        tg.start_soon(ticker)
        with anyio.move_on_after(0.3):
            await bucket.acquire()  # would wait about 1 s
        tg.cancel_scope.cancel()
    assert ticks >= 10
    # The cancelled waiter gave its slot back: the next one waits ~1 s, not ~2 s.
    assert bucket.reserve()[0] < 1.0


@pytest.mark.parametrize(
    "anyio_backend", [virtual_backend("asyncio"), virtual_backend("trio")], ids=["asyncio", "trio"]
)
async def test_one_bucket_shared_by_two_clients_paces_both() -> None:
    # Virtual time: the bucket, the sandbox's limiter and the test read the loop's clock.
    fake = FakeLexoffice(rate_limit=10.0, rate_limit_capacity=2.0, clock=loop_clock())
    cid = fake.add_contact(name="Geteilt GmbH")
    auth = ApiKeyAuth(fake.add_api_key(), api_origins=[fake.api_base])
    shared = TokenBucket(10.0, clock=anyio.current_time)
    clients = [
        LexofficeClient(
            auth,
            base_url=fake.api_base,
            http_client=httpx.AsyncClient(transport=fake.transport()),
            limiter=shared,
            retry=RetryPolicy.never(),  # a single 429 fails the test
        )
        for _ in range(2)
    ]
    start = anyio.current_time()
    async with anyio.create_task_group() as tg:
        for i in range(20):
            tg.start_soon(clients[i % 2].contacts.get, cid)
    assert anyio.current_time() - start == pytest.approx(1.9, abs=0.05)  # 20 at 10/s, 1 free
    assert fake.calls["contacts:get"] == 20


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_redis_limiter_paces_several_limiters_on_one_key(redis_server: RedisServer) -> None:
    key = uuid.uuid4().hex
    limiters = [RedisRateLimiter(redis_server.url, key=key, rate=20.0) for _ in range(3)]
    sent: list[float] = []

    async def one(limiter: RedisRateLimiter) -> None:
        await limiter.acquire()
        sent.append(time.monotonic())

    start = time.monotonic()
    async with anyio.create_task_group() as tg:
        for i in range(30):
            tg.start_soon(one, limiters[i % 3])
    elapsed = time.monotonic() - start
    for limiter in limiters:
        limiter.close()
    assert 1.4 <= elapsed < 3.0  # 30 at 20/s, the first one free
    sent.sort()
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert min(gaps) >= 0.035  # never two at once, across the three limiters


def test_redis_limiter_errors_are_typed() -> None:
    with pytest.raises(ConfigurationError, match="exactly one"):
        RedisRateLimiter(key="k")
    limiter = RedisRateLimiter("redis://127.0.0.1:1/0", key="k")
    with pytest.raises(NetworkError, match="Redis server failed"):
        anyio.run(limiter.acquire)


async def test_redis_schedule_outlives_the_key_expiry_of_an_idle_bucket(
    redis_server: RedisServer,
) -> None:
    """Slots reserved far ahead keep the key alive until the last one (no reset to a burst)."""
    import redis as redis_module

    key = uuid.uuid4().hex
    limiter = RedisRateLimiter(redis_server.url, key=key, rate=0.5)
    try:
        waits = [limiter._reserve() for _ in range(3)]  # 0 s, 2 s, 4 s ahead
        assert waits == pytest.approx([0.0, 2.0, 4.0], abs=0.05)
        ttl = redis_module.Redis.from_url(redis_server.url).pttl("lexoffice-auth:rate:" + key)
        assert ttl > 6000  # the last slot ends 6 s from now, plus the extra lifetime
    finally:
        limiter.close()


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_redis_limiter_for_a_token_store_uses_the_stores_server(
    redis_server: RedisServer,
) -> None:
    from lexoffice_auth.stores import MemoryTokenStore, RedisTokenStore

    store = RedisTokenStore(url=redis_server.url)
    limiter = RedisRateLimiter.for_store(store, key="store-shared", rate=20.0)
    assert limiter._client is store.client  # one connection pool for tokens and pacing
    await limiter.acquire()
    assert store.client.exists("lexoffice-auth:rate:store-shared")
    await store.aclose()
    with pytest.raises(ConfigurationError, match="RedisTokenStore"):
        RedisRateLimiter.for_store(MemoryTokenStore(), key="x")


@pytest.mark.parametrize(
    ("value", "gate"),
    [
        (b"not a number", None),  # a corrupted schedule
        (b"99999999999999999", None),  # a schedule squatted far into the future
        (None, {"tokens": "-1e30", "updated": "0"}),  # a gate that would never refill
        (None, {"tokens": "junk", "updated": "also junk"}),
    ],
)
def test_redis_limiter_starts_an_unusable_key_afresh_and_logs_it(
    redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture,
    value: bytes | None,
    gate: dict[str, str] | None,
) -> None:
    import redis

    key = uuid.uuid4().hex
    limiter = RedisRateLimiter(redis_server.url, key=key, rate=20.0, max_wait=5.0)
    raw = redis.Redis.from_url(redis_server.url)
    if value is not None:
        raw.set(f"lexoffice-auth:rate:{key}", value)
    if gate is not None:
        raw.hset(f"lexoffice-auth:rate:{key}:gate", mapping=gate)
    with caplog.at_level(logging.WARNING, logger="lexoffice_auth"):
        start = time.monotonic()
        anyio.run(limiter.acquire)
        assert time.monotonic() - start < 1.0  # no endless wait on what the key held
    assert "unusable value" in caplog.text
    limiter.close()
    raw.close()


def test_redis_limiter_never_waits_past_max_wait(redis_server: RedisServer) -> None:
    key = uuid.uuid4().hex
    limiter = RedisRateLimiter(redis_server.url, key=key, rate=2.0, max_wait=1.2)

    async def crowd() -> list[BaseException | None]:
        outcomes: list[BaseException | None] = []

        async def one() -> None:
            try:
                await limiter.acquire()
                outcomes.append(None)
            except RateLimited as exc:
                outcomes.append(exc)

        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                for _ in range(6):
                    tg.start_soon(one)
        return outcomes

    outcomes = anyio.run(crowd)
    limiter.close()
    refused = [o for o in outcomes if o is not None]
    assert len(outcomes) == 6 and len(refused) == 3  # at 2/s the last three would wait > 1.2 s
    assert all("max_wait=1.2" in str(e) for e in refused)
    with pytest.raises(ConfigurationError, match="max_wait"):
        RedisRateLimiter(redis_server.url, key=key, max_wait=0)


EPOCH = 1_760_000_000.0


class Recording(httpx.AsyncBaseTransport):
    """Passes requests on and notes (virtual time, status) of every answer."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.answers: list[tuple[float, int]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.answers.append((trio.current_time(), response.status_code))
        return response


def run_virtual(main: object) -> None:
    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))  # type: ignore[arg-type]


def test_a_server_allowing_half_the_rate_is_matched_and_the_429s_stop() -> None:
    """Client at 2/s, sandbox at 1/s, 20 concurrent callers, 120 s of virtual time."""
    result: dict[str, object] = {}

    async def main() -> None:
        clock = lambda: EPOCH + trio.current_time()  # noqa: E731
        fake = FakeLexoffice(
            api_base=API_BASE_URL, clock=clock, rate_limit=1.0, rate_limit_capacity=2.0
        )
        key, contact = fake.add_api_key(), fake.add_contact(name="Acme AG")
        recording = Recording(fake.transport())
        bucket = TokenBucket(2.0, clock=clock)
        retry = RetryPolicy(attempts=20, wait_jitter=0.0, wait_max=2.0, timeout=10_000)
        async with (
            httpx.AsyncClient(transport=recording) as http,
            LexofficeClient(ApiKeyAuth(key), http_client=http, limiter=bucket, retry=retry) as lx,
        ):

            async def caller() -> None:
                while trio.current_time() < 120:
                    await lx.contacts.get(contact)

            async with trio.open_nursery() as nursery:
                for _ in range(20):
                    nursery.start_soon(caller)
        result.update(answers=recording.answers, rate=bucket.current_rate)

    run_virtual(main)
    answers = result["answers"]
    assert isinstance(answers, list)
    ok_after_10 = [t for t, status in answers if status == 200 and 10 <= t < 120]
    throttled = [t for t, status in answers if status == 429]
    achieved = len(ok_after_10) / 110
    assert achieved >= 0.9, achieved  # at least 0.9 of the 1/s the server allows
    assert throttled, "the server must have refused some requests at first"
    assert max(throttled) < 30, throttled  # then the 429 count stops growing
    assert 0.9 <= float(result["rate"]) <= 1.0  # type: ignore[arg-type]


def test_the_bucket_creeps_back_after_five_calm_minutes() -> None:
    now = [0.0]
    bucket = TokenBucket(2.0, clock=lambda: now[0])
    for _ in range(10):  # ten seconds of one accepted request a second
        bucket.feedback(False)
        now[0] += 1.0
    bucket.feedback(True)
    cut = bucket.current_rate
    assert cut == pytest.approx(0.95)  # just below the 1/s the server accepted
    bucket.feedback(True)  # the same burst of 429s: no second cut
    assert bucket.current_rate == cut
    now[0] += 299
    bucket.feedback(False)
    assert bucket.current_rate == cut  # not calm long enough yet
    now[0] += 2
    bucket.feedback(False)
    assert bucket.current_rate == pytest.approx(cut + 0.02)  # +1 % of the configured rate
    for _ in range(200):
        bucket.feedback(False)
    assert bucket.current_rate == 2.0  # never above the configured rate


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (500, b'{"message":"Rate limit exceeded. Please try again later."}', RateLimited),
        (
            406,
            b'{"IssueList":[{"i18nKey":"invalid_value","source":"version","type":"conflict"}]}',
            Conflict,
        ),
    ],
)
def test_live_quirks_map_to_the_documented_errors(
    status: int, body: bytes, error: type[Exception]
) -> None:
    from lexoffice_auth.api._errors import error_from_response

    found = error_from_response("PUT", "/v1/contacts/x", status, {}, body)
    assert type(found) is error


def test_a_missing_version_is_still_a_validation_error() -> None:
    from lexoffice_auth.api._errors import error_from_response
    from lexoffice_auth.errors import ValidationFailed

    body = b'{"IssueList":[{"i18nKey":"missing_entity","source":"version"}]}'
    assert type(error_from_response("POST", "/v1/contacts", 406, {}, body)) is ValidationFailed
