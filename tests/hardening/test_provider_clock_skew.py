"""Issue 11, faults: the provider's clock 5 minutes ahead of or behind the client's.

id_token ``iat``/``exp``/``nbf`` are checked with the leeway, and a token's expiry is the
client's clock at receipt plus ``expires_in``, never the provider's idea of the time. So
a login works, and a burst of calls after expiry refreshes exactly once.
"""

from __future__ import annotations

import anyio
import pytest

from lexoffice_auth import RefreshingTokenSource
from lexoffice_auth.stores import MemoryTokenStore
from lexoffice_auth.testing import FakeClock, FakeLexoffice

from .provider_fakes import FaultyProvider

T0 = 1_800_000_000.0


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
@pytest.mark.parametrize("skew", [-300.0, 300.0], ids=["provider-behind", "provider-ahead"])
async def test_a_provider_clock_5_minutes_off_still_logs_in_and_refreshes_once(
    anyio_backend: str, skew: float
) -> None:
    provider_clock = FakeClock(start=T0 + skew, ticking=False)
    client_clock = FakeClock(start=T0, ticking=False)
    provider = FaultyProvider(FakeLexoffice(clock=provider_clock, rate_limit=None))
    async with provider.http() as http:
        # 5 minutes of skew is more than the default allowance (60 s): configured here.
        oauth = provider.oauth(http, timeout=2.0, clock=client_clock, id_token_leeway=300)
        pending = await oauth.start_login()
        callback = await provider.browse(http, pending.authorization_url)
        tokens = await oauth.complete_login(callback, pending)
        assert tokens.id_claims is not None
        # Expiry by the client's clock: received at T0, valid for expires_in.
        assert tokens.expires_at == pytest.approx(T0 + 3600)

        source = RefreshingTokenSource(oauth, "acct", MemoryTokenStore(), clock=client_clock)
        await source.save(tokens)
        first = tokens.access_token.get_secret_value()
        got: list[str] = []

        async def burst() -> None:
            async with anyio.create_task_group() as tg:
                for _ in range(100):
                    tg.start_soon(lambda: _append(got, source))

        await burst()
        assert set(got) == {first}
        assert provider.fake.token_calls["refresh_token"] == 0

        # Both clocks move past the access token's expiry (by the client's clock).
        for clock in (provider_clock, client_clock):
            clock.advance(3600)
        got.clear()
        await burst()
        assert provider.fake.token_calls["refresh_token"] == 1
        assert len(set(got)) == 1 and got[0] != first
        # The refreshed id_token passed the same checks, and kept the identity.
        refreshed = source.current
        assert refreshed is not None and refreshed.id_claims is not None
        assert refreshed.id_token != tokens.id_token
        assert refreshed.id_claims.sub == tokens.id_claims.sub
        assert refreshed.expires_at == pytest.approx(T0 + 7200)


async def _append(got: list[str], source: RefreshingTokenSource) -> None:
    got.append(await source.access_token())
