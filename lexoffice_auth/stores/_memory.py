"""An in-process token store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import anyio

from .._core.checks import check_account_key
from ._envelope import check_generation
from ._index import MemoryConnectionIndex

if TYPE_CHECKING:
    from .._oauth.tokens import TokenSet

__all__ = ["MemoryTokenStore"]


class MemoryTokenStore:
    """Token sets in a dict, locks per account key; shared only within one process.

    Saves compare generations (``compare_and_set``): a token set with ``generation`` ``n > 0``
    is not saved over a stored generation ``>= n`` (``TokenSetSuperseded``).

    Example:
        >>> store = MemoryTokenStore()
        >>> # await store.save("acme", tokens); await store.load("acme")
    """

    compare_and_set = True
    """Saves refuse to go back in time (see ``TokenStore``)."""

    def __init__(self) -> None:
        self._tokens: dict[str, TokenSet] = {}
        self._locks: dict[str, anyio.Lock] = {}
        self.connection_index = MemoryConnectionIndex()
        """This store's connection index (a ``MemoryConnectionIndex``)."""

    def __repr__(self) -> str:
        return f"MemoryTokenStore(accounts={len(self._tokens)})"

    async def load(self, account_key: str) -> TokenSet | None:
        """The stored token set, or ``None``."""
        return self._tokens.get(check_account_key(account_key))

    async def save(self, account_key: str, token_set: TokenSet) -> None:
        """Store ``token_set`` for ``account_key``; ``TokenSetSuperseded`` if it is stale."""
        from .._oauth.tokens import check_token_set  # loaded already if it is a TokenSet

        check_account_key(account_key)
        check_token_set(token_set)
        stored = self._tokens.get(account_key)
        if stored is not None:
            check_generation(account_key, stored.generation, token_set.generation)
        self._tokens[account_key] = token_set

    async def delete(self, account_key: str) -> None:
        """Forget ``account_key``'s token set."""
        self._tokens.pop(check_account_key(account_key), None)

    @asynccontextmanager
    async def lock(self, account_key: str) -> AsyncIterator[None]:
        """Hold the refresh lock of ``account_key`` within this process."""
        lock = self._locks.get(check_account_key(account_key))
        if lock is None:
            lock = self._locks[account_key] = anyio.Lock()
        async with lock:
            yield
