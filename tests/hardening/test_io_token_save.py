"""Issue 11 #3 and the save faults: whatever is accepted can be stored; a failed save loses nothing.

A token response the SDK accepts must be storable, and when a refresh succeeded but its save
failed (disk full, permission denied, a store error, an unserialisable value), the new token
set stays in use in memory, the error is a ``TokenStoreError``, and the next renewal saves or
refreshes from the new token set, never from the refresh token the provider rotated away.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from lexoffice_auth import LexofficeAuth, RefreshingTokenSource, TokenSet
from lexoffice_auth.errors import TokenStoreError
from lexoffice_auth.stores import FileTokenStore, MemoryTokenStore, TokenStore
from lexoffice_auth.testing import FakeLexoffice
from tests.support.refresh_sandbox import (
    API,
    api_client,
    dump,
    frozen_clock,
    login_tokens,
    oauth_client,
    refresh_sandbox,
)
from tests.support.sources import make_source


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


async def test_a_refresh_answered_with_deep_extra_is_saved_and_rotation_is_kept(
    tmp_path: Path,
) -> None:
    clock = frozen_clock()
    fake = refresh_sandbox(clock)

    def with_deep_extra(request: httpx.Request) -> httpx.Response:
        # The sandbox's answer, plus an extra member nested 256 levels deep.
        response = fake.handle(request)
        if response.status_code != 200:
            return response
        body = json.loads(response.content)
        body["deep"] = nested(256)
        return httpx.Response(200, json=body)

    http = httpx.AsyncClient(transport=httpx.MockTransport(with_deep_extra))
    store = FileTokenStore(tmp_path / "tokens.json")
    await store.save("acme", login_tokens(fake, expired=True))
    source = make_source(oauth_client(fake, http_client=http), "acme", store, clock=clock)
    assert await source.access_token() == "at-1"
    stored = await store.load("acme")
    assert stored is not None and stored.refresh_token == SecretStr("rt-1")
    clock.advance(7200)
    assert await source.access_token() == "at-2"
    assert fake.calls["token"] == 2
    assert fake.reused_refresh_tokens == []


# --- a refresh that worked but could not be saved -------------------------------------------


class FlakyStore(MemoryTokenStore):
    """A memory store whose saves fail while ``failure`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.failure: BaseException | None = None
        self.save_attempts = 0

    async def save(self, account_key: str, token_set: TokenSet) -> None:
        self.save_attempts += 1
        if self.failure is not None:
            raise self.failure
        await super().save(account_key, token_set)


FAILURES: dict[str, BaseException] = {
    "disk full": OSError(errno.ENOSPC, "No space left on device"),
    "permission": PermissionError(errno.EACCES, "Permission denied"),
    "store error": TokenStoreError("redis is down"),
    "unserialisable": ValueError("Maximum serialization depth exceeded"),
}


async def flaky_setup(
    failure: BaseException | None,
) -> tuple[Any, FakeLexoffice, RefreshingTokenSource, FlakyStore]:
    clock = frozen_clock()
    fake = refresh_sandbox(clock)
    store = FlakyStore()
    await store.save("acme", login_tokens(fake, expired=True))
    store.failure = failure
    return clock, fake, make_source(oauth_client(fake), "acme", store, clock=clock), store


@pytest.mark.parametrize("failure", list(FAILURES), ids=list(FAILURES))
async def test_a_failed_save_keeps_the_new_tokens_in_use_and_loses_nothing(failure: str) -> None:
    clock, fake, source, store = await flaky_setup(FAILURES[failure])
    with pytest.raises(TokenStoreError, match="could not be saved") as caught:
        await source.access_token()
    assert "rt-1" not in str(caught.value) and "at-1" not in str(caught.value)
    assert fake.calls["token"] == 1
    # Requests keep working with the new token while the store cannot be written.
    for _ in range(5):
        assert await source.access_token() == "at-1"
    assert fake.calls["token"] == 1
    assert source.current is not None and source.current.access_token == SecretStr("at-1")
    stored = await store.load("acme")
    assert stored is not None and stored.refresh_token == SecretStr("rt-0")
    # Due again while the store is still broken: refreshed from the live token set (and
    # that caller is told again that it could not be saved).
    clock.advance(7200)
    with pytest.raises(TokenStoreError, match="could not be saved"):
        await source.access_token()
    assert await source.access_token() == "at-2"
    assert fake.reused_refresh_tokens == []
    # Once the store works again the newest token set is saved.
    store.failure = None
    assert await source.access_token() == "at-2"
    assert dump(await store.load("acme")) == dump(source.current)
    clock.advance(7200)
    assert await source.access_token() == "at-3"
    assert fake.reused_refresh_tokens == []


async def test_after_a_failed_save_a_401_refreshes_from_the_live_token_set() -> None:
    _clock, fake, source, _store = await flaky_setup(FAILURES["disk full"])
    auth = LexofficeAuth(source)
    async with api_client(fake, auth) as client:
        with pytest.raises(TokenStoreError):
            await client.get(f"{API}/v1/contacts")
        assert (await client.get(f"{API}/v1/contacts")).status_code == 200
        fake.revoke_access_tokens()  # the API revokes at-1: refreshed from rt-1
        with pytest.raises(TokenStoreError):
            await client.get(f"{API}/v1/contacts")
        assert (await client.get(f"{API}/v1/contacts")).status_code == 200
    assert fake.calls["token"] == 2
    assert fake.reused_refresh_tokens == []
    assert source.current is not None and source.current.access_token == SecretStr("at-2")


async def test_after_a_failed_save_a_forced_refresh_uses_the_live_refresh_token() -> None:
    _clock, fake, source, store = await flaky_setup(FAILURES["store error"])
    with pytest.raises(TokenStoreError):
        await source.access_token()
    store.failure = None
    refreshed = await source.refresh()
    assert refreshed.access_token == SecretStr("at-2")
    assert fake.reused_refresh_tokens == []
    assert dump(await store.load("acme")) == dump(refreshed)


async def test_the_unsaved_tokens_are_saved_at_the_next_call_and_then_notified() -> None:
    seen: list[str] = []
    clock = frozen_clock()
    fake = refresh_sandbox(clock)
    store = FlakyStore()
    await store.save("acme", login_tokens(fake, expired=True))
    source = make_source(
        oauth_client(fake),
        "acme",
        store,
        clock=clock,
        on_token=lambda t: seen.append(t.access_token.get_secret_value()),
    )
    store.failure = FAILURES["disk full"]
    with pytest.raises(TokenStoreError):
        await source.access_token()
    assert seen == []  # on_token sees only saved token sets
    store.failure = None
    assert await source.access_token() == "at-1"
    assert seen == ["at-1"]
    stored = await store.load("acme")
    assert stored is not None and stored.refresh_token == SecretStr("rt-1")
    assert fake.calls["token"] == 1


async def test_a_new_login_saved_meanwhile_replaces_the_unsaved_tokens() -> None:
    clock, _fake, source, store = await flaky_setup(FAILURES["disk full"])
    with pytest.raises(TokenStoreError):
        await source.access_token()
    store.failure = None
    login = TokenSet(
        access_token=SecretStr("at-login"),
        refresh_token=SecretStr("rt-login"),
        expires_at=clock() + 3600,
        issued_at=clock(),
    )
    await source.save(login)
    assert await source.access_token() == "at-login"
    assert dump(await store.load("acme")) == dump(login)


@pytest.mark.parametrize("where", ["write", "replace", "fsync"])
async def test_file_store_disk_full_and_permission_errors_are_store_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    clock = frozen_clock()
    fake = refresh_sandbox(clock)
    path = tmp_path / "tokens.json"
    store: TokenStore = FileTokenStore(path)
    await store.save("acme", login_tokens(fake, expired=True))
    before = path.read_bytes()
    source = make_source(oauth_client(fake), "acme", store, clock=clock)
    error = OSError(errno.ENOSPC, "No space left on device")
    if where == "replace":
        error = PermissionError(errno.EACCES, "Permission denied")

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise error

    with monkeypatch.context() as patch:
        patch.setattr(os, where, fail)
        with pytest.raises(TokenStoreError, match="could not be saved") as caught:
            await source.access_token()
        assert isinstance(caught.value.__cause__, TokenStoreError)
        assert path.read_bytes() == before  # the old file is intact
        assert [n for n in os.listdir(tmp_path) if n.endswith(".tmp")] == []
        assert await source.access_token() == "at-1"  # the new token is in use
    assert await source.access_token() == "at-1"  # and saved at the next call
    stored = await store.load("acme")
    assert stored is not None and stored.refresh_token == SecretStr("rt-1")
    assert fake.calls["token"] == 1 and fake.reused_refresh_tokens == []


async def test_a_login_that_cannot_be_saved_is_a_store_error_and_changes_nothing() -> None:
    clock, _fake, source, store = await flaky_setup(FAILURES["disk full"])
    login = TokenSet(
        access_token=SecretStr("at-login"),
        refresh_token=SecretStr("rt-login"),
        expires_at=clock() + 3600,
        issued_at=clock(),
    )
    with pytest.raises(TokenStoreError, match="nothing was changed") as caught:
        await source.save(login)
    assert "rt-login" not in str(caught.value)
    assert source.current is None
    stored = await store.load("acme")
    assert stored is not None and stored.refresh_token == SecretStr("rt-0")
