"""Must-hold fleet guarantees with real OS processes, real files and a real redis-server.

* 50 accounts x 20 concurrent requests, all expired, across 3 processes: 50 refreshes.
* A lock holder killed (SIGKILL) or paused (SIGSTOP) mid-refresh: another process takes
  over after the lease; the paused holder's late save does not overwrite the newer set.
* Redis stopped and started during a run: TokenStoreError while down, no token lost.

The provider is the sandbox with sequential token names (``refresh_sandbox``), served on a
loopback port for the worker processes.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import anyio
import pytest
import redis

from lexoffice_auth import TokenSet
from lexoffice_auth.errors import TokenStoreError
from lexoffice_auth.stores import RedisTokenStore
from lexoffice_auth.testing import FakeClock, FakeLexoffice
from tests.support.sources import make_source

from ..support.processes import ROOT, open_store, run_workers, served_oauth_client
from ..support.redis_server import (  # noqa: F401
    RedisServer,
    answers_ping,
    find_redis_server,
    free_port,
    redis_server_fixture,
)
from ..support.refresh_sandbox import (
    login_tokens,
    oauth_client,
    refresh_sandbox,
    served_refresh_sandbox,
)

ACCOUNTS = 50
REQUESTS = 20
PROCESSES = 3


def login(fake: FakeLexoffice) -> TokenSet:
    """A login's tokens, expired and saved once before (``generation=1``)."""
    return login_tokens(fake, expired=True).model_copy(update={"generation": 1})


def refreshes(fake: FakeLexoffice) -> list[str]:
    """The refresh token of every token request the sandbox answered, in order."""
    return [
        parse_qs(request.content.decode()).get("refresh_token", [""])[0]
        for request in fake.requests
        if request.url.path.endswith("/oauth2/token")
    ]


def secrets_of(token_set: TokenSet) -> tuple[str, str | None, int]:
    """Access token, refresh token and generation, comparable (and readable when they differ)."""
    refresh = token_set.refresh_token
    return (
        token_set.access_token.get_secret_value(),
        refresh.get_secret_value() if refresh is not None else None,
        token_set.generation,
    )


async def seed(kind: str, where: str, prefix: str, tokens: dict[str, TokenSet]) -> None:
    store = open_store(kind, where, prefix)
    try:
        for account, token_set in tokens.items():
            await store.save(account, token_set)
    finally:
        if kind == "redis":
            await store.aclose()


async def load_all(kind: str, where: str, prefix: str, accounts: list[str]) -> list[TokenSet]:
    store = open_store(kind, where, prefix)
    try:
        loaded = [await store.load(account) for account in accounts]
    finally:
        if kind == "redis":
            await store.aclose()
    assert None not in loaded
    return [token_set for token_set in loaded if token_set is not None]


@pytest.fixture
def prefix() -> str:
    return f"fleet-{uuid.uuid4().hex[:10]}:"


# --- (a) 50 accounts x 20 requests across 3 processes ------------------------------------------

BURST_WORKER = """
import json, sys
import anyio
from tests.support.processes import open_store, served_oauth_client
from tests.support.sources import make_source

async def main(kind, where, prefix, base_url, accounts, requests, backend_name):
    store = open_store(kind, where, prefix)
    oauth = served_oauth_client(base_url)
    sources = [make_source(oauth, f"acct{i}", store) for i in range(accounts)]
    await store.load("acct0")  # connect before the barrier
    print("ready", flush=True)
    await anyio.to_thread.run_sync(sys.stdin.readline)  # the start barrier
    tokens = {}

    async def call(source):
        token = await source.access_token()
        tokens.setdefault(source.account_key, set()).add(token)

    async with anyio.create_task_group() as tg:
        for _ in range(requests):
            for source in sources:
                tg.start_soon(call, source)
    await oauth.aclose()
    if kind == "redis":
        await store.aclose()
    print(json.dumps({k: sorted(v) for k, v in tokens.items()}))

anyio.run(main, *sys.argv[1:5], int(sys.argv[5]), int(sys.argv[6]), sys.argv[7],
          backend=sys.argv[7])
"""


def _fleet_burst(kind: str, where: str, prefix: str, backends: list[str]) -> dict[str, Any]:
    fake = served_refresh_sandbox(token_delay=0.05)
    accounts = {f"acct{i}": login(fake) for i in range(ACCOUNTS)}  # at-i, rt-i
    account_of = {
        t.refresh_token.get_secret_value(): a for a, t in accounts.items() if t.refresh_token
    }
    anyio.run(seed, kind, where, prefix, accounts)
    with fake.serve() as base_url:
        start = time.monotonic()
        results = run_workers(
            BURST_WORKER,
            [
                [kind, where, prefix, base_url, str(ACCOUNTS), str(REQUESTS), backend]
                for backend in backends
            ],
            within=120,
        )
        elapsed = time.monotonic() - start
    # Exactly one refresh per account, each with the account's only live refresh token.
    sent = refreshes(fake)
    assert len(sent) == ACCOUNTS, f"{len(sent)} refreshes for {ACCOUNTS} accounts"
    assert sorted(sent) == sorted(account_of), "a refresh token was used twice, or a foreign one"
    assert fake.reused_refresh_tokens == []
    # Each was spent, which only a refresh answered with new tokens does.
    assert not any(fake.token_is_live(refresh) for refresh in account_of)
    # Sequential names: the sandbox's n-th token answer carries at-n and rt-n, so the answer
    # to the refresh of the account's login token is that account's new token set.
    number = {account_of[refresh]: ACCOUNTS + n for n, refresh in enumerate(sent)}
    for result in results:  # every request of every process got the account's one new token
        assert result == {a: [f"at-{number[a]}"] for a in accounts}
    stored = anyio.run(load_all, kind, where, prefix, list(accounts))
    assert [secrets_of(t) for t in stored] == [
        (f"at-{number[a]}", f"rt-{number[a]}", 2) for a in accounts
    ]
    return {"elapsed": elapsed}


@pytest.mark.slow
def test_50_accounts_x_20_requests_across_3_processes_on_redis_refresh_50_times(
    redis_server: RedisServer, prefix: str
) -> None:
    # Two asyncio processes and one trio process share the store.
    figures = _fleet_burst("redis", redis_server.url, prefix, ["asyncio", "trio", "asyncio"])
    print(f"redis fleet burst: {figures['elapsed']:.2f} s")
    assert figures["elapsed"] < 120


@pytest.mark.slow
def test_50_accounts_x_20_requests_across_3_processes_on_a_file_refresh_50_times(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "tokens.json")
    figures = _fleet_burst("file", path, "", ["asyncio", "trio", "asyncio"])
    print(f"file fleet burst: {figures['elapsed']:.2f} s")


# --- (b) a holder killed or paused mid-refresh -------------------------------------------------

HOLDER = """
import json, sys
import anyio
from tests.support.processes import served_oauth_client
from lexoffice_auth.stores import RedisTokenStore
from tests.support.sources import make_source

async def main(url, prefix, base_url):
    store = RedisTokenStore(url=url, prefix=prefix, lock_lease=0.5, lock_timeout=0.5)
    oauth = served_oauth_client(base_url)
    source = make_source(oauth, "acct", store)
    await store.load("acct")
    print("ready", flush=True)
    await anyio.to_thread.run_sync(sys.stdin.readline)
    token = await source.access_token()
    print(json.dumps({"token": token, "generation": source.current.generation}), flush=True)
    await oauth.aclose()
    await store.aclose()

anyio.run(main, *sys.argv[1:4])
"""


async def _take_over(url: str, prefix: str, base_url: str) -> tuple[str, int]:
    async with RedisTokenStore(url=url, prefix=prefix, lock_lease=0.5, lock_timeout=20) as store:
        oauth = served_oauth_client(base_url)
        try:
            source = make_source(oauth, "acct", store)
            token = await source.access_token()
            assert source.current is not None
            return token, source.current.generation
        finally:
            await oauth.aclose()


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGKILL", "SIGSTOP"])
def test_a_holder_stopped_mid_refresh_is_taken_over_and_its_late_save_is_refused(
    redis_server: RedisServer, prefix: str, how: str
) -> None:
    raw = redis.Redis.from_url(redis_server.url)
    # Without rotation the holder's refresh does not spend the refresh token the next one
    # uses; each answer takes a second, long enough to stop the holder while it waits.
    fake = refresh_sandbox(FakeClock(), rotate=False, token_delay=1.0)
    anyio.run(seed, "redis", redis_server.url, prefix, {"acct": login(fake)})  # at-0, rt-0
    with fake.serve() as base_url:
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER, redis_server.url, prefix, base_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
        )
        try:
            assert holder.stdin is not None and holder.stdout is not None
            ready, _, _ = select.select([holder.stdout], [], [], 30)
            assert ready and holder.stdout.readline().strip() == b"ready"
            holder.stdin.write(b"go\n")
            holder.stdin.flush()
            deadline = time.monotonic() + 20
            while fake.token_calls["refresh_token"] == 0:  # the holder has the lock, asks
                assert time.monotonic() < deadline, "the holder never refreshed"
                time.sleep(0.005)
            assert raw.exists(prefix + "lock:acct") == 1
            os.kill(holder.pid, getattr(signal, how))
            start = time.monotonic()
            token, generation = anyio.run(_take_over, redis_server.url, prefix, base_url)
            took = time.monotonic() - start
            # It waited for the lease (0.5 s), not for the lock timeout, and refreshed.
            assert 0.3 < took < 10, took
            assert (token, generation) == ("at-2", 2)
            assert refreshes(fake) == ["rt-0", "rt-0"]
            if how == "SIGSTOP":
                os.kill(holder.pid, signal.SIGCONT)
                out, _ = holder.communicate(timeout=30)
                assert holder.returncode == 0
                # Its refresh (at-1, generation 2) lost: it adopted the stored set.
                assert json.loads(out) == {"token": "at-2", "generation": 2}
            else:
                holder.wait(10)
                assert holder.returncode == -signal.SIGKILL
        finally:
            if holder.poll() is None:
                os.kill(holder.pid, signal.SIGCONT)
                holder.kill()
                holder.wait()
    stored = anyio.run(load_all, "redis", redis_server.url, prefix, ["acct"])
    assert [secrets_of(t) for t in stored] == [("at-2", "rt-0", 2)]
    raw.close()


# --- (c) Redis stopped and started during a run ------------------------------------------------


@pytest.fixture
def restartable_redis(tmp_path: Path) -> Iterator[tuple[str, Any, Any]]:
    """A persistent (AOF) redis-server that the test can stop and start on one port."""
    binary = find_redis_server()
    port = free_port()
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", str(tmp_path),
             "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        procs.append(proc)
        deadline = time.monotonic() + 10
        while not answers_ping(port):
            assert proc.poll() is None and time.monotonic() < deadline, "redis did not start"
            time.sleep(0.02)

    def stop() -> None:
        proc = procs[-1]
        proc.terminate()  # a clean shutdown; the AOF holds every write
        proc.wait(10)

    start()
    try:
        yield f"redis://127.0.0.1:{port}/0", start, stop
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_redis_down_is_a_token_store_error_and_nothing_is_lost(
    restartable_redis: tuple[str, Any, Any],
) -> None:
    url, start, stop = restartable_redis
    fake = refresh_sandbox()  # in process: only Redis is a real server here
    oauth = oauth_client(fake)
    store = RedisTokenStore(url=url, prefix="p:", lock_timeout=2)
    try:
        await store.save("acct", login(fake))  # at-0, rt-0
        source = make_source(oauth, "acct", store)
        assert await source.access_token() == "at-1"
        await anyio.to_thread.run_sync(stop)
        # A cached valid token needs no store; anything that needs it fails typed.
        assert await source.access_token() == "at-1"
        for _ in range(3):
            with pytest.raises(TokenStoreError, match="ConnectionError"):
                await source.refresh()
            with pytest.raises(TokenStoreError):
                await make_source(oauth, "acct", store).access_token()
        assert fake.token_calls["refresh_token"] == 1  # no refresh without the store
        await anyio.to_thread.run_sync(start)
        # Back: a new source finds the token saved before the outage (nothing lost).
        fresh = make_source(oauth, "acct", store)
        assert await fresh.access_token() == "at-1"
        assert fake.token_calls["refresh_token"] == 1
        refreshed = await source.refresh()
        assert refreshed.access_token.get_secret_value() == "at-2"
        stored = await store.load("acct")
        assert stored is not None and secrets_of(stored) == ("at-2", "rt-2", 3)
        assert fake.reused_refresh_tokens == []
    finally:
        await oauth.aclose()
        await store.aclose()
