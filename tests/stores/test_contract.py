"""The shipped store conformance suite, run against our three stores."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from lexoffice_auth.stores import FileTokenStore, MemoryTokenStore, RedisTokenStore
from lexoffice_auth.testing import TokenStoreContract

from ..support.redis_server import RedisServer, redis_server_fixture  # noqa: F401


class TestMemoryTokenStore(TokenStoreContract):
    backends = ("asyncio", "trio")

    @pytest.fixture
    def store(self) -> MemoryTokenStore:
        return MemoryTokenStore()


class TestFileTokenStore(TokenStoreContract):
    backends = ("asyncio", "trio")

    @pytest.fixture
    def store(self, tmp_path: Path) -> FileTokenStore:
        return FileTokenStore(tmp_path / "tokens.json")

    @pytest.fixture
    def other_store(self, tmp_path: Path) -> FileTokenStore:
        return FileTokenStore(tmp_path / "tokens.json")


class TestRedisTokenStore(TokenStoreContract):
    # The synchronous client in worker threads: the same store on both backends.
    backends = ("asyncio", "trio")

    @pytest.fixture
    def prefix(self) -> str:
        return f"contract-{uuid.uuid4().hex[:12]}:"

    @pytest.fixture
    def store(self, redis_server: RedisServer, prefix: str) -> RedisTokenStore:
        return RedisTokenStore(url=redis_server.url, prefix=prefix)

    @pytest.fixture
    def other_store(self, redis_server: RedisServer, prefix: str) -> RedisTokenStore:
        return RedisTokenStore(url=redis_server.url, prefix=prefix)
