"""Must-hold fleet guarantees with real OS processes, real files and a real redis-server.

* 50 accounts x 20 concurrent requests, all expired, across 3 processes: 50 refreshes.
* A lock holder killed (SIGKILL) or paused (SIGSTOP) mid-refresh: another process takes
  over after the lease; the paused holder's late save does not overwrite the newer set.
* Redis stopped and started during a run: TokenStoreError while down, no token lost.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import anyio
import httpx
import pytest
import redis
from pydantic import SecretStr

from lexoffice_auth import ProviderMetadata, TokenSet
from lexoffice_auth._oauth.client import OAuthClient
from lexoffice_auth.errors import TokenStoreError
from lexoffice_auth.stores import FileTokenStore, RedisTokenStore
from tests.support.sources import make_source

from ..support.processes import ROOT, run_workers
from ..support.redis_server import (  # noqa: F401
    RedisServer,
    answers_ping,
    find_redis_server,
    free_port,
    redis_server_fixture,
)

ACCOUNTS = 50
REQUESTS = 20
PROCESSES = 3


class AccountsTokenServer:
    """A loopback token endpoint for many accounts, rotating refresh tokens.

    Refresh token ``rt-{account}-{n}`` gives ``at-{account}-{n+1}`` and ``rt-{account}-{n+1}``
    (with ``rotate=False`` the refresh token stays). ``uses`` counts the requests per refresh
    token; a dead one is answered ``invalid_grant`` and recorded in ``stale``.
    """

    def __init__(self, *, delay: float = 0.05, rotate: bool = True) -> None:
        self.delay = delay
        self.rotate = rotate
        self.uses: Counter[str] = Counter()
        self.stale: list[str] = []
        self.live: dict[str, int] = {}  # account -> live refresh generation
        self.issued: dict[str, int] = {}  # account -> last access token generation
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                status, body = outer.exchange(form.get("refresh_token", ""))
                time.sleep(outer.delay)
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client was killed (the SIGKILL test)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def calls(self) -> int:
        return sum(self.uses.values())

    def exchange(self, refresh: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.uses[refresh] += 1
            account, _, n = refresh.removeprefix("rt-").rpartition("-")
            if not n.isdigit() or self.live.get(account, 0) != int(n):
                self.stale.append(refresh)
                return 400, {"error": "invalid_grant"}
            issued = self.issued.get(account, 0) + 1
            self.issued[account] = issued
            body: dict[str, Any] = {
                "access_token": f"at-{account}-{issued}",
                "token_type": "Bearer",
                "expires_in": 3600,
            }
            if self.rotate:
                self.live[account] = issued
                body["refresh_token"] = f"rt-{account}-{issued}"
            return 200, body

    def __enter__(self) -> AccountsTokenServer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def expired(account: str, n: int = 0) -> TokenSet:
    now = time.time()
    return TokenSet(
        access_token=SecretStr(f"at-{account}-{n}"),
        expires_at=now - 10,
        issued_at=now - 3610,
        refresh_token=SecretStr(f"rt-{account}-{n}"),
        generation=1,
    )


def oauth_for(token_url: str) -> OAuthClient:
    metadata = ProviderMetadata(
        issuer=token_url,
        authorization_endpoint=token_url + "/authorize",
        token_endpoint=token_url + "/token",
    )
    return OAuthClient(
        "client-1",
        "https://app.example/cb",
        metadata=metadata,
        http_client=httpx.AsyncClient(trust_env=False),
    )


def open_store(kind: str, where: str, prefix: str, **options: Any) -> Any:
    if kind == "redis":
        return RedisTokenStore(url=where, prefix=prefix, **options)
    return FileTokenStore(where, **options)


async def seed(kind: str, where: str, prefix: str, tokens: dict[str, TokenSet]) -> None:
    store = open_store(kind, where, prefix)
    try:
        for account, token_set in tokens.items():
            await store.save(account, token_set)
    finally:
        if kind == "redis":
            await store.aclose()


async def load(kind: str, where: str, prefix: str, account: str) -> TokenSet | None:
    store = open_store(kind, where, prefix)
    try:
        return await store.load(account)
    finally:
        if kind == "redis":
            await store.aclose()


@pytest.fixture
def prefix() -> str:
    return f"fleet-{uuid.uuid4().hex[:10]}:"


# --- (a) 50 accounts x 20 requests across 3 processes ------------------------------------------

BURST_WORKER = """
import json, sys
import anyio
from tests.integration.test_fleet import oauth_for, open_store
from tests.support.sources import make_source

async def main(kind, where, prefix, token_url, accounts, requests, backend_name):
    store = open_store(kind, where, prefix)
    oauth = oauth_for(token_url)
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
    accounts = {f"acct{i}": expired(f"acct{i}") for i in range(ACCOUNTS)}
    anyio.run(seed, kind, where, prefix, accounts)
    with AccountsTokenServer(delay=0.05) as server:
        for account in accounts:
            server.live[account] = 0
        start = time.monotonic()
        results = run_workers(
            BURST_WORKER,
            [
                [kind, where, prefix, server.url, str(ACCOUNTS), str(REQUESTS), backend]
                for backend in backends
            ],
            within=120,
        )
        elapsed = time.monotonic() - start
    # Exactly one refresh per account, each with the account's only live refresh token.
    assert server.calls == ACCOUNTS, f"{server.calls} refreshes for {ACCOUNTS} accounts"
    assert set(server.uses) == {f"rt-{a}-0" for a in accounts}
    assert set(server.uses.values()) == {1}, "a refresh token was used twice"
    assert server.stale == []
    for result in results:  # every request of every process got the one new token
        assert result == {a: [f"at-{a}-1"] for a in accounts}
    for account in ("acct0", f"acct{ACCOUNTS - 1}"):
        stored = anyio.run(load, kind, where, prefix, account)
        assert stored is not None and stored.refresh_token == SecretStr(f"rt-{account}-1")
        assert stored.generation == 2
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
from tests.integration.test_fleet import oauth_for
from lexoffice_auth.stores import RedisTokenStore
from tests.support.sources import make_source

async def main(url, prefix, token_url):
    store = RedisTokenStore(url=url, prefix=prefix, lock_lease=0.5, lock_timeout=0.5)
    oauth = oauth_for(token_url)
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


async def _take_over(url: str, prefix: str, token_url: str) -> tuple[str, int]:
    async with RedisTokenStore(url=url, prefix=prefix, lock_lease=0.5, lock_timeout=20) as store:
        oauth = oauth_for(token_url)
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
    anyio.run(seed, "redis", redis_server.url, prefix, {"acct": expired("acct")})
    # rotate=False: the holder's refresh did not kill the refresh token the next one uses.
    with AccountsTokenServer(delay=1.0, rotate=False) as server:
        server.live["acct"] = 0
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER, redis_server.url, prefix, server.url],
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
            while server.calls == 0:  # the holder has the lock and its request is out
                assert time.monotonic() < deadline, "the holder never refreshed"
                time.sleep(0.005)
            assert raw.exists(prefix + "lock:acct") == 1
            os.kill(holder.pid, getattr(signal, how))
            start = time.monotonic()
            token, generation = anyio.run(_take_over, redis_server.url, prefix, server.url)
            took = time.monotonic() - start
            # It waited for the lease (0.5 s), not for the lock timeout, and refreshed.
            assert 0.3 < took < 10, took
            assert (token, generation) == ("at-acct-2", 2)
            assert server.calls == 2
            if how == "SIGSTOP":
                os.kill(holder.pid, signal.SIGCONT)
                out, _ = holder.communicate(timeout=30)
                assert holder.returncode == 0
                # Its refresh (at-acct-1, generation 2) lost: it adopted the stored set.
                assert json.loads(out) == {"token": "at-acct-2", "generation": 2}
            else:
                holder.wait(10)
                assert holder.returncode == -signal.SIGKILL
        finally:
            if holder.poll() is None:
                os.kill(holder.pid, signal.SIGCONT)
                holder.kill()
                holder.wait()
    stored = anyio.run(load, "redis", redis_server.url, prefix, "acct")
    assert stored is not None
    assert (stored.access_token.get_secret_value(), stored.generation) == ("at-acct-2", 2)
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
    with AccountsTokenServer(delay=0.0) as server:
        server.live["acct"] = 0
        oauth = oauth_for(server.url)
        store = RedisTokenStore(url=url, prefix="p:", lock_timeout=2)
        try:
            await store.save("acct", expired("acct"))
            source = make_source(oauth, "acct", store)
            assert await source.access_token() == "at-acct-1"
            await anyio.to_thread.run_sync(stop)
            # A cached valid token needs no store; anything that needs it fails typed.
            assert await source.access_token() == "at-acct-1"
            for _ in range(3):
                with pytest.raises(TokenStoreError, match="ConnectionError"):
                    await source.refresh()
                with pytest.raises(TokenStoreError):
                    await make_source(oauth, "acct", store).access_token()
            assert server.calls == 1  # no refresh without the store
            await anyio.to_thread.run_sync(start)
            # Back: a new source finds the token saved before the outage (nothing lost).
            fresh = make_source(oauth, "acct", store)
            assert await fresh.access_token() == "at-acct-1"
            assert server.calls == 1
            refreshed = await source.refresh()
            assert refreshed.access_token.get_secret_value() == "at-acct-2"
            stored = await store.load("acct")
            assert stored is not None and stored.generation == 3
            assert stored.refresh_token == SecretStr("rt-acct-2")
        finally:
            await oauth.aclose()
            await store.aclose()
