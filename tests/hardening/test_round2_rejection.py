"""Round 2, item 4: a revocation right after a 401-driven refresh is recovered too.

The 401 throttle once refused every refresh for ~1 s after a 401-driven one (doubling
with each further revocation, up to 60 s), so a second revocation soon after the first
gave 401s. Now only a token that the API has never accepted is throttled: a loop of
tokens rejected right after they are issued still cannot cause a refresh storm.
"""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest

from lexoffice_auth import LexofficeAuth, RefreshingTokenSource
from lexoffice_auth.stores import MemoryTokenStore
from lexoffice_auth.testing import FakeLexoffice

from ..support.logins import log_in, oauth_for
from ..support.virtual_time import loop_clock, virtual_backend

both_backends = pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"], indirect=True)


@pytest.fixture
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    return virtual_backend(getattr(request, "param", "asyncio"))


async def burst(http: httpx.AsyncClient, auth: LexofficeAuth[Any], url: str, n: int) -> list[int]:
    statuses: list[int] = []

    async def one() -> None:
        statuses.append((await http.get(url, auth=auth)).status_code)

    async with anyio.create_task_group() as tg:
        for _ in range(n):
            tg.start_soon(one)
    return statuses


@both_backends
@pytest.mark.parametrize("gap", [0.1, 0.5, 1.5])
async def test_revoked_again_soon_after_a_401_refresh_is_recovered_by_one_refresh(
    gap: float,
) -> None:
    fake = FakeLexoffice(rate_limit=None, clock=loop_clock())
    async with fake.client() as http:
        oauth = oauth_for(fake, http)
        source = RefreshingTokenSource(oauth, "acme", MemoryTokenStore(), clock=fake.clock)
        await source.save(await log_in(fake, oauth))
        auth = LexofficeAuth(source, api_origins=[fake.api_base])
        url = f"{fake.api_base}/v1/ping"
        assert await burst(http, auth, url, 10) == [200] * 10
        for round_ in range(1, 4):
            fake.revoke_access_tokens()
            assert await burst(http, auth, url, 100) == [200] * 100
            assert fake.token_calls["refresh_token"] == round_
            await anyio.sleep(gap)


@both_backends
async def test_an_api_that_rejects_every_new_token_cannot_cause_a_refresh_storm() -> None:
    fake = FakeLexoffice(rate_limit=None, clock=loop_clock())

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/ping":  # rejects every token, however new
            return httpx.Response(401, json={"message": "Unauthorized"})
        return fake.handle(request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handle)) as http:
        oauth = oauth_for(fake, http)
        source = RefreshingTokenSource(oauth, "acme", MemoryTokenStore(), clock=fake.clock)
        await source.save(await log_in(fake, oauth))
        auth = LexofficeAuth(source, api_origins=[fake.api_base])
        url = f"{fake.api_base}/v1/ping"
        statuses = [(await http.get(url, auth=auth)).status_code for _ in range(100)]
        assert statuses == [401] * 100
        # The first 401 refreshed at once; the new token was rejected before the API ever
        # accepted it, so the next refresh waits (virtual time did not move).
        assert fake.token_calls["refresh_token"] == 1
        await anyio.sleep(1.0)  # the first step of the backoff
        await http.get(url, auth=auth)
        assert fake.token_calls["refresh_token"] == 2
        await anyio.sleep(1.0)  # the next step is 2 s
        await http.get(url, auth=auth)
        assert fake.token_calls["refresh_token"] == 2
