"""panva's ``oidc-provider`` (Node), served on 127.0.0.1 for the interop tests.

A certified OpenID provider, next to our own sandbox: what passes against both is what
the specifications say, not what the two of them happen to agree on. It runs from
``tests/interop/oidc_provider/server.mjs`` with the package pinned in that folder's
``package.json``; ``.ci/run`` installs it (``npm ci``). Without ``node`` on the PATH, or
without the installed package, the tests that need it are skipped with the reason.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest

HERE = Path(__file__).parents[1] / "interop" / "oidc_provider"
REDIRECT = "http://127.0.0.1:8400/callback"


def missing() -> str | None:
    """Why the provider cannot run here, or None."""
    if shutil.which("node") is None:
        return "node is not on the PATH (see CONTRIBUTING: interop tests)"
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        return f"oidc-provider is not installed: run `npm ci` in {HERE}"
    return None


@contextmanager
def oidc_provider(**config: Any) -> Iterator[str]:
    """Serve oidc-provider with ``config`` (clients, fapi, ...); yields its issuer URL."""
    reason = missing()
    if reason:
        pytest.skip(reason)
    process = subprocess.Popen(
        ["node", str(HERE / "server.mjs")],
        cwd=HERE,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps(config))
        process.stdin.close()
        line = process.stdout.readline()
        if not line:
            raise AssertionError(f"oidc-provider did not start: {process.stderr.read()}")  # type: ignore[union-attr]
        yield json.loads(line)["issuer"]
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def client(client_id: str, **metadata: Any) -> dict[str, Any]:
    """A client registration for the provider (a confidential web client by default)."""
    return {
        "client_id": client_id,
        "redirect_uris": [REDIRECT],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        **metadata,
    }


async def browse(authorization_url: str) -> str:
    """Play the browser: follow the provider's redirects (it approves every login) until
    it sends the user back to ``REDIRECT``; return that callback URL."""
    url = authorization_url
    async with httpx.AsyncClient() as browser:  # its own cookie jar: the provider's session
        for _ in range(10):
            response = await browser.get(url)
            location = response.headers.get("location")
            if response.status_code not in (302, 303) or location is None:
                raise AssertionError(f"{response.status_code} at {url}: {response.text[:500]}")
            url = urljoin(url, location)
            if url.startswith(REDIRECT):
                return url
    raise AssertionError("the provider never sent the browser back")
