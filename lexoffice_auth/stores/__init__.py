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

import importlib
from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
