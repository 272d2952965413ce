"""Token stores: where a ``RefreshingTokenSource`` keeps token sets (memory, a file, Redis).

Every store implements the :class:`TokenStore` protocol; run
``lexoffice_auth.testing.TokenStoreContract`` against your own to check it. Each store
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
    from ._file import FileTokenStore
    from ._memory import MemoryTokenStore
    from ._protocol import TokenStore
    from ._redis import RedisTokenStore

__all__ = [
    "EncryptedTokenStore",
    "FileTokenStore",
    "MemoryTokenStore",
    "RedisTokenStore",
    "TokenStore",
]

_WHERE = {
    "EncryptedTokenStore": "._encrypted",
    "FileTokenStore": "._file",
    "MemoryTokenStore": "._memory",
    "RedisTokenStore": "._redis",
    "TokenStore": "._protocol",
}


__getattr__, __dir__ = lazy_exports(__name__, _WHERE, __all__)
