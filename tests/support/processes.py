"""Real OS processes for the multi-process tests: a start barrier so that every worker bursts
at once. Their provider is the sandbox served on a loopback port (``refresh_sandbox``)."""

from __future__ import annotations

import json
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from lexoffice_auth import OAuthClient, ProviderMetadata
from lexoffice_auth.stores import FileTokenStore, RedisTokenStore, TokenStore

ROOT = Path(__file__).resolve().parents[2]


def run_workers(code: str, argvs: list[list[str]], *, within: float = 120.0) -> list[Any]:
    """Start one ``python -c code`` per argv, release them together, return their JSON output.

    Each worker prints ``ready``, waits for a line on stdin, then prints one JSON document.
    A worker that hangs fails the test (after ``within`` seconds) and never hangs the suite.
    """
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, *argv],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
        )
        for argv in argvs
    ]
    deadline = time.monotonic() + within
    try:
        for proc in procs:
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], deadline - time.monotonic())
            assert ready, "a worker did not start in time"
            assert proc.stdout.readline().strip() == b"ready"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(b"go\n")
            proc.stdin.flush()
        results = []
        for proc in procs:
            out, _ = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
            assert proc.returncode == 0
            results.append(json.loads(out))
        return results
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def served_oauth_client(base_url: str) -> OAuthClient:
    """An ``OAuthClient`` of the served sandbox's public client, for worker processes.

    Built from the sandbox's URLs without importing ``lexoffice_auth.testing``: every
    worker would pay for that import before it is ready.
    """
    metadata = ProviderMetadata(
        issuer=base_url,
        authorization_endpoint=base_url + "/oauth2/authorize",
        token_endpoint=base_url + "/oauth2/token",
    )
    return OAuthClient(
        "sandbox-client",
        "http://127.0.0.1/callback",
        metadata=metadata,
        http_client=httpx.AsyncClient(trust_env=False),
    )


def open_store(kind: str, where: str, prefix: str, **options: Any) -> TokenStore:
    """A ``RedisTokenStore`` (``kind="redis"``, ``where`` its URL) or a ``FileTokenStore``."""
    if kind == "redis":
        return RedisTokenStore(url=where, prefix=prefix, **options)
    return FileTokenStore(where, **options)
