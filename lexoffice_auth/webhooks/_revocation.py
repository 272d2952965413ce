"""``token.revoked``: the connection's account must log in again (its tokens become a tombstone)."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

from .._core.checks import check_account_key
from .._core.clock import system_clock
from .._session.revocation import (
    CONNECTION_ID,
    account_for_connection,
    is_revoked,
    revoke_stored_tokens,
)
from ..errors import ConfigurationError, TokenStoreError
from ._events import TOKEN_REVOKED, WebhookEvent

if TYPE_CHECKING:
    from .._accounts.pool import AuthPool
    from ..stores import TokenStore

__all__ = ["ConnectionLookup", "revoke_connection"]

logger = logging.getLogger("lexoffice_auth")


ConnectionLookup = Mapping[str, str] | Callable[[str], str | Awaitable[str | None] | None]
"""connectionId → account key: a mapping, or a (possibly async) function returning the
account key or ``None`` for an unknown connection."""


async def revoke_connection(
    event: WebhookEvent,
    accounts: ConnectionLookup | None = None,
    *,
    pool: AuthPool | None = None,
    store: TokenStore | None = None,
) -> str | None:
    """Act on ``token.revoked``: the connection's account must log in again.

    ``accounts`` maps the event's connection id (``resource_id``) to your account key.
    Without it the store's index is used: record the connection once after each login
    with ``await LexofficeClient(auth).record_connection()`` (it reads ``GET /v1/profile``'s
    ``connectionId`` and keeps it with the tokens and in an index entry). The account's stored
    tokens are replaced by a tombstone (no refresh token, expired): the next call through
    a ``RefreshingTokenSource`` on that store raises ``ReauthenticationRequired`` at
    once, without asking the token endpoint. With ``pool=`` (an ``AuthPool``) its
    cached auth adopts the tombstone and is dropped too; else pass the ``store``.

    The index never forgets a connection, and an account that logged in again has a new
    one: so the account is revoked only while its stored tokens still belong to the event's
    connection (their ``extra["connection_id"]``, kept by ``record_connection``). Found
    through the index, tokens that name another connection or none (a new login not
    recorded yet, or a tombstone) are left alone. Found through ``accounts``, only tokens
    that name another connection are; tokens that name none are revoked. The check reads the
    stored tokens before the revocation takes the store's lock: a new login saved and
    recorded in between is revoked too (it then logs in once more).

    Returns the account key revoked, or ``None`` for another event type, an unknown
    connection, or a connection the account no longer uses (the last two logged).

    Example (``event`` from ``parse_event``; a pool would be passed as ``pool=``):
        >>> import anyio
        >>> from lexoffice_auth import MemoryTokenStore
        >>> from lexoffice_auth.webhooks import parse_event
        >>> event = parse_event(b'{"organizationId":"o-1","eventType":"token.revoked",'
        ...                     b'"resourceId":"c-1","eventDate":"2025-05-01T10:00:00.000+02:00"}')
        >>> store = MemoryTokenStore()
        >>> async def main() -> None:
        ...     print(await revoke_connection(event, {"c-1": "acme"}, store=store))
        ...     print(is_revoked(await store.load("acme")))
        >>> anyio.run(main)
        acme
        True
    """
    if not isinstance(event, WebhookEvent):
        raise ConfigurationError(f"event must be a WebhookEvent, not {type(event).__name__}")
    if (pool is None) == (store is None):
        raise ConfigurationError("revoke_connection needs either pool= or store=")
    if event.event_type != TOKEN_REVOKED:
        return None
    connection_id = event.resource_id
    tokens = pool.store if pool is not None else store
    assert tokens is not None
    if accounts is None:
        found: object = await account_for_connection(tokens, connection_id)
    elif isinstance(accounts, Mapping):
        found = accounts.get(connection_id)
    elif callable(accounts):
        found = accounts(connection_id)
        if inspect.isawaitable(found):
            found = await found
    else:
        raise ConfigurationError("accounts must be a mapping or a function of the connection id")
    if found is None:
        logger.warning("token.revoked for an unknown connection %r: nothing to do", connection_id)
        return None
    account_key = check_account_key(found)
    if not await _still_connected(tokens, account_key, connection_id, indexed=accounts is None):
        return None
    reason = f"{TOKEN_REVOKED} at {event.event_date.isoformat()}"
    if pool is not None:
        await pool.revoke(account_key, reason=reason)
    else:
        await revoke_stored_tokens(tokens, account_key, at=system_clock(), reason=reason)
    logger.info("connection %r revoked: account %r must log in again", connection_id, account_key)
    return account_key


async def _still_connected(
    store: TokenStore, account_key: str, connection_id: str, *, indexed: bool
) -> bool:
    """Whether ``account_key``'s stored tokens still belong to ``connection_id``.

    ``indexed``: the account was found through the store's index, which keeps every
    connection ever recorded; then the tokens must name this connection. Otherwise (the
    caller's own mapping) tokens that name no connection are taken to be this one's.
    """
    try:
        stored = await store.load(account_key)
    except TokenStoreError:
        # Unreadable tokens are unusable too; the tombstone replaces them (as it always did).
        logger.warning("token.revoked: the tokens of account %r are unreadable", account_key)
        return True
    recorded = stored.extra.get(CONNECTION_ID) if stored is not None else None
    if recorded == connection_id.strip() or (recorded is None and not indexed):
        return True
    if stored is None or is_revoked(stored):
        logger.info(
            "token.revoked for connection %r: account %r has no live tokens, nothing to do",
            connection_id,
            account_key,
        )
    else:
        logger.warning(
            "token.revoked for connection %r: account %r has logged in again (connection %r);"
            " its login is left alone",
            connection_id,
            account_key,
            recorded,
        )
    return False
