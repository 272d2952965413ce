"""Issue 11 "Also": cancellation at every await point of a refresh, on asyncio and trio.

The store and the refresher are wrapped so that each of their awaits is a numbered
checkpoint; for every k the caller's cancel scope is cancelled at checkpoint k. Afterwards
no lock is held, the store holds the refresh token the provider still accepts, and the
next call works without ever replaying a rotated-away refresh token.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import anyio.lowlevel
import pytest

from lexoffice_auth import TokenSet
from lexoffice_auth._oauth.client import OAuthClient
from lexoffice_auth.stores import FileTokenStore, MemoryTokenStore, TokenStore
from tests.support.refresh_sandbox import frozen_clock, login_tokens, oauth_client, refresh_sandbox
from tests.support.sources import make_source

pytestmark = pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])


class Checkpoints:
    """Counts checkpoints; cancels ``scope`` when checkpoint number ``cancel_at`` is reached."""

    def __init__(self) -> None:
        self.count = 0
        self.cancel_at = -1
        self.scope: anyio.CancelScope | None = None

    async def __call__(self) -> None:
        self.count += 1
        if self.count == self.cancel_at and self.scope is not None:
            self.scope.cancel()
        await anyio.lowlevel.checkpoint()


class CheckpointStore:
    """A TokenStore whose every operation starts (and a lock also ends) with a checkpoint."""

    def __init__(self, inner: TokenStore, point: Checkpoints) -> None:
        self.inner = inner
        self.point = point

    async def load(self, account_key: str) -> TokenSet | None:
        await self.point()
        return await self.inner.load(account_key)

    async def save(self, account_key: str, token_set: TokenSet) -> None:
        await self.point()
        await self.inner.save(account_key, token_set)

    async def delete(self, account_key: str) -> None:
        await self.point()
        await self.inner.delete(account_key)

    @asynccontextmanager
    async def lock(self, account_key: str) -> AsyncIterator[None]:
        await self.point()
        async with self.inner.lock(account_key):
            yield
            await self.point()


class CheckpointRefresher:
    def __init__(self, oauth: OAuthClient, point: Checkpoints) -> None:
        self.oauth = oauth
        self.point = point

    async def refresh(self, token_set: TokenSet) -> TokenSet:
        await self.point()
        result = await self.oauth.refresh(token_set)
        await self.point()
        return result


async def scenario(kind: str, tmp_path: Path, cancel_at: int) -> int:
    """Cancel a refresh at checkpoint ``cancel_at``, check the aftermath; checkpoints seen."""
    clock = frozen_clock()
    fake = refresh_sandbox(clock, token_delay=0.001)
    inner: TokenStore = (
        MemoryTokenStore()
        if kind == "memory"
        else FileTokenStore(tmp_path / f"tokens-{cancel_at}.json", lock_timeout=2)
    )
    await inner.save("acme", login_tokens(fake, expired=True))
    point = Checkpoints()
    store = CheckpointStore(inner, point)
    source = make_source(CheckpointRefresher(oauth_client(fake), point), "acme", store, clock=clock)
    point.cancel_at = cancel_at
    with anyio.CancelScope() as scope:
        point.scope = scope
        await source.access_token()
    seen = point.count
    point.cancel_at = -1
    # No lock is left held, in this process or in the store.
    assert not source._lock.locked()
    with anyio.fail_after(3):
        async with inner.lock("acme"):
            pass
    # The store holds the refresh token the provider accepts now (old or new, never dead).
    stored = await inner.load("acme")
    assert stored is not None and stored.refresh_token is not None
    assert fake.token_is_live(stored.refresh_token.get_secret_value())
    # And the next call works without replaying a rotated-away refresh token: it gets the
    # newest access token (at-n after n refreshes).
    token = await source.access_token()
    assert token == f"at-{fake.token_calls['refresh_token']}"
    assert fake.token_is_live(token)
    assert fake.reused_refresh_tokens == []
    return seen


@pytest.mark.parametrize("kind", ["memory", "file"])
async def test_cancelling_a_refresh_at_every_checkpoint_leaves_no_lock_and_no_dead_token(
    kind: str, tmp_path: Path
) -> None:
    total = await scenario(kind, tmp_path, cancel_at=-1)
    assert total >= 6  # load, lock, load, refresh (in, out), save, unlock
    for cancel_at in range(1, total + 2):
        await scenario(kind, tmp_path, cancel_at)
