"""Revoked connections: a token set that stands for "log in again", and how to store it.

A revoked account keeps a *tombstone* in its store instead of its tokens: an access token
that expired at the epoch and no refresh token. A ``RefreshingTokenSource`` that reads it
raises ``ReauthenticationRequired`` ("no refresh token") without calling the token
endpoint, in every process and on every host that shares the store, until a new login is
saved over it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._core.checks import check_account_key, check_own_account_key
from ..errors import ReauthenticationRequired, TokenStoreError
from ..stores._index import CONNECTION_INDEX_PREFIX, check_connection_id, connection_index_for

if TYPE_CHECKING:
    from .._oauth.tokens import TokenSet
    from ..stores import TokenStore

__all__ = [
    "CONNECTION_ID",
    "CONNECTION_INDEX_PREFIX",
    "REVOKED_MARKER",
    "account_for_connection",
    "is_revoked",
    "next_generation",
    "record_connection_id",
    "revoke_stored_tokens",
    "revoked_token_set",
]

CONNECTION_ID = "connection_id"
"""The key in ``TokenSet.extra`` holding the lexoffice connection id (kept across refreshes)."""

REVOKED_MARKER = "lexoffice_auth.revoked"
"""The key in a tombstone's ``extra``: ``{"at": seconds since the epoch, "reason": ...}``."""

# Not a token: a constant that is never sent, because the tombstone expired at the epoch.
_PLACEHOLDER = "revoked"


def revoked_token_set(*, at: float, reason: str) -> TokenSet:
    """The tombstone of a revoked account (no secret in it)."""
    from pydantic import SecretStr

    from .._oauth.tokens import TokenSet

    return TokenSet(
        access_token=SecretStr(_PLACEHOLDER),
        expires_at=0.0,
        issued_at=0.0,
        extra={REVOKED_MARKER: {"at": at, "reason": reason}},
    )


def is_revoked(token_set: TokenSet | None) -> bool:
    """True for a tombstone written by ``revoked_token_set``."""
    return token_set is not None and REVOKED_MARKER in token_set.extra


async def revoke_stored_tokens(
    store: TokenStore, account_key: str, *, at: float, reason: str
) -> None:
    """Replace ``account_key``'s stored tokens by a tombstone, under the store's lock.

    Holding the refresh lock means a refresh in progress elsewhere finishes first and the
    tombstone is written after it, so it cannot be overwritten by that refresh's save; its
    generation is the stored one + 1, so a compare-and-set store also refuses the late save
    of a holder that outlived its lock.
    """
    check_account_key(account_key)
    async with store.lock(account_key):
        tombstone = revoked_token_set(at=at, reason=reason)
        await store.save(account_key, await next_generation(store, account_key, tombstone))


async def next_generation(store: TokenStore, account_key: str, token_set: TokenSet) -> TokenSet:
    """``token_set`` as the generation after the stored one, to replace it (call it locked).

    A compare-and-set store then refuses the late save of a holder that refreshed from the
    replaced token set. An unreadable stored value (e.g. a lost key) is replaced anyway.
    """
    try:
        stored = await store.load(account_key)
    except TokenStoreError:
        stored = None
    generation = max(token_set.generation, (stored.generation + 1) if stored else 1)
    return token_set.model_copy(update={"generation": generation})


async def record_connection_id(store: TokenStore, account_key: str, connection_id: str) -> None:
    """Keep ``connection_id`` with ``account_key``'s stored tokens, and index it.

    Two writes: the account's token set gains ``extra["connection_id"]`` (read, changed
    and saved under the refresh lock, so a concurrent refresh is never overwritten), and
    the store's connection index (``lexoffice_auth.stores.ConnectionIndex``) names the
    account, so ``account_for_connection`` finds it with one read. No tokens stored:
    ``ReauthenticationRequired``.
    """
    check_own_account_key(account_key)
    connection_id = check_connection_id(connection_id)
    async with store.lock(account_key):
        stored = await store.load(account_key)
        if stored is None or is_revoked(stored):
            raise ReauthenticationRequired(
                f"no tokens are stored for account {account_key!r}; log in first"
            )
        if stored.extra.get(CONNECTION_ID) != connection_id:
            extra = {**stored.extra, CONNECTION_ID: connection_id}
            await store.save(
                account_key,
                stored.model_copy(update={"extra": extra, "generation": stored.generation + 1}),
            )
    await connection_index_for(store).record(connection_id, account_key)


async def account_for_connection(store: TokenStore, connection_id: str) -> str | None:
    """The account key recorded for ``connection_id`` (see ``record_connection_id``)."""
    return await connection_index_for(store).account_for(check_connection_id(connection_id))
