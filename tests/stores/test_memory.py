"""The store methods of ``MemoryTokenStore`` and ``FileTokenStore`` refuse bad arguments alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from lexoffice_auth.errors import ConfigurationError
from lexoffice_auth.stores import FileTokenStore, MemoryTokenStore, TokenStore

from .helpers import tokens


@pytest.fixture(params=["memory", "file"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> TokenStore:
    if request.param == "memory":
        return MemoryTokenStore()
    return FileTokenStore(tmp_path / "tokens.json")


async def test_bad_arguments_to_store_methods_are_configuration_errors(
    store: TokenStore,
) -> None:
    entry = {"access_token": "at-1"}
    with pytest.raises(ConfigurationError, match="TokenSet"):
        await store.save("k", entry)  # type: ignore[arg-type]
    for key in (["k"], None, ""):
        with pytest.raises(ConfigurationError, match="account_key"):
            await store.load(key)  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError, match="account_key"):
            await store.save(key, tokens())  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError, match="account_key"):
            await store.delete(key)  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError, match="account_key"):
            async with store.lock(key):  # type: ignore[arg-type]
                pass
    assert await store.load("k") is None  # nothing was written
