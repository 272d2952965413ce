"""A real ``redis-server`` on a free loopback port, for the Redis token store tests.

Test modules import ``redis_server_fixture`` to get the ``redis_server`` fixture.
Without the ``redis-server`` binary the tests are skipped, or fail when ``CI`` is set
(CI must not pass by skipping them). Install it with ``apt-get install -y redis-server``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

START_TIMEOUT = 10.0
# Debian's place for it, in case /usr/bin is not on PATH.
FALLBACK = Path("/usr/bin/redis-server")


@dataclass(frozen=True)
class RedisServer:
    """A running server: ``url`` is ``redis://127.0.0.1:<port>/0``."""

    host: str
    port: int

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"


def find_redis_server() -> str:
    """The redis-server binary, or skip / fail (under ``CI``) the test that needs it."""
    binary = os.environ.get("REDIS_SERVER") or shutil.which("redis-server")
    if binary is None and FALLBACK.exists():
        binary = str(FALLBACK)
    if binary is None:
        message = "redis-server not found: install it (apt-get install -y redis-server)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must run the Redis store tests", pytrace=False)
        pytest.skip(message)
    return binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def running_redis_server() -> Iterator[RedisServer]:
    """Start redis-server (no persistence), wait for PING, and kill it afterwards."""
    binary = find_redis_server()
    with tempfile.TemporaryDirectory(prefix="lexoffice-redis-") as workdir:
        for _ in range(3):  # the free port may be taken between our probe and its bind
            port = free_port()
            log = Path(workdir, f"redis-{port}.log")
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [
                        binary,
                        "--port",
                        str(port),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        workdir,
                        "--daemonize",
                        "no",
                    ],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            try:
                deadline = time.monotonic() + START_TIMEOUT
                while proc.poll() is None and time.monotonic() < deadline:
                    if answers_ping(port):
                        break
                    time.sleep(0.02)
                else:
                    proc.kill()
                    proc.wait(5)
                    continue
                yield RedisServer("127.0.0.1", port)
                return
            finally:
                if proc.poll() is None:
                    proc.terminate()
                    try:
                        proc.wait(5)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait(5)
        pytest.fail(f"redis-server did not answer PING; its log:\n{log.read_text()[-2000:]}")


@pytest.fixture(scope="session", name="redis_server")
def redis_server_fixture() -> Iterator[RedisServer]:
    """A redis-server for the whole test session (started on first use)."""
    with running_redis_server() as server:
        yield server
