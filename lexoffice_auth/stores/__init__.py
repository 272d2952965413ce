"""Token stores: where a ``TokenSource`` keeps token sets (memory, a JSON file, Redis)."""

from ._file import FileTokenStore
from ._memory import MemoryTokenStore
from ._protocol import TokenStore
from ._redis import RedisTokenStore

__all__ = ["FileTokenStore", "MemoryTokenStore", "RedisTokenStore", "TokenStore"]
