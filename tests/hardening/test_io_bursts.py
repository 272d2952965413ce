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
from tests.support.refresh_sandbox import (
    api_client,
    bearers,
    frozen_clock,
    login_tokens,
    oauth_client,
    refresh_sandbox,
)
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


# The lifetime the token response states (``expires_in``, whole seconds). For "0" the
# sandbox's tokens live 1 ms, which it reports as 0 and the frozen clock never reaches: the
# provider says the new token is already due, yet the API takes it.
@pytest.mark.parametrize(
    ("lifetime", "stated"), [(0.001, 0), (1, 1), (30, 30)], ids=["0", "1", "30"]
)
async def test_a_1000_request_burst_refreshes_once_for_any_lifetime(
    lifetime: float, stated: int
) -> None:
    clock = frozen_clock()
    fake = refresh_sandbox(clock, access_token_lifetime=lifetime, token_delay=0.01)
    store = MemoryTokenStore()
    await store.save("acme", login_tokens(fake, expired=True))
    auth = make_auth(oauth_client(fake), "acme", store, clock=clock)
    async with api_client(fake, auth) as http:
        statuses = await burst(http, 1000)
    current = auth.source.current
    assert current is not None and current.expires_at == clock() + stated
    assert fake.calls["token"] == 1
    assert statuses == [200] * 1000
    assert set(bearers(fake)) == {"Bearer at-1"}
    assert fake.reused_refresh_tokens == []


async def test_two_revocations_within_10_seconds_each_cost_one_refresh() -> None:
    clock = frozen_clock()
    fake = refresh_sandbox(clock, token_delay=0.01)
    store = MemoryTokenStore()
    await store.save("acme", login_tokens(fake, expired=True))
    auth = make_auth(oauth_client(fake), "acme", store, clock=clock)
    async with api_client(fake, auth) as http:
        assert await burst(http, 100) == [200] * 100
        assert fake.calls["token"] == 1
        for revocation in (1, 2):
            clock.advance(3)  # both revocations within 10 s of the refreshes before them
            fake.revoke_access_tokens()
            statuses = await burst(http, 100)
            assert statuses == [200] * 100, f"revocation {revocation}"
            assert fake.calls["token"] == 1 + revocation, f"revocation {revocation}"
    assert fake.reused_refresh_tokens == []
