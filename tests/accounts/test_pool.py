"""AuthPool: one auth per account key, per-request cheap, bounded, nothing leaks."""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import anyio
import pytest

from lexoffice_auth import AuthPool, LexofficeAuth, RefreshingTokenSource, TokenSet
from lexoffice_auth.errors import ConfigurationError
from lexoffice_auth.stores import MemoryTokenStore
from lexoffice_auth.testing import FakeClock, FakeLexoffice

from ..support.logins import log_in, oauth_for


class NoRefresh:
    """A refresher that must not be called (the pool's get() does no I/O)."""

    async def refresh(self, token_set: TokenSet) -> TokenSet:
        raise AssertionError("get() must not refresh")


class Timer:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_get_returns_the_same_auth_while_it_is_cached() -> None:
    store = MemoryTokenStore()
    pool = AuthPool(NoRefresh(), store, api_origins=["https://api.example"])
    auth = pool.get("acme")
    assert isinstance(auth, LexofficeAuth)
    assert isinstance(auth.source, RefreshingTokenSource)
    assert pool.get("acme") is auth
    assert pool.get("other") is not auth
    assert auth.source.account_key == "acme" and auth.source.store is store
    assert auth.api_origins == ("https://api.example",) == pool.api_origins
    assert "acme" in pool and len(pool) == 2
    assert pool.discard("acme") is True and pool.discard("acme") is False
    assert pool.get("acme") is not auth
    pool.clear()
    assert len(pool) == 0
    assert "accounts=0" in repr(pool)


def test_the_least_recently_used_account_is_dropped_first() -> None:
    pool = AuthPool(NoRefresh(), max_size=3)
    a = pool.get("a")
    pool.get("b")
    pool.get("c")
    assert pool.get("a") is a  # a is now the most recent
    pool.get("d")
    assert "b" not in pool
    assert sorted(k for k in "abcd" if k in pool) == ["a", "c", "d"]
    assert pool.get("a") is a


def test_idle_accounts_are_dropped_on_a_later_get() -> None:
    timer = Timer()
    pool = AuthPool(NoRefresh(), max_idle=60, timer=timer)
    a = pool.get("a")
    timer.now += 30
    pool.get("b")
    timer.now += 30
    assert pool.get("a") is a  # used 60 s ago: not yet idle
    timer.now += 45
    pool.get("c")  # b was last used 75 s ago
    assert "b" not in pool and "a" in pool
    timer.now += 61
    pool.get("c")
    assert len(pool) == 1


def live_sources() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is RefreshingTokenSource)


def test_memory_is_bounded_with_10000_account_keys_and_nothing_leaks() -> None:
    pool = AuthPool(NoRefresh(), max_size=500)
    baseline = live_sources()
    first = weakref.ref(pool.get("account-0").source)
    for i in range(10_000):
        pool.get(f"account-{i}")
    assert len(pool) == 500
    assert live_sources() - baseline == 500
    assert first() is None  # a dropped source is really gone
    # Once the pool is full, more accounts through it cost (next to) nothing more.
    tracemalloc.start()
    try:
        for i in range(10_000, 10_500):
            pool.get(f"account-{i}")
        gc.collect()
        before, _ = tracemalloc.get_traced_memory()
        for i in range(10_500, 12_500):
            pool.get(f"account-{i}")
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert after - before < 16 * 1024, (before, after)
    assert live_sources() - baseline == 500
    pool.clear()
    assert live_sources() == baseline


def test_bad_arguments_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="max_size"):
        AuthPool(NoRefresh(), max_size=0)
    with pytest.raises(ConfigurationError, match="max_idle"):
        AuthPool(NoRefresh(), max_idle=0)
    with pytest.raises(ConfigurationError, match="TokenStore"):
        AuthPool(NoRefresh(), store=object())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="refresh"):
        AuthPool(object())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="origin"):
        AuthPool(NoRefresh(), api_origins=["http://api.example"])
    with pytest.raises(ConfigurationError, match="account_key"):
        AuthPool(NoRefresh()).get("")


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_many_accounts_many_requests_one_refresh_each() -> None:
    clock = FakeClock(start=1_800_000_000.0, ticking=False)
    fake = FakeLexoffice(clock=clock, rate_limit=None, access_token_lifetime=300)
    accounts = [f"tenant-{i}" for i in range(8)]
    async with fake.client() as http:
        oauth = oauth_for(fake, http)
        pool = AuthPool(oauth, MemoryTokenStore(), api_origins=[fake.api_base], max_size=4)
        for key in accounts:
            await pool.get(key).source.save(await log_in(fake, oauth))
        clock.advance(400)  # every access token has expired
        fake.reset_counters()
        statuses: list[int] = []

        async def call(key: str) -> None:
            response = await http.get(f"{fake.api_base}/v1/ping", auth=pool.get(key))
            statuses.append(response.status_code)

        async with anyio.create_task_group() as tg:
            for _ in range(10):
                for key in accounts:
                    tg.start_soon(call, key)
    assert statuses == [200] * 80
    # The pool holds 4 of the 8 accounts, so some auths were rebuilt mid-burst: the
    # store's lock and re-read still make it one refresh per account.
    assert fake.token_calls == {"refresh_token": len(accounts)}
    assert len(pool) == 4
