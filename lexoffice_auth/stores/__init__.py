"""Token stores: where a ``RefreshingTokenSource`` keeps token sets (memory, a file, Redis).

Every store implements the ``TokenStore`` protocol; run
``lexoffice_auth.testing.TokenStoreContract`` against your own to check it. Each store
also keeps a ``ConnectionIndex`` (lexoffice connection id → account key) for
``token.revoked`` webhooks; ``ConnectionIndexContract`` checks one. Each store
loads on first use, so the Redis client is imported only by those who use Redis.

Example:
    >>> from lexoffice_auth.stores import MemoryTokenStore
    >>> MemoryTokenStore()
    MemoryTokenStore(accounts=0)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._core.lazy import lazy_exports

if TYPE_CHECKING:
    from ._encrypted import EncryptedTokenStore
    from ._file import FileConnectionIndex, FileTokenStore
    from ._index import ConnectionIndex, MemoryConnectionIndex
    from ._memory import MemoryTokenStore
    from ._protocol import TokenStore
    from ._redis import RedisConnectionIndex, RedisTokenStore
    from ._stored import StoredTokenSet

__all__ = [
    "ConnectionIndex",
    "EncryptedTokenStore",
    "FileConnectionIndex",
    "FileTokenStore",
    "MemoryConnectionIndex",
    "MemoryTokenStore",
    "RedisConnectionIndex",
    "RedisTokenStore",
    "StoredTokenSet",
    "TokenStore",
]

_WHERE = {
    "ConnectionIndex": "._index",
    "EncryptedTokenStore": "._encrypted",
    "FileConnectionIndex": "._file",
    "FileTokenStore": "._file",
    "MemoryConnectionIndex": "._index",
    "MemoryTokenStore": "._memory",
    "RedisConnectionIndex": "._redis",
    "RedisTokenStore": "._redis",
    "StoredTokenSet": "._stored",
    "TokenStore": "._protocol",
}


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
