"""The connection index: the shipped contract against every index, and the migration of
entries that earlier versions kept as token sets in the store."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import anyio
import pytest

from lexoffice_auth.errors import TokenStoreError
from lexoffice_auth.stores import (
    ConnectionIndex,
    EncryptedTokenStore,
    FileConnectionIndex,
    FileTokenStore,
    MemoryConnectionIndex,
    MemoryTokenStore,
    RedisConnectionIndex,
    RedisTokenStore,
)
from lexoffice_auth.stores._index import TokenSetConnectionIndex, connection_index_for
from lexoffice_auth.testing import ConnectionIndexContract

from ..support.redis_server import RedisServer, redis_server_fixture  # noqa: F401

both_backends = pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])


class TestMemoryConnectionIndex(ConnectionIndexContract):
    backends = ("asyncio", "trio")

    @pytest.fixture
    def index(self) -> MemoryConnectionIndex:
        return MemoryConnectionIndex()


class TestFileConnectionIndex(ConnectionIndexContract):
    backends = ("asyncio", "trio")

    @pytest.fixture
    def index(self, tmp_path: Path) -> FileConnectionIndex:
        return FileConnectionIndex(tmp_path / "tokens.json")

    @pytest.fixture
    def other_index(self, tmp_path: Path) -> FileConnectionIndex:
        return FileConnectionIndex(FileTokenStore(tmp_path / "tokens.json"))


class TestRedisConnectionIndex(ConnectionIndexContract):
    backends = ("asyncio", "trio")

    @pytest.fixture
    def prefix(self) -> str:
        return f"index-{uuid.uuid4().hex[:12]}:"

    @pytest.fixture
    def index(self, redis_server: RedisServer, prefix: str) -> RedisConnectionIndex:
        return RedisTokenStore(url=redis_server.url, prefix=prefix).connection_index

    @pytest.fixture
    def other_index(self, redis_server: RedisServer, prefix: str) -> RedisConnectionIndex:
        return RedisConnectionIndex(RedisTokenStore(url=redis_server.url, prefix=prefix))

    async def close_handle(self, handle: Any) -> None:
        await handle.store.aclose()


class TestTokenSetConnectionIndex(ConnectionIndexContract):
    """The old layout, still used for stores that bring no index of their own."""

    @pytest.fixture
    def index(self) -> TokenSetConnectionIndex:
        return TokenSetConnectionIndex(MemoryTokenStore())


class _PlainStore(MemoryTokenStore):
    """A store that brings no index of its own (as a user's store may)."""

    def __init__(self) -> None:
        super().__init__()
        del self.connection_index


def test_each_store_keeps_its_own_kind_of_index(tmp_path: Path) -> None:
    file_store = FileTokenStore(tmp_path / "tokens.json")
    assert isinstance(connection_index_for(MemoryTokenStore()), ConnectionIndex)
    assert repr(connection_index_for(file_store)).startswith("FileConnectionIndex(")
    sealed = EncryptedTokenStore(file_store, [b"k" * 32])
    assert repr(connection_index_for(sealed)).startswith("FileConnectionIndex(")
    assert isinstance(connection_index_for(_PlainStore()), TokenSetConnectionIndex)


async def _write_old_entry(store: Any, connection_id: str, account: str) -> None:
    await TokenSetConnectionIndex(store).record(connection_id, account)


@both_backends
async def test_an_old_entry_in_a_file_moves_into_the_index_on_first_lookup(
    tmp_path: Path,
) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    await _write_old_entry(store, "c-1", "acme")
    index = connection_index_for(store)
    assert await index.account_for("c-1") == "acme"
    doc = json.loads((tmp_path / "tokens.json").read_text())
    assert doc["connections"] == {"c-1": "acme"}
    assert "lexoffice-connection:c-1" not in doc["accounts"]
    assert await index.account_for("c-1") == "acme"


@both_backends
async def test_an_old_entry_in_an_encrypted_store_moves_too(tmp_path: Path) -> None:
    store = EncryptedTokenStore(FileTokenStore(tmp_path / "tokens.json"), [b"k" * 32])
    await _write_old_entry(store, "c-1", "acme")
    assert await connection_index_for(store).account_for("c-1") == "acme"
    assert await store.load("lexoffice-connection:c-1") is None


async def test_an_old_entry_in_redis_moves_into_the_hash(
    redis_server: RedisServer,
) -> None:
    prefix = f"migrate-{uuid.uuid4().hex[:12]}:"
    async with RedisTokenStore(url=redis_server.url, prefix=prefix) as store:
        await _write_old_entry(store, "c-1", "acme")
        index = connection_index_for(store)
        assert await index.account_for("c-1") == "acme"
        assert await store.connection_index.account_for("c-1") == "acme"
        assert await store.load("lexoffice-connection:c-1") is None


async def test_forget_also_drops_an_old_entry() -> None:
    store = MemoryTokenStore()
    await _write_old_entry(store, "c-1", "acme")
    await connection_index_for(store).forget("c-1")
    assert await connection_index_for(store).account_for("c-1") is None


async def test_a_file_whose_connections_are_not_a_map_is_refused(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    await connection_index_for(store).record("c-1", "acme")
    doc = json.loads((tmp_path / "tokens.json").read_text())
    doc["connections"] = ["c-1"]
    (tmp_path / "tokens.json").write_text(json.dumps(doc))
    with pytest.raises(TokenStoreError, match="connections"):
        await FileConnectionIndex(store).account_for("c-1")


def test_a_token_save_keeps_the_index(tmp_path: Path) -> None:
    from lexoffice_auth import TokenSet

    async def main() -> None:
        store = FileTokenStore(tmp_path / "tokens.json")
        await store.connection_index.record("c-1", "acme")
        await store.save("acme", TokenSet(access_token="at"))
        await store.delete("acme")
        assert await store.connection_index.account_for("c-1") == "acme"

    anyio.run(main)
