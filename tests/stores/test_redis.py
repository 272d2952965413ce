"""RedisTokenStore against a real redis-server: format, atomic refusals, locks, failures."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
import redis
import redis.asyncio
from pydantic import SecretStr

from lexoffice_auth import TokenSet
from lexoffice_auth.errors import ConfigurationError, TokenStoreError
from lexoffice_auth.stores._redis import RedisTokenStore, redact_url

from ..support import redis_server as redis_server_module
from ..support.redis_server import RedisServer, free_port, redis_server_fixture  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
TOKENS = TokenSet(
    access_token=SecretStr("at-secret"),
    refresh_token=SecretStr("rt-secret"),
    expires_at=1_900_000_000.0,
    issued_at=1_899_996_400.0,
    scopes=("contacts.read",),
)


@pytest.fixture
def prefix() -> str:
    """A fresh key prefix per test: tests share one server but never each other's keys."""
    return f"test-{uuid.uuid4().hex[:12]}:"


@pytest.fixture
def raw(redis_server: RedisServer) -> Iterator[redis.Redis]:
    """A synchronous client for looking at and planting raw values."""
    client = redis.Redis.from_url(redis_server.url)
    yield client
    client.close()


def make_store(server: RedisServer, prefix: str, **kwargs: Any) -> RedisTokenStore:
    return RedisTokenStore(url=server.url, prefix=prefix, **kwargs)


# --- format ----------------------------------------------------------------------------------


ODD_KEYS = ["acme", "a:b", "*", "tokens:x?[y]", "ü / \n\x00 end", "%41", "x" * 500]


async def test_round_trip_for_any_account_key(
    redis_server: RedisServer, prefix: str, raw: redis.Redis
) -> None:
    async with make_store(redis_server, prefix) as store:
        for key in ODD_KEYS:
            assert await store.load(key) is None
            await store.save(key, TOKENS)
        for key in ODD_KEYS:
            assert await store.load(key) == TOKENS
        newer = TOKENS.model_copy(update={"access_token": SecretStr("at-2")})
        await store.save("acme", newer)
        assert await store.load("acme") == newer
        assert await store.load("a:b") == TOKENS
    # One readable, escaped Redis key per account key; the escape is injective.
    keys = {k.decode() for k in raw.keys(prefix + "*")}
    assert prefix + "tokens:acme" in keys
    assert prefix + "tokens:a%3Ab" in keys
    assert prefix + "tokens:%2A" in keys
    assert prefix + "tokens:%2541" in keys
    assert len(keys) == len(ODD_KEYS)
    envelope = json.loads(raw.get(prefix + "tokens:acme") or b"")
    assert envelope["format"] == "lexoffice-auth/redis-token"
    assert envelope["version"] == 1
    assert envelope["account_key"] == "acme"
    assert envelope["token_set"]["refresh_token"] == "rt-secret"


async def test_delete(redis_server: RedisServer, prefix: str, raw: redis.Redis) -> None:
    async with make_store(redis_server, prefix) as store:
        await store.save("acme", TOKENS)
        await store.save("other", TOKENS)
        await store.delete("acme")
        await store.delete("acme")  # no error when there is nothing to delete
        await store.delete("never-saved")
        assert await store.load("acme") is None
        assert await store.load("other") == TOKENS
    assert raw.exists(prefix + "tokens:acme") == 0


def _envelope(**changes: Any) -> bytes:
    doc = {
        "format": "lexoffice-auth/redis-token",
        "version": 1,
        "account_key": "acme",
        "token_set": TOKENS.to_dict(),
    }
    doc.update(changes)
    return json.dumps(doc).encode()


FOREIGN = {
    "not json": b"{not json",
    "not utf-8": b"\xff\xfe\x00",
    "another program's json": b'{"session": "abc"}',
    "a json list": b"[1, 2]",
    "another format": _envelope(format="someone-else/token"),
    "a newer version": _envelope(version=2),
    "another account's envelope": _envelope(account_key="other"),
    "deeply nested json": b"[" * 100_000,  # json.loads raises RecursionError
}


@pytest.mark.parametrize("value", FOREIGN.values(), ids=FOREIGN.keys())
async def test_foreign_or_corrupt_values_are_refused_and_left_untouched(
    redis_server: RedisServer, prefix: str, raw: redis.Redis, value: bytes
) -> None:
    key = prefix + "tokens:acme"
    raw.set(key, value)
    async with make_store(redis_server, prefix) as store:
        with pytest.raises(TokenStoreError, match="tokens:acme"):
            await store.load("acme")
        with pytest.raises(TokenStoreError, match="left untouched"):
            await store.save("acme", TOKENS)
        with pytest.raises(TokenStoreError, match="left untouched"):
            await store.delete("acme")
    assert raw.get(key) == value


async def test_a_foreign_redis_type_is_a_token_store_error(
    redis_server: RedisServer, prefix: str, raw: redis.Redis
) -> None:
    key = prefix + "tokens:acme"
    raw.hset(key, "field", "value")
    async with make_store(redis_server, prefix) as store:
        for call in (store.load("acme"), store.save("acme", TOKENS), store.delete("acme")):
            with pytest.raises(TokenStoreError, match="WRONGTYPE"):
                await call
    assert raw.hgetall(key) == {b"field": b"value"}


async def test_an_invalid_token_set_in_our_envelope_fails_load_but_a_new_login_repairs_it(
    redis_server: RedisServer, prefix: str, raw: redis.Redis
) -> None:
    raw.set(prefix + "tokens:acme", _envelope(token_set={"access_token": 42}))
    async with make_store(redis_server, prefix) as store:
        with pytest.raises(TokenStoreError, match="is invalid"):
            await store.load("acme")
        await store.save("acme", TOKENS)
        assert await store.load("acme") == TOKENS


async def test_save_is_atomic_a_foreign_write_after_our_check_is_not_overwritten(
    redis_server: RedisServer, prefix: str, raw: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = prefix + "tokens:acme"
    async with make_store(redis_server, prefix) as store:
        await store.save("acme", TOKENS)
        client = store._client
        real_pipeline = client.pipeline

        def pipeline(*args: Any, **kwargs: Any) -> Any:
            pipe = real_pipeline(*args, **kwargs)
            real_get = pipe.get

            def get(name: str) -> Any:
                value = real_get(name)
                # Another program writes between our check and our EXEC.
                raw.set(key, b"foreign")
                return value

            pipe.get = get
            return pipe

        monkeypatch.setattr(client, "pipeline", pipeline)
        with pytest.raises(TokenStoreError, match="not hold JSON"):
            await store.save("acme", TOKENS.model_copy(update={"access_token": SecretStr("x")}))
    assert raw.get(key) == b"foreign"


# --- locks ------------------------------------------------------------------------------------


async def test_lock_excludes_across_two_clients(redis_server: RedisServer, prefix: str) -> None:
    inside = 0
    peak = 0
    entries = 0

    async def critical(store: RedisTokenStore, account: str) -> None:
        nonlocal inside, peak, entries
        async with store.lock(account):
            inside += 1
            entries += 1
            peak = max(peak, inside)
            await anyio.sleep(0.02)
            inside -= 1

    async with make_store(redis_server, prefix) as a, make_store(redis_server, prefix) as b:
        assert a._client is not b._client
        start = time.monotonic()
        async with anyio.create_task_group() as tg:
            for i in range(20):
                tg.start_soon(critical, (a, b)[i % 2], "acme")
        elapsed = time.monotonic() - start
    assert entries == 20
    assert peak == 1
    # The 20 holders ran one after another (0.4 s); all at once would take about 0.02 s.
    assert elapsed >= 20 * 0.02


async def test_locks_of_different_accounts_do_not_block_each_other(
    redis_server: RedisServer, prefix: str
) -> None:
    async with (
        make_store(redis_server, prefix) as a,
        make_store(redis_server, prefix, lock_timeout=0.2) as b,
    ):
        async with a.lock("acme"), b.lock("other"):
            pass
        async with a.lock("a:b"), b.lock("a%3Ab"):  # escaping keeps these apart too
            pass


async def test_lock_timeout_is_a_token_store_error(redis_server: RedisServer, prefix: str) -> None:
    async with (
        make_store(redis_server, prefix) as a,
        make_store(redis_server, prefix, lock_timeout=0.3) as b,
    ):
        async with a.lock("acme"):
            start = time.monotonic()
            with pytest.raises(TokenStoreError, match=r"timed out after 0.3 s .* 'acme'"):
                async with b.lock("acme"):
                    pytest.fail("the lock was held twice")
            assert 0.2 < time.monotonic() - start < 2
        async with b.lock("acme"):  # free again after the holder left
            pass


CRASHING_HOLDER = """
import asyncio, os, sys
from lexoffice_auth.stores._redis import RedisTokenStore

async def main():
    store = RedisTokenStore(url=sys.argv[1], prefix=sys.argv[2], lock_lease=0.5)
    async with store.lock("acme"):
        print("held", flush=True)
        os._exit(1)  # a crash: no release, no lease renewal

asyncio.run(main())
"""


async def test_a_crashed_holders_lock_expires_after_its_lease(
    redis_server: RedisServer, prefix: str, raw: redis.Redis
) -> None:
    with anyio.fail_after(30):
        proc = await anyio.run_process(
            [sys.executable, "-c", CRASHING_HOLDER, redis_server.url, prefix],
            cwd=ROOT,
            check=False,
        )
    assert proc.stdout == b"held\n", proc.stderr.decode()[-2000:]
    assert raw.exists(prefix + "lock:acme") == 1  # the crash left the lock behind
    async with make_store(redis_server, prefix, lock_timeout=5) as store:
        start = time.monotonic()
        async with store.lock("acme"):
            waited = time.monotonic() - start
    assert waited < 1.5


async def test_the_lease_is_renewed_while_the_holder_works(
    redis_server: RedisServer, prefix: str, raw: redis.Redis
) -> None:
    async with (
        make_store(redis_server, prefix, lock_lease=0.3) as a,
        make_store(redis_server, prefix, lock_timeout=0.5) as b,
    ):
        async with a.lock("acme"):
            # Longer than the lease: without renewal b would get the lock after 0.3 s.
            with pytest.raises(TokenStoreError, match="timed out"):
                async with b.lock("acme"):
                    pytest.fail("the lease of a working holder expired")
            assert raw.pttl(prefix + "lock:acme") > 0
        assert raw.exists(prefix + "lock:acme") == 0


async def test_renewal_stops_after_lock_timeout(
    redis_server: RedisServer, prefix: str, raw: redis.Redis
) -> None:
    store = make_store(redis_server, prefix, lock_lease=0.2, lock_timeout=0.3)
    async with store, store.lock("acme"):
        # A holder that hangs keeps the lock for at most lock_timeout + one lease.
        await anyio.sleep(0.9)
        assert raw.exists(prefix + "lock:acme") == 0


async def test_a_lost_lease_is_logged_not_raised_and_the_new_holder_keeps_its_lock(
    redis_server: RedisServer, prefix: str, raw: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    lock_key = prefix + "lock:acme"
    async with make_store(redis_server, prefix) as a, make_store(redis_server, prefix) as b:
        with caplog.at_level(logging.WARNING, logger="lexoffice_auth"):
            async with a.lock("acme"):
                raw.delete(lock_key)  # the lease ran out (a stalled event loop, say)
                async with b.lock("acme"):
                    holder = raw.get(lock_key)
                    # a's release must not free b's lock.
            assert holder is not None
        assert "had expired before it was released" in caplog.text


async def test_lock_is_released_on_errors_and_cancellation(
    redis_server: RedisServer, prefix: str, raw: redis.Redis
) -> None:
    lock_key = prefix + "lock:acme"
    async with make_store(redis_server, prefix) as store:
        with pytest.raises(RuntimeError):
            async with store.lock("acme"):
                raise RuntimeError("boom")
        assert raw.exists(lock_key) == 0

        entered = anyio.Event()

        async def hold() -> None:
            async with store.lock("acme"):
                entered.set()
                await anyio.sleep_forever()

        async with anyio.create_task_group() as tg:
            tg.start_soon(hold)
            with anyio.fail_after(5):
                await entered.wait()
            assert raw.exists(lock_key) == 1
            tg.cancel_scope.cancel()
        assert raw.exists(lock_key) == 0


async def test_cancelling_a_waiter_leaves_the_holders_lock_alone(
    redis_server: RedisServer, prefix: str, raw: redis.Redis
) -> None:
    lock_key = prefix + "lock:acme"
    async with make_store(redis_server, prefix) as a, make_store(redis_server, prefix) as b:
        async with a.lock("acme"):
            token = raw.get(lock_key)
            with anyio.move_on_after(0.2) as scope:
                async with b.lock("acme"):
                    pytest.fail("the lock was held twice")
            assert scope.cancelled_caught
            assert raw.get(lock_key) == token
        assert raw.exists(lock_key) == 0


# --- failures and secrets ------------------------------------------------------------------------


async def test_connection_refused_is_a_token_store_error_without_the_password() -> None:
    url = f"redis://alice:pa55word@127.0.0.1:{free_port()}/0"
    async with RedisTokenStore(url=url, lock_timeout=1) as store:
        assert "pa55word" not in repr(store)
        assert "alice:***@127.0.0.1" in repr(store)
        calls = [store.load("acme"), store.save("acme", TOKENS), store.delete("acme")]
        for call in calls:
            with pytest.raises(TokenStoreError, match="ConnectionError") as info:
                await call
            assert "pa55word" not in str(info.value)
        with pytest.raises(TokenStoreError, match="refresh lock") as info:
            async with store.lock("acme"):
                pytest.fail("locked without a server")
        assert "pa55word" not in str(info.value)


async def test_a_server_that_does_not_answer_is_a_token_store_error() -> None:
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        client = redis.Redis(
            host="127.0.0.1", port=port, socket_timeout=0.2, retry=Retry(NoBackoff(), 0)
        )
        store = RedisTokenStore(client)
        start = time.monotonic()
        with pytest.raises(TokenStoreError, match="TimeoutError"):
            await store.load("acme")
        assert time.monotonic() - start < 3
        client.close()


async def test_wrong_password_is_a_token_store_error_and_acl_users_work(
    redis_server: RedisServer, prefix: str, raw: redis.Redis
) -> None:
    user = f"u{uuid.uuid4().hex[:8]}"
    raw.execute_command("ACL", "SETUSER", user, "on", ">s3cret-pw", "~*", "&*", "+@all")
    try:
        host = f"{redis_server.host}:{redis_server.port}"
        async with RedisTokenStore(url=f"redis://{user}:wrong-pw@{host}/0") as bad:
            with pytest.raises(TokenStoreError, match="AuthenticationError") as info:
                await bad.load("acme")
            assert "wrong-pw" not in str(info.value)
            assert "wrong-pw" not in repr(bad)
        good_url = f"redis://{user}:s3cret-pw@{host}/0"
        async with RedisTokenStore(url=good_url, prefix=prefix) as good:
            await good.save("acme", TOKENS)
            assert await good.load("acme") == TOKENS
            assert "s3cret-pw" not in repr(good)
    finally:
        raw.execute_command("ACL", "DELUSER", user)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://u:p%40ss@h:1/0", "redis://u:***@h:1/0"),
        ("redis://:pw@h", "redis://:***@h"),
        (
            "rediss://h:6380/2?password=pw&ssl_cert_reqs=none",
            "rediss://h:6380/2?password=***&ssl_cert_reqs=none",
        ),
        ("unix://:pw@/run/redis.sock?db=1", "unix://:***@/run/redis.sock?db=1"),
        ("redis://h:6379/0", "redis://h:6379/0"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_repr_of_a_user_supplied_client_shows_no_password() -> None:
    client = redis.Redis(host="127.0.0.1", port=6390, password="hunter2")
    store = RedisTokenStore(client, prefix="p:")
    assert repr(store) == "RedisTokenStore('redis://127.0.0.1:6390/0', prefix='p:')"


async def test_a_user_supplied_client_is_not_closed(redis_server: RedisServer, prefix: str) -> None:
    client = redis.Redis.from_url(redis_server.url)
    async with RedisTokenStore(client, prefix=prefix) as store:
        await store.save("acme", TOKENS)
    assert client.ping()
    client.close()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "either a client or url"),
        ({"url": "redis://h", "client": redis.Redis()}, "either a client or url"),
        ({"url": "http://u:topsecret@h"}, "invalid Redis URL"),
        ({"url": "redis://h", "lock_timeout": 0}, "positive"),
        ({"url": "redis://h", "lock_lease": float("inf")}, "positive"),
        ({"url": "redis://h", "lock_timeout": "x"}, "lock_timeout"),
        ({"url": "redis://h", "lock_lease": None}, "lock_lease"),
        ({"url": "redis://h", "lock_timeout": float("nan")}, "lock_timeout"),
        ({"client": object()}, "synchronous redis.Redis"),
        ({"client": redis.asyncio.Redis()}, "redis.asyncio clients are not accepted"),
    ],
)
def test_bad_configuration(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match) as info:
        RedisTokenStore(**kwargs)
    assert "topsecret" not in str(info.value)


async def test_bad_account_keys_are_configuration_errors(
    redis_server: RedisServer, prefix: str
) -> None:
    async with make_store(redis_server, prefix) as store:
        for key in ("", ["acme"], None, b"acme"):
            with pytest.raises(ConfigurationError, match="account_key"):
                await store.load(key)  # type: ignore[arg-type]
            with pytest.raises(ConfigurationError, match="account_key"):
                await store.save(key, TOKENS)  # type: ignore[arg-type]
            with pytest.raises(ConfigurationError, match="account_key"):
                async with store.lock(key):  # type: ignore[arg-type]
                    pass
        with pytest.raises(ConfigurationError, match="TokenSet"):
            await store.save("acme", {"access_token": "at"})  # type: ignore[arg-type]
        assert await store.load("acme") is None


def test_without_the_redis_package_a_clear_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("redis", "redis.asyncio", "redis.exceptions"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ConfigurationError, match=r"pip install 'lexoffice-auth\[redis\]'"):
        RedisTokenStore(url="redis://localhost")


def test_the_module_imports_without_redis() -> None:
    code = (
        "import sys; sys.modules['redis'] = None\n"
        "import lexoffice_auth.stores._redis as m\n"
        "print(m.RedisTokenStore.__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, timeout=30, cwd=ROOT, check=True
    )
    assert out.stdout == b"RedisTokenStore\n"


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_under_trio_every_method_works(
    redis_server: RedisServer, prefix: str, raw: redis.Redis
) -> None:
    async with make_store(redis_server, prefix, lock_lease=0.3) as store:
        await store.save("acme", TOKENS)
        assert await store.load("acme") == TOKENS
        async with store.lock("acme"):
            await anyio.sleep(0.5)  # longer than the lease: the renewal thread keeps it
            assert raw.exists(prefix + "lock:acme") == 1
        assert raw.exists(prefix + "lock:acme") == 0
        await store.delete("acme")
        assert await store.load("acme") is None


def test_one_store_serves_asyncio_and_trio_event_loops(
    redis_server: RedisServer, prefix: str
) -> None:
    store = make_store(redis_server, prefix)

    async def use(n: int) -> TokenSet | None:
        async with store.lock("acme"):
            await store.save("acme", TOKENS.model_copy(update={"generation": n}))
            return await store.load("acme")

    for n, backend in enumerate(["asyncio", "trio", "asyncio"], start=1):
        found = anyio.run(use, n, backend=backend)
        assert found is not None and found.generation == n
    anyio.run(store.aclose, backend="trio")


@pytest.mark.parametrize("ci", ["1", None])
def test_without_redis_server_ci_fails_and_local_runs_skip(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ci: str | None
) -> None:
    monkeypatch.delenv("REDIS_SERVER", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(redis_server_module, "FALLBACK", tmp_path / "missing")
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
        expected: type[BaseException] = pytest.skip.Exception
    else:
        monkeypatch.setenv("CI", ci)
        expected = pytest.fail.Exception
    with pytest.raises(expected, match="apt-get install -y redis-server"):
        redis_server_module.find_redis_server()
