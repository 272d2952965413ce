"""Per-request cost of LexofficeAuth with a valid token, next to a static header, Authlib
and httpx-auth; and how many refreshes each does under a 1,000-request burst.

Run: ``python benchmarks/bench_auth.py [requests]`` (default 20,000) after
``pip install -e ".[dev,bench]"``.

Everything runs in-process over a MockTransport (no sockets), so the figures are the
client-side cost of the auth layer plus the HTTP library, not network time. The rows are
timed in interleaved chunks of 1,000 requests (CPU time of this process); the best chunk
and the median chunk are reported.

* Authlib 1.8+ is built on ``httpx2`` (``authlib/integrations/httpx_client/_compat.py``
  imports httpx2 and falls back to httpx), so its ``AsyncOAuth2Client`` runs on
  ``httpx2.MockTransport`` and is compared with a static header on httpx2 as well.
* httpx-auth has no refresh-token-from-storage mode for a plain bearer token; the closest
  honest equivalent is ``OAuth2ClientCredentials`` whose token is pre-seeded in its global
  ``OAuth2.token_cache``: a cache hit per request, a (synchronous) token request on expiry.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import sys
import time
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from lexoffice_auth import LexofficeAuth, ProviderMetadata, TokenSet
from lexoffice_auth._oauth.client import OAuthClient
from lexoffice_auth.stores import MemoryTokenStore

try:
    import httpx2
except ImportError:  # pragma: no cover
    httpx2 = None

API = "https://api.lexware.io"
TOKEN_URL = "https://id.example/token"
BURST = 1000


class Counter:
    def __init__(self) -> None:
        self.token_calls = 0


def token_body(n: int, expires_in: int = 3600) -> dict[str, Any]:
    return {
        "access_token": f"at-{n}",
        "token_type": "Bearer",
        "expires_in": expires_in,
        "refresh_token": f"rt-{n}",
    }


def handler(lib: Any, counter: Counter, *, delay: float = 0.0) -> Callable[[Any], Any]:
    """One MockTransport handler for the API and the token endpoint."""
    ok = lib.Response(200, json={"ok": True})

    async def handle(request: Any) -> Any:
        if request.url.path == "/token":
            counter.token_calls += 1
            if delay:
                await asyncio.sleep(delay)
            return lib.Response(200, json=token_body(counter.token_calls))
        return ok

    return handle


def sync_token_handler(counter: Counter) -> Callable[[httpx.Request], httpx.Response]:
    def handle(request: httpx.Request) -> httpx.Response:
        counter.token_calls += 1
        return httpx.Response(200, json=token_body(counter.token_calls))

    return handle


def token_set(expired: bool) -> TokenSet:
    now = time.time()
    return TokenSet.from_dict(
        {
            "access_token": "at-0",
            "refresh_token": "rt-0",
            "issued_at": now - (7200 if expired else 0),
            "expires_at": now + (-3600 if expired else 3600),
        }
    )


# --- clients under test -------------------------------------------------------------------


async def static_httpx(counter: Counter, expired: bool) -> Any:
    return httpx.AsyncClient(
        base_url=API,
        headers={"Authorization": "Bearer at-0"},
        transport=httpx.MockTransport(handler(httpx, counter)),
    )


async def static_httpx2(counter: Counter, expired: bool) -> Any:
    return httpx2.AsyncClient(
        base_url=API,
        headers={"Authorization": "Bearer at-0"},
        transport=httpx2.MockTransport(handler(httpx2, counter)),
    )


async def lexoffice(counter: Counter, expired: bool, lib: Any = httpx) -> Any:
    transport = httpx.MockTransport(handler(httpx, counter, delay=0.01))
    oauth = OAuthClient(
        "client-1",
        "https://app.example/cb",
        metadata=ProviderMetadata(
            issuer="https://id.example",
            authorization_endpoint="https://id.example/authorize",
            token_endpoint=TOKEN_URL,
        ),
        http_client=httpx.AsyncClient(transport=transport),
    )
    store = MemoryTokenStore()
    await store.save("acme", token_set(expired))
    auth = LexofficeAuth.from_oauth(oauth, "acme", store)
    return lib.AsyncClient(
        base_url=API, auth=auth, transport=lib.MockTransport(handler(lib, counter))
    )


async def lexoffice_httpx2(counter: Counter, expired: bool) -> Any:
    return await lexoffice(counter, expired, httpx2)


async def authlib_client(counter: Counter, expired: bool) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from authlib.integrations.httpx_client import AsyncOAuth2Client

    tokens = token_set(expired)
    token = {
        "access_token": "at-0",
        "token_type": "Bearer",
        "refresh_token": "rt-0",
        "expires_at": int(tokens.expires_at or 0),
    }
    return AsyncOAuth2Client(
        client_id="client-1",
        client_secret="secret",
        token=token,
        token_endpoint=f"{API}/token",
        base_url=API,
        transport=httpx2.MockTransport(handler(httpx2, counter, delay=0.01)),
    )


async def httpx_auth_client(counter: Counter, expired: bool) -> Any:
    import httpx_auth

    auth = httpx_auth.OAuth2ClientCredentials(
        TOKEN_URL,
        client_id="client-1",
        client_secret="secret",
        client=httpx.Client(transport=httpx.MockTransport(sync_token_handler(counter))),
    )
    httpx_auth.OAuth2.token_cache.clear()
    expiry = time.time() + (-3600 if expired else 3600)
    httpx_auth.OAuth2.token_cache._add_token(auth.state, "at-0", expiry)
    return httpx.AsyncClient(
        base_url=API, auth=auth, transport=httpx.MockTransport(handler(httpx, counter))
    )


Factory = Callable[[Counter, bool], Awaitable[Any]]

ROWS: list[tuple[str, str, Factory, str]] = [
    ("static header", "httpx", static_httpx, "static header"),
    ("LexofficeAuth", "httpx", lexoffice, "static header"),
    ("httpx-auth (cached token)", "httpx", httpx_auth_client, "static header"),
]
if httpx2 is not None:
    ROWS += [
        ("static header", "httpx2", static_httpx2, "static header"),
        ("LexofficeAuth", "httpx2", lexoffice_httpx2, "static header"),
        ("Authlib AsyncOAuth2Client", "httpx2", authlib_client, "static header"),
    ]


CHUNK = 1000


async def per_request_seconds(n: int) -> dict[int, tuple[float, float]]:
    """(best, median) seconds per request of each row over ``n`` requests.

    CPU time of this process (everything runs in one thread over a MockTransport), so
    other processes competing for the cores do not count. The rows are timed in
    interleaved chunks of ``CHUNK`` requests so that what remains of the noise (caches,
    frequency scaling) hits all rows alike; best chunk and median are both reported.
    """
    counters = [Counter() for _ in ROWS]
    pairs = zip(ROWS, counters, strict=True)
    clients = [await factory(c, False) for (_, _, factory, _), c in pairs]
    chunks: dict[int, list[float]] = {i: [] for i in range(len(ROWS))}
    try:
        for client in clients:
            for _ in range(200):  # warm up
                await client.get("/v1/profile")
        order = list(enumerate(clients))
        for round_ in range(max(1, n // CHUNK)):
            shift = round_ % len(order)  # rotate, so no row always runs first or last
            for i, client in order[shift:] + order[:shift]:
                gc.collect()
                start = time.process_time()
                for _ in range(CHUNK):
                    await client.get("/v1/profile")
                chunks[i].append((time.process_time() - start) / CHUNK)
    finally:
        for client in clients:
            await client.aclose()
    assert all(c.token_calls == 0 for c in counters), "a valid token must not be refreshed"
    return {i: (min(v), statistics.median(v)) for i, v in chunks.items()}


async def burst_refreshes(factory: Factory) -> tuple[int, int]:
    counter = Counter()
    client = await factory(counter, True)
    async with client:
        responses = await asyncio.gather(
            *(client.get("/v1/profile") for _ in range(BURST)), return_exceptions=True
        )
    ok = sum(1 for r in responses if not isinstance(r, BaseException) and r.status_code == 200)
    return counter.token_calls, ok


async def main(n: int) -> None:
    costs = await per_request_seconds(n)
    baseline = {
        lib: costs[i][0] for i, (name, lib, _, _) in enumerate(ROWS) if name == "static header"
    }
    median_base = {
        lib: costs[i][1] for i, (name, lib, _, _) in enumerate(ROWS) if name == "static header"
    }
    versions = f"httpx {httpx.__version__}" + (f", httpx2 {httpx2.__version__}" if httpx2 else "")
    print(
        f"Per-request cost, {n:,} requests per row in interleaved chunks of {CHUNK:,}, "
        f"MockTransport, Python {sys.version.split()[0]}, {versions}"
    )
    print()
    print(
        f"{'client':<27} {'on':<7} {'best us':>8} {'ratio':>7} {'median us':>10} {'ratio':>7}"
        f" {'burst refreshes':>16} {'ok':>5}"
    )
    print("-" * 94)
    for i, (name, lib, factory, _) in enumerate(ROWS):
        best, median = costs[i]
        if name == "static header":
            burst = f"{'n/a':>16} {'':>5}"
        else:
            refreshes, ok = await burst_refreshes(factory)
            burst = f"{refreshes:>16} {ok:>5}"
        print(
            f"{name:<27} {lib:<7} {best * 1e6:>8.1f} {best / baseline[lib]:>6.3f}x"
            f" {median * 1e6:>10.1f} {median / median_base[lib]:>6.3f}x {burst}"
        )
    print()
    print("ratio: vs the static header on the same HTTP library (best chunk / median chunk).")
    print(f"burst: {BURST:,} concurrent requests with an expired token; ok = 200 responses.")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000))
