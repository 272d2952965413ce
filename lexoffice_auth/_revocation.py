"""Revoked connections: a token set that stands for "log in again", and how to store it.

A revoked account keeps a *tombstone* in its store instead of its tokens: an access token
that expired at the epoch and no refresh token. A ``RefreshingTokenSource`` that reads it
raises ``ReauthenticationRequired`` ("no refresh token") without calling the token
endpoint, in every process and on every host that shares the store, until a new login is
saved over it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import SecretStr

from ._checks import check_account_key
from ._tokens import TokenSet
from .errors import TokenStoreError

if TYPE_CHECKING:
    from .stores import TokenStore

__all__ = ["REVOKED_MARKER", "is_revoked", "revoke_stored_tokens", "revoked_token_set"]

REVOKED_MARKER = "lexoffice_auth.revoked"
"""The key in a tombstone's ``extra``: ``{"at": seconds since the epoch, "reason": ...}``."""

# Not a token: a constant that is never sent, because the tombstone expired at the epoch.
_PLACEHOLDER = "revoked"


def revoked_token_set(*, at: float, reason: str) -> TokenSet:
    """The tombstone of a revoked account (no secret in it)."""
    return TokenSet(
        access_token=SecretStr(_PLACEHOLDER),
        expires_at=0.0,
        issued_at=0.0,
        extra={REVOKED_MARKER: {"at": at, "reason": reason}},
    )


def is_revoked(token_set: TokenSet | None) -> bool:
    """True for a tombstone written by :func:`revoked_token_set`."""
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
        try:
            stored = await store.load(account_key)
        except TokenStoreError:
            stored = None  # unreadable (e.g. a lost key): the tombstone replaces it anyway
        tombstone = revoked_token_set(at=at, reason=reason)
        if stored is not None:
            tombstone = tombstone.model_copy(update={"generation": stored.generation + 1})
        await store.save(account_key, tombstone)
