"""Token stores: where a ``TokenSource`` keeps token sets (memory, a JSON file, ...)."""

from ._file import FileTokenStore
from ._memory import MemoryTokenStore
from ._protocol import TokenStore

__all__ = ["FileTokenStore", "MemoryTokenStore", "TokenStore"]
