"""The connection index: lexoffice connection id → account key, next to the token store.

``LexofficeClient.record_connection()`` records which account a lexoffice connection
belongs to; a ``token.revoked`` webhook looks it up (``revoke_connection``). Each store
keeps its index where it keeps its tokens: a ``FileTokenStore`` in a ``connections``
object of its file, a ``RedisTokenStore`` in one hash, a ``MemoryTokenStore`` in a dict.
Any other store gets ``TokenSetConnectionIndex``, which keeps the entries as the
token sets earlier versions wrote; entries of that old kind in a file or Redis store are
moved into the new index the first time they are looked up, so nothing needs migrating.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .._core.checks import RESERVED_KEY_PREFIX, check_account_key
from ..errors import ConfigurationError, TokenStoreError

if TYPE_CHECKING:
    from ._protocol import TokenStore

__all__ = [
    "CONNECTION_INDEX_PREFIX",
    "ConnectionIndex",
    "MemoryConnectionIndex",
    "TokenSetConnectionIndex",
    "check_connection_id",
    "connection_index_for",
]

CONNECTION_INDEX_PREFIX = RESERVED_KEY_PREFIX
"""Earlier versions' index entries: token sets at ``<prefix><connectionId>`` in the store."""

_INDEX_MARKER = "lexoffice_auth.connection_of"


@runtime_checkable
class ConnectionIndex(Protocol):
    """Where the account key of each lexoffice connection id is kept.

    ``record`` replaces an earlier entry of the same connection id; ``account_for`` of an
    unknown id is ``None``; ``forget`` of an unknown id is no error. Connection ids and
    account keys are compared as given (case-sensitive). Bad arguments raise
    ``ConfigurationError``; a backend that fails raises ``TokenStoreError``. Run
    ``lexoffice_auth.testing.ConnectionIndexContract`` against your own.
    """

    async def record(self, connection_id: str, account_key: str) -> None:
        """Note that ``connection_id`` belongs to ``account_key``."""

    async def account_for(self, connection_id: str) -> str | None:
        """The account key recorded for ``connection_id``, or ``None``."""

    async def forget(self, connection_id: str) -> None:
        """Drop the entry of ``connection_id``."""


def check_connection_id(connection_id: object) -> str:
    """A connection id, stripped; ``ConfigurationError`` unless a non-empty string."""
    if not isinstance(connection_id, str) or not connection_id.strip():
        raise ConfigurationError("a connection id must be a non-empty string")
    return connection_id.strip()


class MemoryConnectionIndex:
    """The index in a dict, for one process (``MemoryTokenStore``'s).

    Example:
        >>> import anyio
        >>> index = MemoryConnectionIndex()
        >>> async def main() -> None:
        ...     await index.record("c-1", "acme")
        ...     print(await index.account_for("c-1"), await index.account_for("c-2"))
        >>> anyio.run(main)
        acme None
    """

    def __init__(self) -> None:
        self._accounts: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"MemoryConnectionIndex(connections={len(self._accounts)})"

    async def record(self, connection_id: str, account_key: str) -> None:
        """Note that ``connection_id`` belongs to ``account_key``."""
        account_key = check_account_key(account_key)
        self._accounts[check_connection_id(connection_id)] = account_key

    async def account_for(self, connection_id: str) -> str | None:
        """The account key recorded for ``connection_id``, or ``None``."""
        return self._accounts.get(check_connection_id(connection_id))

    async def forget(self, connection_id: str) -> None:
        """Drop the entry of ``connection_id``."""
        self._accounts.pop(check_connection_id(connection_id), None)


class TokenSetConnectionIndex:
    """The index as token sets in any ``TokenStore``, the way earlier versions kept it.

    Each entry is a token set at ``lexoffice-connection:<id>`` that holds no token (it
    expired at the epoch) and names the account. That key prefix is reserved (sources and
    pools refuse such account keys), and a value there that is not an entry (an account's
    tokens saved directly) is never replaced or deleted. Used for stores that bring no index of
    their own, and to read (and then drop) such entries from stores that do.
    """

    def __init__(self, store: TokenStore) -> None:
        self.store = store

    def __repr__(self) -> str:
        return f"TokenSetConnectionIndex({self.store!r})"

    async def record(self, connection_id: str, account_key: str) -> None:
        """Save the entry of ``connection_id`` under the store's lock of its key."""
        from pydantic import SecretStr

        from .._oauth.tokens import TokenSet

        key = CONNECTION_INDEX_PREFIX + check_connection_id(connection_id)
        entry = TokenSet(
            access_token=SecretStr("index"),  # not a token; the entry expired at the epoch
            expires_at=0.0,
            issued_at=0.0,
            extra={_INDEX_MARKER: check_account_key(account_key)},
        )
        async with self.store.lock(key):
            stored = await self.store.load(key)
            if stored is not None and not _is_entry(stored):
                raise TokenStoreError(
                    f"the store key {key!r} holds a token set that is not an index entry "
                    "(an account's tokens?); it was left untouched"
                )
            await self.store.save(key, entry)

    async def account_for(self, connection_id: str) -> str | None:
        """The account key in the entry of ``connection_id``, or ``None``."""
        entry = await self.store.load(CONNECTION_INDEX_PREFIX + check_connection_id(connection_id))
        account = entry.extra.get(_INDEX_MARKER) if entry is not None else None
        return account if isinstance(account, str) and account else None

    async def forget(self, connection_id: str) -> None:
        """Delete the entry of ``connection_id``."""
        key = CONNECTION_INDEX_PREFIX + check_connection_id(connection_id)
        async with self.store.lock(key):
            stored = await self.store.load(key)
            if stored is not None and _is_entry(stored):
                await self.store.delete(key)


def _is_entry(token_set: object) -> bool:
    """Whether a stored token set is one of the index's entries (it names an account)."""
    extra = getattr(token_set, "extra", None)
    return isinstance(extra, dict) and isinstance(extra.get(_INDEX_MARKER), str)


class _Migrating:
    """A store's own index, which takes over the entries earlier versions left in the store."""

    def __init__(self, index: ConnectionIndex, store: TokenStore) -> None:
        self.index = index
        self.legacy = TokenSetConnectionIndex(store)

    def __repr__(self) -> str:
        return repr(self.index)

    async def record(self, connection_id: str, account_key: str) -> None:
        await self.index.record(connection_id, account_key)

    async def account_for(self, connection_id: str) -> str | None:
        found = await self.index.account_for(connection_id)
        if found is not None:
            return found
        found = await self.legacy.account_for(connection_id)
        if found is not None:  # an old entry: move it into the index, then drop it
            await self.index.record(connection_id, found)
            await self.legacy.forget(connection_id)
        return found

    async def forget(self, connection_id: str) -> None:
        await self.index.forget(connection_id)
        await self.legacy.forget(connection_id)


def connection_index_for(store: TokenStore) -> ConnectionIndex:
    """The connection index that belongs to ``store``.

    A store's ``connection_index`` attribute names its own (``MemoryTokenStore``,
    ``FileTokenStore``, ``RedisTokenStore``, and ``EncryptedTokenStore`` over one of them);
    entries that earlier versions kept as token sets in the store move into it on first
    lookup. A store without one keeps its index as token sets (``TokenSetConnectionIndex``).
    """
    own = getattr(store, "connection_index", None)
    if isinstance(own, ConnectionIndex):
        return _Migrating(own, store)
    return TokenSetConnectionIndex(store)
