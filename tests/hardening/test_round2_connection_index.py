"""Round 2, item 17: connection index entries cannot collide with account keys.

A store without an index of its own keeps each entry as a token set at
``lexoffice-connection:<connection id>``, in the same keyspace as the accounts: an account
whose key was ``lexoffice-connection:c-1`` (account keys may contain ``:``) had its tokens
overwritten by the entry of connection ``c-1``, and deleted when that entry was forgotten.
Now that namespace is reserved for index entries (a source or pool refuses such an account
key), and the index never overwrites or deletes a value that is not one of its entries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from pydantic import SecretStr

from lexoffice_auth import AuthPool, RefreshingTokenSource, TokenSet
from lexoffice_auth.errors import ConfigurationError, TokenStoreError
from lexoffice_auth.stores import MemoryTokenStore
from lexoffice_auth.stores._index import TokenSetConnectionIndex, connection_index_for


class PlainStore:
    """A store of one's own, without a connection index: the index goes into its keys."""

    def __init__(self) -> None:
        self.inner = MemoryTokenStore()

    async def load(self, account_key: str) -> TokenSet | None:
        return await self.inner.load(account_key)

    async def save(self, account_key: str, token_set: TokenSet) -> None:
        await self.inner.save(account_key, token_set)

    async def delete(self, account_key: str) -> None:
        await self.inner.delete(account_key)

    @asynccontextmanager
    async def lock(self, account_key: str) -> AsyncIterator[None]:
        async with self.inner.lock(account_key):
            yield


TOKENS = TokenSet(access_token=SecretStr("at-of-the-account"), refresh_token=SecretStr("rt"))


async def test_an_index_entry_never_replaces_or_deletes_an_account_s_tokens() -> None:
    store = PlainStore()
    index = connection_index_for(store)  # type: ignore[arg-type]
    assert isinstance(index, TokenSetConnectionIndex)
    colliding = "lexoffice-connection:c-1"
    await store.save(colliding, TOKENS)  # written directly, as 0.2.0 allowed
    with pytest.raises(TokenStoreError, match="not an index entry"):
        await index.record("c-1", "acme")
    await index.forget("c-1")
    kept = await store.load(colliding)
    assert kept is not None and kept.access_token.get_secret_value() == "at-of-the-account"
    assert await index.account_for("c-1") is None


@pytest.mark.parametrize("key", ["lexoffice-connection:c-1", "lexoffice-connection:"])
def test_account_keys_in_the_index_namespace_are_refused(key: str) -> None:
    with pytest.raises(ConfigurationError, match="reserved"):
        RefreshingTokenSource(_Refresher(), key, MemoryTokenStore())
    with pytest.raises(ConfigurationError, match="reserved"):
        AuthPool(_Refresher()).get(key)


async def test_account_keys_with_colons_and_the_index_live_side_by_side() -> None:
    store = PlainStore()
    index = connection_index_for(store)  # type: ignore[arg-type]
    for account in ("tenant:1", "tenant:1:connection", "c-1", "lexoffice:c-1"):
        await store.save(account, TOKENS)
    await index.record("c-1", "tenant:1")
    await index.record("tenant:1", "c-1")
    assert await index.account_for("c-1") == "tenant:1"
    assert await index.account_for("tenant:1") == "c-1"
    await index.forget("c-1")
    for account in ("tenant:1", "tenant:1:connection", "c-1", "lexoffice:c-1"):
        assert await store.load(account) == TOKENS


class _Refresher:
    async def refresh(self, token_set: TokenSet) -> TokenSet:
        return token_set
