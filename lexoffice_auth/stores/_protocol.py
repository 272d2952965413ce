"""The ``TokenStore`` protocol: where a ``RefreshingTokenSource`` keeps token sets between runs."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .._oauth.tokens import TokenSet

__all__ = ["TokenStore"]


@runtime_checkable
class TokenStore(Protocol):
    """Token sets keyed by an account key (one service may act for many lexoffice accounts).

    Stores are used by ``RefreshingTokenSource`` only; application code saves a new login through
    the source (``await source.save(tokens)``) so the source's cache stays true.

    ``lock(account_key)`` is held by the one task (in one process, or one host) that
    refreshes the account's token; it must be released when the ``async with`` block ends,
    also on errors and cancellation.

    Saves that cannot go back in time (optional, recommended): a lock with a lease (Redis)
    or a timeout can be outlived by a holder that hangs, whose late save would then replace
    a newer token set. ``TokenSet.generation`` guards against that. ``RefreshingTokenSource``
    saves every refreshed set (and every login) as the stored generation + 1. A store that
    declares ``compare_and_set = True`` must, atomically with the write, refuse a token set
    of generation ``n > 0`` when it holds generation ``>= n`` for that key, by raising
    ``lexoffice_auth.errors.TokenSetSuperseded`` (a ``TokenStoreError``) and leaving the
    stored value as it is; generation ``0`` is saved unconditionally. The source then adopts
    the stored, newer token set instead of failing. A store that ignores generations (and
    stores the field as any other, or drops it) still works, without this guarantee:
    ``TokenStoreContract`` skips its compare-and-set checks unless the store declares it.

    Example:
        >>> class MyStore:                    # any object with these four methods fits
        ...     async def load(self, account_key): ...
        ...     async def save(self, account_key, token_set): ...
        ...     async def delete(self, account_key): ...
        ...     def lock(self, account_key): ...
    """

    async def load(self, account_key: str) -> TokenSet | None:
        """The stored token set, or ``None`` when there is none for this key."""
        ...

    async def save(self, account_key: str, token_set: TokenSet) -> None:
        """Store ``token_set``, replacing the previous one for this key.

        With ``compare_and_set``: ``TokenSetSuperseded`` when the stored generation is
        ``>= token_set.generation > 0``.
        """
        ...

    async def delete(self, account_key: str) -> None:
        """Forget the token set of this key (no error when there is none)."""
        ...

    def lock(self, account_key: str) -> AbstractAsyncContextManager[None]:
        """An exclusive lock for refreshing this key's token set."""
        ...
