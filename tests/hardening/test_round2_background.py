"""Round 2, items 2 and 3: ``BackgroundRefresher`` on short lifetimes and before any request.

* Tokens that live 0 or 1 s once made it refresh in a loop (11,371 refreshes in 2 s): now
  a floor (``min_interval``) separates two refreshes of one account, failures back off,
  and tokens shorter than the refresh lead are reported once per account.
* Started before any request had loaded its sources (a lifespan hook), it never refreshed
  them: it now loads them itself.

All in virtual time (the sandbox and the SDK on the loop's clock).
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from typing import Any

import anyio
import pytest

from lexoffice_auth import AuthPool, BackgroundRefresher, LexofficeAuth, RefreshingTokenSource
from lexoffice_auth.errors import ConfigurationError
from lexoffice_auth.stores import MemoryTokenStore
from lexoffice_auth.testing import FakeLexoffice

from ..accounts.test_background import Events, spread_requests
from ..accounts.test_background import events as events  # the fixture, shared
from ..support.logins import log_in, oauth_for
from ..support.virtual_time import loop_clock, virtual_backend

both_backends = pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"], indirect=True)


@pytest.fixture
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    return virtual_backend(getattr(request, "param", "asyncio"))


@both_backends
@pytest.mark.parametrize("lifetime", [0, 1])
async def test_short_lifetimes_do_not_cause_a_refresh_storm(lifetime: int, events: Events) -> None:
    fake = FakeLexoffice(rate_limit=None, access_token_lifetime=lifetime, clock=loop_clock())
    async with fake.client() as http:
        oauth = oauth_for(fake, http)
        stop = anyio.CancelScope()

        def count(_: object) -> None:
            # A storm never lets virtual time move on: stop it here instead of hanging.
            if fake.token_calls["refresh_token"] > 20:
                stop.cancel()

        source = RefreshingTokenSource(
            oauth, "acme", MemoryTokenStore(), clock=fake.clock, on_token=count
        )
        await source.save(await log_in(fake, oauth))
        refresher = BackgroundRefresher([source])
        with stop:
            async with anyio.create_task_group() as tg:
                await tg.start(refresher.run)
                await anyio.sleep(2.0)
                tg.cancel_scope.cancel()
    # The floor of 1 s between two refreshes of one account: at most 0, 1 and 2 s.
    assert 1 <= fake.token_calls["refresh_token"] <= 3
    warnings = events.of("background.short_lifetime")
    assert len(warnings) == 1  # once per account, not per token
    assert warnings[0].levelno == logging.WARNING


@both_backends
async def test_a_refresh_that_keeps_failing_backs_off(events: Events) -> None:
    fake = FakeLexoffice(rate_limit=None, access_token_lifetime=0, clock=loop_clock())
    async with fake.client() as http:
        oauth = oauth_for(fake, http)
        source = RefreshingTokenSource(oauth, "acme", MemoryTokenStore(), clock=fake.clock)
        await source.save(await log_in(fake, oauth))
        fake.fail_next_token_requests(10_000, "500")
        refresher = BackgroundRefresher([source], random_source=lambda: 0.0)
        with anyio.move_on_after(60):
            async with anyio.create_task_group() as tg:
                await tg.start(refresher.run)
                await anyio.sleep(10.0)
                tg.cancel_scope.cancel()
    # Each failed refresh is three requests (the policy's two retries); the refresher
    # backs off between refreshes: a handful of rounds in 10 s, not thousands.
    assert 1 <= refresher.failures <= 6
    assert fake.token_calls["refresh_token"] <= 3 * (refresher.failures + 1)  # one under way


def test_min_interval_must_be_seconds() -> None:
    with pytest.raises(ConfigurationError):
        BackgroundRefresher(min_interval=-1)


@both_backends
async def test_started_before_the_first_request_it_loads_and_refreshes(events: Events) -> None:
    fake = FakeLexoffice(rate_limit=None, access_token_lifetime=2, clock=loop_clock())
    store = MemoryTokenStore()
    async with fake.client() as http:
        oauth = oauth_for(fake, http)
        await store.save("acme", await log_in(fake, oauth))  # logged in by another process
        source = RefreshingTokenSource(oauth, "acme", store, clock=fake.clock)
        assert source.current is None  # nothing loaded yet
        auth = LexofficeAuth(source, api_origins=[fake.api_base])
        refresher = BackgroundRefresher([source], lead_fraction=0.4)
        from lexoffice_auth.api import LexofficeClient

        client = LexofficeClient(auth, base_url=fake.api_base, http_client=http, rate_limit=None)
        async with anyio.create_task_group() as tg:
            await tg.start(refresher.run)  # at application start: before any request
            await anyio.sleep(0.5)
            statuses = await spread_requests(client, total=200, seconds=6)
            tg.cancel_scope.cancel()
    assert statuses == [200] * 200
    triggers = events.triggers()
    assert triggers["request"] == 0, triggers  # no request waited for a refresh
    assert triggers["background"] >= 3


@both_backends
async def test_an_account_not_logged_in_yet_is_picked_up_once_it_is(events: Events) -> None:
    fake = FakeLexoffice(rate_limit=None, access_token_lifetime=2, clock=loop_clock())
    store = MemoryTokenStore()
    async with fake.client() as http:
        oauth = oauth_for(fake, http)
        source = RefreshingTokenSource(oauth, "acme", store, clock=fake.clock)
        refresher = BackgroundRefresher([source], lead_fraction=0.4, max_wait=1.0)
        async with anyio.create_task_group() as tg:
            await tg.start(refresher.run)
            await anyio.sleep(3)  # nothing stored: looked at now and then, no error
            await store.save("acme", await log_in(fake, oauth))  # another process logs in
            await anyio.sleep(5)
            tg.cancel_scope.cancel()
    assert refresher.failures == 0
    assert fake.token_calls["refresh_token"] >= 2
    assert events.triggers()["background"] == fake.token_calls["refresh_token"]


@both_backends
async def test_1000_concurrent_requests_over_100_accounts_with_1_s_tokens(
    events: Events,
) -> None:
    fake = FakeLexoffice(rate_limit=None, access_token_lifetime=1, clock=loop_clock())
    accounts = [f"tenant:{i}" for i in range(100)]
    seconds = 3.0
    async with fake.client() as http:
        oauth = oauth_for(fake, http)
        store = MemoryTokenStore()
        pool = AuthPool(oauth, store, api_origins=[fake.api_base])
        for key in accounts:
            await store.save(key, await log_in(fake, oauth))
        connection: dict[str, str] = {}
        for key in accounts:
            response = await http.get(f"{fake.api_base}/v1/profile", auth=pool.get(key))
            connection[key] = response.json()["connectionId"]
        assert len(set(connection.values())) == 100
        fake.reset_counters()
        events.records.clear()
        refresher = BackgroundRefresher(pool)
        wrong: list[str] = []
        statuses: list[int] = []
        rng = random.Random(7)

        async def call(key: str, at: float) -> None:
            await anyio.sleep(at)
            response = await http.get(f"{fake.api_base}/v1/profile", auth=pool.get(key))
            statuses.append(response.status_code)
            if response.status_code == 200 and response.json()["connectionId"] != connection[key]:
                wrong.append(key)

        started = anyio.current_time()
        async with anyio.create_task_group() as tg:
            await tg.start(refresher.run)
            async with anyio.create_task_group() as requests:
                for n in range(1000):
                    requests.start_soon(call, accounts[n % 100], rng.uniform(0, seconds))
            elapsed = anyio.current_time() - started
            tg.cancel_scope.cancel()
    assert statuses == [200] * 1000
    assert wrong == []  # never another account's token
    started_refreshes = events.of("refresh.started")
    per_account = Counter(r.account_key for r in started_refreshes)  # type: ignore[attr-defined]
    assert sum(per_account.values()) == fake.token_calls["refresh_token"]
    lifetimes = elapsed / 1.0  # 1 s tokens
    assert max(per_account.values()) <= lifetimes + 1, (elapsed, per_account.most_common(3))
