"""TokenSource: caching, refresh, persistence order, failure handling, cancellation."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import pytest
from pydantic import SecretStr

from lexoffice_auth import RefreshingTokenSource, TokenSet
from lexoffice_auth.errors import (
    ConfigurationError,
    IdTokenError,
    NetworkError,
    ReauthenticationRequired,
    TokenEndpointError,
    TokenStoreError,
)
from lexoffice_auth.stores import FileTokenStore, MemoryTokenStore
from lexoffice_auth.testing import FakeClock, FakeLexoffice
from tests.support.sources import make_source

from ..support.refresh_sandbox import (
    dump,
    frozen_clock,
    login_tokens,
    oauth_client,
    refresh_sandbox,
)


class CountingStore(MemoryTokenStore):
    """A memory store that counts I/O and can fail a number of saves."""

    def __init__(self) -> None:
        super().__init__()
        self.loads = 0
        self.saves: list[TokenSet] = []
        self.fail_saves = 0

    async def load(self, account_key: str) -> TokenSet | None:
        self.loads += 1
        return await super().load(account_key)

    async def save(self, account_key: str, token_set: TokenSet) -> None:
        if self.fail_saves:
            self.fail_saves -= 1
            raise TokenStoreError("disk full")
        self.saves.append(token_set)
        await super().save(account_key, token_set)


async def concurrent_errors(source: RefreshingTokenSource, n: int) -> list[Exception]:
    """Ask ``source`` for a token from ``n`` tasks at once; the errors they got."""
    errors: list[Exception] = []

    async def call() -> None:
        try:
            await source.access_token()
        except Exception as exc:
            errors.append(exc)

    async with anyio.create_task_group() as tg:
        for _ in range(n):
            tg.start_soon(call)
    return errors


async def setup(
    *, store: Any = None, expired: bool = True, refresh: bool = True, **opts: Any
) -> tuple[FakeClock, FakeLexoffice, RefreshingTokenSource, Any]:
    """A source over a stored login (``at-0``, ``rt-0``; expired unless told otherwise)."""
    clock = frozen_clock()
    fake = refresh_sandbox(clock)
    store = store if store is not None else CountingStore()
    await store.save("acme", login_tokens(fake, expired=expired, refresh=refresh))
    if isinstance(store, CountingStore):
        store.saves.clear()
    opts.setdefault("backoff", 0.001)
    source = make_source(oauth_client(fake), "acme", store, clock=clock, **opts)
    return clock, fake, source, store


async def test_valid_token_is_served_from_memory_without_store_io() -> None:
    _clock, fake, source, store = await setup()
    assert await source.access_token() == "at-1"
    loads = store.loads
    for _ in range(100):
        assert await source.access_token() == "at-1"
    assert store.loads == loads
    assert fake.calls["token"] == 1


async def test_new_token_is_saved_before_hook_and_use() -> None:
    seen: list[str | None] = []
    store = CountingStore()

    async def hook(token_set: TokenSet) -> None:
        seen.append(dump(await store.load("acme")))
        assert dump(token_set) == seen[-1]

    _, fake, source, _ = await setup(store=store, on_token=hook)
    token_set = await source.token_set()
    assert seen == [dump(token_set)]
    assert [dump(t) for t in store.saves] == [dump(token_set)]
    assert token_set.refresh_token is not None
    assert token_set.refresh_token.get_secret_value() == "rt-1"
    assert fake.token_is_live("rt-1") and not fake.token_is_live("rt-0")


async def test_sync_hook_and_failing_hook(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[TokenSet] = []

    def hook(token_set: TokenSet) -> None:
        calls.append(token_set)
        raise RuntimeError("audit log down")

    _, _, source, store = await setup(on_token=hook)
    with caplog.at_level(logging.ERROR, logger="lexoffice_auth"):
        assert await source.access_token() == "at-1"
    assert len(calls) == 1
    assert "on_token hook failed" in caplog.text
    assert "at-1" not in caplog.text
    assert dump(await store.load("acme")) == dump(calls[0])


async def test_response_without_refresh_token_keeps_the_old_one() -> None:
    clock = frozen_clock()
    fake = refresh_sandbox(clock, rotate=False)
    store = MemoryTokenStore()
    await store.save("acme", login_tokens(fake, expired=True))
    source = make_source(oauth_client(fake), "acme", store, clock=clock)
    token_set = await source.token_set()
    assert token_set.access_token.get_secret_value() == "at-1"
    assert token_set.refresh_token == SecretStr("rt-0")


async def test_leeway_is_capped_by_a_fraction_of_the_lifetime() -> None:
    clock = frozen_clock()
    fake = refresh_sandbox(clock, access_token_lifetime=40)
    store = MemoryTokenStore()
    await store.save("acme", login_tokens(fake, expired=True))
    source = make_source(oauth_client(fake), "acme", store, clock=clock, leeway_fraction=0.25)
    await source.access_token()
    clock.advance(29.9)  # 40 s token: leeway min(60, 10) = 10 s
    await source.access_token()
    assert fake.calls["token"] == 1
    clock.advance(0.2)
    await source.access_token()
    assert fake.calls["token"] == 2


async def test_no_stored_token_asks_for_login() -> None:
    clock = frozen_clock()
    fake = refresh_sandbox(clock)
    source = make_source(oauth_client(fake), "acme", MemoryTokenStore(), clock=clock)
    with pytest.raises(ReauthenticationRequired, match="log in first"):
        await source.access_token()
    assert fake.calls["token"] == 0


@pytest.mark.parametrize("error", ["invalid_grant", "invalid_client", "unauthorized_client"])
async def test_terminal_error_is_remembered_until_a_new_login(error: str) -> None:
    _, fake, source, store = await setup()
    fake.reject_next_token_requests(1, error)
    # The provider's description says which check failed.
    answered = rf"the provider answered {error} \(the sandbox was told to answer so\); log in"
    with pytest.raises(ReauthenticationRequired, match=answered):
        await source.access_token()
    for _ in range(5):
        with pytest.raises(ReauthenticationRequired):
            await source.access_token()
    assert fake.calls["token"] == 1
    assert store.saves == []  # the stored grant is not overwritten
    fresh = TokenSet(access_token=SecretStr("at-login"), expires_at=fake.clock() + 3600)
    await source.save(fresh)
    assert await source.access_token() == "at-login"
    assert fake.calls["token"] == 1


async def test_terminal_state_clears_when_another_process_stores_new_tokens() -> None:
    _, fake, source, store = await setup()
    fake.reject_next_token_requests(1, "invalid_grant")
    with pytest.raises(ReauthenticationRequired):
        await source.access_token()
    other = TokenSet(access_token=SecretStr("at-other"), expires_at=fake.clock() + 3600)
    await MemoryTokenStore.save(store, "acme", other)  # as another process's login would
    assert await source.access_token() == "at-other"
    assert fake.calls["token"] == 1


async def test_no_refresh_token_is_terminal_without_calling_the_provider() -> None:
    _, _, source, _ = await setup(refresh=False)
    with pytest.raises(ReauthenticationRequired, match="no refresh token"):
        await source.access_token()
    with pytest.raises(ReauthenticationRequired):
        await source.access_token()


@pytest.mark.parametrize(
    "failure",
    [
        (503, "temporarily_unavailable"),
        (500, "server_error"),
        (429, "slow_down"),
        "unreachable",
    ],
    ids=["temporarily_unavailable", "5xx", "429", "network"],
)
async def test_transient_errors_are_retried_keeping_the_refresh_token(failure: Any) -> None:
    _, fake, source, store = await setup(retries=2)
    if failure == "unreachable":
        fake.fail_next_token_requests(2, "unreachable")  # httpx.ConnectError
    else:
        status, error = failure
        fake.reject_next_token_requests(2, error, status=status)
    assert await source.access_token() == "at-1"
    assert fake.calls["token"] == 3
    assert fake.reused_refresh_tokens == []
    assert len(store.saves) == 1


async def test_retries_are_bounded_and_the_grant_survives() -> None:
    _, fake, source, store = await setup(retries=1)
    fake.fail_next_token_requests(3, "unreachable")  # httpx.ConnectError
    with pytest.raises(NetworkError):
        await source.access_token()
    assert fake.calls["token"] == 2
    assert (await store.load("acme")).refresh_token == SecretStr("rt-0")
    # A new call tries again: one failure left, then success within its two attempts.
    assert await source.access_token() == "at-1"
    assert fake.calls["token"] == 4


async def test_waiters_share_the_failure_of_the_refresh_they_waited_for() -> None:
    _, fake, source, _ = await setup(retries=0)
    fake.token_delay = 0.02
    fake.reject_next_token_requests(1, "temporarily_unavailable", status=503)
    errors = await concurrent_errors(source, 20)
    assert len(errors) == 20 and all(isinstance(e, TokenEndpointError) for e in errors)
    assert fake.calls["token"] == 1
    # Same error for all, but each task raises an object of its own (its own traceback).
    assert len({id(e) for e in errors}) == 20
    assert len({(type(e), str(e), vars(e).items().__repr__()) for e in errors}) == 1


async def test_non_transient_endpoint_error_is_not_retried() -> None:
    _, fake, source, _ = await setup(retries=3)
    fake.reject_next_token_requests(1, "invalid_scope")
    with pytest.raises(TokenEndpointError, match="invalid_scope"):
        await source.access_token()
    assert fake.calls["token"] == 1
    assert await source.access_token() == "at-1"  # not terminal: a later call may succeed


async def test_a_refreshed_token_that_could_not_be_saved_is_not_lost() -> None:
    store = CountingStore()
    _, fake, source, _ = await setup(store=store)
    store.fail_saves = 1
    with pytest.raises(TokenStoreError):
        await source.access_token()
    assert fake.calls["token"] == 1
    # The next call saves the token it already has instead of reusing the dead refresh token.
    assert await source.access_token() == "at-1"
    assert fake.calls["token"] == 1
    assert fake.reused_refresh_tokens == []
    assert dump(await store.load("acme")) == dump(source.current)


async def test_forced_refresh_and_forget() -> None:
    _, _fake, source, store = await setup(expired=False)
    assert await source.access_token() == "at-0"
    assert (await source.refresh()).access_token == SecretStr("at-1")
    await source.forget()
    assert await store.load("acme") is None
    with pytest.raises(ReauthenticationRequired):
        await source.access_token()


async def test_a_forced_refresh_of_an_unloaded_due_token_refreshes_once() -> None:
    # Loading a due token refreshes it; that is the refresh asked for, not a reason for a
    # second grant (with rotating refresh tokens each grant spends one).
    _clock, fake, source, store = await setup()  # the stored token is expired
    tokens = await source.refresh()
    assert fake.calls["token"] == 1
    assert tokens.access_token == SecretStr("at-1")
    assert dump(await store.load("acme")) == dump(tokens)


async def test_cancelling_in_the_middle_of_a_refresh_leaves_no_lock(tmp_path: Any) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    _, fake, source, _ = await setup(store=store)
    fake.token_delay = 0.3  # the answer arrives 0.3 s after the sandbox rotated rt-0
    with anyio.move_on_after(0.05) as scope:
        async with anyio.create_task_group() as tg:
            for _ in range(50):
                tg.start_soon(source.access_token)
    assert scope.cancelled_caught
    assert not source._lock.locked()
    with anyio.fail_after(2):
        async with store.lock("acme"):
            pass
    # The refresh already sent was seen through and saved: no second refresh, no reuse.
    assert await source.access_token() == "at-1"
    assert fake.calls["token"] == 1
    assert fake.reused_refresh_tokens == []


async def test_cancelling_while_waiting_for_the_store_lock(tmp_path: Any) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    _, fake, source, _ = await setup(store=store)
    other = FileTokenStore(tmp_path / "tokens.json")
    async with other.lock("acme"):  # another process is refreshing
        with anyio.move_on_after(0.1) as scope:
            await source.access_token()
        assert scope.cancelled_caught
    assert not source._lock.locked()
    assert await source.access_token() == "at-1"
    assert fake.calls["token"] == 1


async def test_a_valid_token_in_a_file_store_serves_before_any_token_set_is_built(
    tmp_path: Any,
) -> None:
    # The first request reads the entry without the model (FileTokenStore.load_stored); the
    # token set callers ask for afterwards is the one the store's load returns.
    clock = frozen_clock()
    fake = refresh_sandbox(clock)
    fake.mint_tokens(scopes=())  # at-0, rt-0: the grant the stored set refreshes from
    store = FileTokenStore(tmp_path / "tokens.json")
    now = clock()
    valid = TokenSet(
        access_token=SecretStr("at-9"),
        refresh_token=SecretStr("rt-0"),
        expires_at=now + 3600,
        issued_at=now,
    )
    await store.save("acme", valid)
    source = make_source(oauth_client(fake), "acme", store, clock=clock)
    assert await source.access_token() == "at-9"
    assert source.refresh_due_at == now + 3600 - 60
    assert source.current == valid == await store.load("acme")
    assert await source.token_set() is source.current
    clock.advance(3600)  # due: refreshed from the built token set, as before
    assert await source.access_token() == "at-1"
    assert fake.calls["token"] == 1


async def test_a_broken_entry_in_a_file_store_is_the_stores_error(tmp_path: Any) -> None:
    path = tmp_path / "tokens.json"
    store = FileTokenStore(path)
    await store.save("acme", TokenSet(access_token=SecretStr("at-9"), generation=1))
    path.write_text(path.read_text().replace('"generation": 1', '"generation": -1'))
    source = make_source(oauth_client(refresh_sandbox()), "acme", store)
    with pytest.raises(TokenStoreError) as info:
        await source.access_token()
    with pytest.raises(TokenStoreError) as loading:
        await store.load("acme")
    assert str(info.value) == str(loading.value)
    assert "generation" in str(info.value) and "at-9" not in str(info.value)


async def test_repr_and_errors_hide_secrets() -> None:
    _, fake, source, _ = await setup()
    await source.access_token()
    fake.reject_next_token_requests(1, "invalid_grant")
    text = repr(source)
    assert "acme" in text and "at-1" not in text and "rt-1" not in text
    with pytest.raises(ReauthenticationRequired) as info:
        await source.refresh()
    assert "rt-1" not in str(info.value) and "at-1" not in str(info.value)
    assert "reauthentication required" in repr(source)


class SyncRefresher:
    def refresh(self, token_set: TokenSet) -> TokenSet:
        return token_set


@pytest.mark.parametrize(
    "kwargs",
    [
        {"account_key": ""},
        {"account_key": ["acme"]},
        {"leeway": -1},
        {"leeway": "x"},
        {"leeway": float("nan")},
        {"leeway_fraction": 2},
        {"leeway_fraction": "0.5"},
        {"leeway_fraction": float("nan")},
        {"retries": -1},
        {"retries": "1"},
        {"retries": 1.5},
        {"backoff": float("nan")},
        {"backoff": float("inf")},
        {"max_backoff": "8"},
        {"rejection_backoff": -1},
        {"max_rejection_backoff": float("inf")},
        {"store": "x"},
        {"store": {}},
        {"refresher": None},
        {"refresher": object()},
        {"refresher": SyncRefresher()},
        {"clock": 5},
        {"on_token": "print"},
    ],
)
def test_bad_configuration(kwargs: dict[str, Any]) -> None:
    args: dict[str, Any] = {
        "refresher": oauth_client(refresh_sandbox()),
        "account_key": "acme",
        **kwargs,
    }
    with pytest.raises(ConfigurationError):
        make_source(**args)


async def test_save_rejects_non_token_sets() -> None:
    _, _, source, _ = await setup()
    with pytest.raises(ConfigurationError):
        await source.save({"access_token": "x"})  # type: ignore[arg-type]


class FailsAfterRotating:
    """Refreshes at the provider (rotating the refresh token), then raises ``exc``."""

    def __init__(self, fake: FakeLexoffice, exc: Exception) -> None:
        self.oauth = oauth_client(fake)
        self.exc = exc

    async def refresh(self, token_set: TokenSet) -> TokenSet:
        await self.oauth.refresh(token_set)
        raise self.exc


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (IdTokenError("the refreshed id_token names another subject", check="sub"), "terminal"),
        (RuntimeError("a bug in a custom refresher"), "shared"),
    ],
    ids=["IdTokenError", "unexpected"],
)
async def test_waiters_never_replay_a_refresh_token_after_an_unlisted_error(
    exc: Exception, expected: str
) -> None:
    clock = frozen_clock()
    fake = refresh_sandbox(clock, token_delay=0.02)
    store = MemoryTokenStore()
    await store.save("acme", login_tokens(fake, expired=True))
    source = make_source(FailsAfterRotating(fake, exc), "acme", store, clock=clock)
    errors = await concurrent_errors(source, 5)
    assert fake.calls["token"] == 1
    assert fake.reused_refresh_tokens == []
    assert len(errors) == 5
    # Each task gets an exception object of its own (no traceback shared across tasks).
    assert len({id(e) for e in errors}) == 5
    if expected == "terminal":
        assert all(type(e) is ReauthenticationRequired and e.__cause__ is exc for e in errors)
        assert len({str(e) for e in errors}) == 1
        with pytest.raises(ReauthenticationRequired):
            await source.access_token()
        assert fake.calls["token"] == 1
    else:
        assert sum(e is exc for e in errors) == 1  # the task that ran the refresh
        waiters = [e for e in errors if e is not exc]
        assert all(type(e) is RuntimeError and e.args == exc.args for e in waiters)
        assert all(e.__cause__ is exc for e in waiters)


async def test_hook_runs_after_the_locks_are_released_and_can_be_cancelled(tmp_path: Any) -> None:
    path = tmp_path / "tokens.json"
    clock = frozen_clock()
    fake = refresh_sandbox(clock)
    hook_started = anyio.Event()

    async def slow_hook(token_set: TokenSet) -> None:
        hook_started.set()
        await anyio.sleep(3)

    source = make_source(
        oauth_client(fake), "acme", FileTokenStore(path), clock=clock, on_token=slow_hook
    )
    # The same file through a second store and source: another process, as far as locks go.
    other = make_source(oauth_client(fake), "acme", FileTokenStore(path), clock=clock)
    login = login_tokens(fake, expired=True)
    newer = TokenSet(access_token=SecretStr("at-9"), expires_at=clock() + 3600)
    async with anyio.create_task_group() as tg:
        tg.start_soon(source.save, login)
        with anyio.fail_after(2):
            await hook_started.wait()
            async with other.store.lock("acme"):
                pass
            await other.save(newer)  # takes both locks of its own while the hook runs
        tg.cancel_scope.cancel()
    assert dump(await other.store.load("acme")) == dump(newer)

    # A save whose hook is slow is cancelled promptly, after the token set was saved.
    start = anyio.current_time()
    with pytest.raises(TimeoutError), anyio.fail_after(0.5):
        await source.save(login)
    assert anyio.current_time() - start < 1.5
    assert dump(await source.store.load("acme")) == dump(login)
    assert dump(source.current) == dump(login)


async def test_refresh_hook_runs_outside_the_store_lock(tmp_path: Any) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    lock_free: list[bool] = []

    async def hook(token_set: TokenSet) -> None:
        # Another process may take the store lock while the hook runs.
        with anyio.move_on_after(1):
            async with FileTokenStore(store.path, lock_timeout=0.5).lock("acme"):
                lock_free.append(True)
                return
        lock_free.append(False)

    _, fake, source, _ = await setup(store=store, on_token=hook)
    assert await source.access_token() == "at-1"
    assert lock_free == [True]
    assert fake.calls["token"] == 1
