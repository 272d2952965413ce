"""Issue 11 must-holds #1 and #12, through LexofficeAuth on asyncio and trio.

#1: a 1,000-request burst with an expired token refreshes exactly once, whatever the new
token's lifetime (0 s, 1 s, 30 s). #12: when the API revokes tokens twice within 10 s, a
burst of 100 requests after each revocation gets exactly one refresh and all 100 succeed.
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from lexoffice_auth.stores import MemoryTokenStore
from tests.support.fake_provider import FakeClock, FakeProvider
from tests.support.sources import make_auth

pytestmark = pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])


async def burst(http: Any, n: int) -> list[int]:
    statuses: list[int] = []

    async def call() -> None:
        statuses.append((await http.get("/v1/profile")).status_code)

    async with anyio.create_task_group() as tg:
        for _ in range(n):
            tg.start_soon(call)
    return statuses


@pytest.mark.parametrize("lifetime", [0, 1, 30])
async def test_a_1000_request_burst_refreshes_once_for_any_lifetime(lifetime: int) -> None:
    clock = FakeClock()
    provider = FakeProvider(clock, expires_in=lifetime, delay=0.01)
    store = MemoryTokenStore()
    await store.save("acme", provider.expired_tokens())
    auth = make_auth(provider.oauth(), "acme", store, clock=clock)
    async with provider.api_client(auth) as http:
        statuses = await burst(http, 1000)
    assert provider.calls == 1
    assert statuses == [200] * 1000
    assert set(provider.api_auth_headers) == {"Bearer at-1"}
    assert provider.stale_refresh_uses == []


async def test_two_revocations_within_10_seconds_each_cost_one_refresh() -> None:
    clock = FakeClock()
    provider = FakeProvider(clock, delay=0.01)
    store = MemoryTokenStore()
    await store.save("acme", provider.expired_tokens())
    auth = make_auth(provider.oauth(), "acme", store, clock=clock)
    async with provider.api_client(auth) as http:
        assert await burst(http, 100) == [200] * 100
        assert provider.calls == 1
        for revocation in (1, 2):
            clock.advance(3)  # both revocations within 10 s of the refreshes before them
            provider.valid_access = set()
            statuses = await burst(http, 100)
            assert statuses == [200] * 100, f"revocation {revocation}"
            assert provider.calls == 1 + revocation, f"revocation {revocation}"
    assert provider.stale_refresh_uses == []
