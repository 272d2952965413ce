"""Issue 11 #6: the client's total time limit bounds JWKS and userinfo requests too.

A provider that answers at once and then trickles its body one byte at a time never trips a
per-read timeout; only a total time limit ends it. ``OAuthClient(timeout=...)`` is that
limit for every exchange, including the JWKS fetch that runs inside a shielded refresh while
the token source holds its lock.
"""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest

from lexoffice_auth import OAuthClient, RefreshingTokenSource, TokenSet
from lexoffice_auth.errors import ProviderError
from lexoffice_auth.stores import MemoryTokenStore

from ..support.virtual_time import virtual_backend
from .provider_fakes import FaultyProvider, trickle

# Virtual time: the timeouts under test end at once, measured by the loop's own clock.
BACKENDS = pytest.mark.parametrize(
    "anyio_backend", [virtual_backend("asyncio"), virtual_backend("trio")], ids=["asyncio", "trio"]
)


@pytest.fixture
def anyio_backend() -> tuple[str, dict[str, Any]]:
    return virtual_backend("asyncio")


LIMIT = 1.0
# Before the fix these requests ran for 30 s (10 s for the JWKS after the cache took a limit).
GUARD = 8.0


async def _login(provider: FaultyProvider, http: httpx.AsyncClient, oauth: OAuthClient) -> TokenSet:
    pending = await oauth.start_login()
    callback = await provider.browse(http, pending.authorization_url)
    return await oauth.complete_login(callback, pending)


@BACKENDS
async def test_a_trickling_jwks_fails_a_login_within_the_timeout(anyio_backend: str) -> None:
    provider = FaultyProvider()
    provider.faults["jwks"] = trickle
    async with provider.http() as http:
        oauth = provider.oauth(http, timeout=LIMIT)
        started = anyio.current_time()
        with anyio.fail_after(GUARD), pytest.raises(ProviderError) as info:
            await _login(provider, http, oauth)
        elapsed = anyio.current_time() - started
    assert info.value.endpoint == "jwks"
    assert info.value.transient
    assert elapsed < LIMIT + 1.5, elapsed


async def test_a_trickling_userinfo_fails_within_the_timeout() -> None:
    provider = FaultyProvider()
    async with provider.http() as http:
        oauth = provider.oauth(http, timeout=LIMIT)
        tokens = await _login(provider, http, oauth)
        provider.faults["userinfo"] = trickle
        started = anyio.current_time()
        with anyio.fail_after(GUARD), pytest.raises(ProviderError) as info:
            await oauth.userinfo(tokens)
        elapsed = anyio.current_time() - started
    assert info.value.endpoint == "userinfo"
    assert elapsed < LIMIT + 1.5, elapsed


@BACKENDS
async def test_a_refresh_with_a_trickling_jwks_ends_within_the_timeout_and_keeps_the_tokens(
    anyio_backend: str,
) -> None:
    provider = FaultyProvider()
    store = MemoryTokenStore()
    async with provider.http() as http:
        # Log in with one client; refresh with another whose JWKS cache is empty (a restart).
        login_client = provider.oauth(http, timeout=LIMIT)
        first = await _login(provider, http, login_client)
        refresher = provider.oauth(http, timeout=LIMIT)
        source = RefreshingTokenSource(refresher, "acct", store, clock=provider.fake.clock)
        await source.save(first)
        provider.fake.advance(3600)
        provider.faults["jwks"] = trickle

        got: list[str] = []

        async def caller() -> None:
            got.append(await source.access_token())

        started = anyio.current_time()
        with anyio.fail_after(GUARD):
            async with anyio.create_task_group() as tg:
                for _ in range(5):
                    tg.start_soon(caller)
        elapsed = anyio.current_time() - started
        # One refresh, bounded by the limit; the lock is free again.
        assert elapsed < LIMIT + 1.5, elapsed
        assert provider.calls["token"] == 2  # the login's code exchange and one refresh
        assert provider.calls["jwks"] == 2  # the login's fetch and the refresh's (timed out)
        assert not source._lock.locked()
        # The refresh succeeded, so its tokens are kept (the refresh token may have rotated);
        # only the unverifiable new id_token is dropped in favour of the login's.
        assert len(set(got)) == 1
        assert got[0] != first.access_token.get_secret_value()
        stored = await store.load("acct")
        assert stored is not None
        assert stored.access_token.get_secret_value() == got[0]
        assert stored.refresh_token != first.refresh_token
        assert stored.id_token == first.id_token
        assert stored.id_claims == first.id_claims
        # And the next call is served from memory at once.
        with anyio.fail_after(0.5):
            assert await source.access_token() == got[0]
