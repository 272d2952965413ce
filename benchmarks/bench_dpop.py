"""CPU cost per request of the DPoP auth step (RFC 9449) against a Bearer header.

Run: ``python benchmarks/bench_dpop.py [requests]`` (default 20,000 per row).

What a DPoP request adds over Bearer: a fresh proof (a JWS with its own ``jti``, ``htm``,
``htu``, ``iat``, the origin's nonce and ``ath``), signed with the client's key, plus the
``DPoP`` header, and learning the ``DPoP-Nonce`` of each response. The rows send through
``httpx.AsyncClient`` over a ``MockTransport`` (no sockets) on asyncio and on trio, with
the SDK's own ``LexofficeAuth`` over a ``RefreshingTokenSource`` holding a valid token set
(Bearer, or DPoP-bound with an ES256 or Ed25519 key), as an application has after a login.
The "proof only" rows time the pure step alone.

Rows are timed in interleaved chunks of 1,000 requests (CPU time of this process); the best
and the median chunk are reported. "added" is the median of a row minus the median of the
Bearer row on the same event loop.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import anyio
import httpx

from lexoffice_auth import LexofficeAuth, MemoryTokenStore, TokenSet
from lexoffice_auth._oauth.dpop import resource_headers
from lexoffice_auth.keys import DPoPKey

URL = "https://api.example/v1/contacts?page=0&size=25"
TOKEN = "AT-jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
CHUNK = 1000
TARGET_US = 150.0


class _NoRefresh:
    """The refresher of a source whose token stays valid for the whole run."""

    async def refresh(self, token_set: TokenSet) -> TokenSet:
        raise AssertionError("the benchmark's token never expires")


async def _auth(key: DPoPKey | None) -> httpx.Auth:
    """``LexofficeAuth`` over a refreshing source holding a valid Bearer or DPoP token set."""
    fields: dict[str, object] = {"access_token": TOKEN, "expires_at": time.time() + 86_400}
    if key is not None:
        fields.update(token_type="DPoP", dpop_jwk=key.to_jwk())
    auth = LexofficeAuth.from_oauth(
        _NoRefresh(), "bench", MemoryTokenStore(), api_origins=["https://api.example"]
    )
    await auth.source.save(TokenSet.model_validate(fields))
    return auth


def _handler(request: httpx.Request) -> httpx.Response:
    # The same answer for every row: a resource server that hands out a nonce.
    return httpx.Response(200, json={"content": []}, headers={"DPoP-Nonce": "rs-nonce-1"})


def _proof_only(key: DPoPKey) -> Callable[[], object]:
    nonce = "rs-nonce-1"

    def step() -> object:
        return resource_headers(
            "DPoP", TOKEN, method="GET", url=URL, now=time.time(), key=key, nonce=nonce
        )

    return step


async def _http_rows(keys: dict[str, DPoPKey], n: int) -> dict[str, tuple[float, float]]:
    auths: dict[str, httpx.Auth] = {"Bearer": await _auth(None)}
    for alg, key in keys.items():
        auths[f"DPoP {alg}"] = await _auth(key)
    clients = {
        name: httpx.AsyncClient(transport=httpx.MockTransport(_handler), auth=auth)
        for name, auth in auths.items()
    }
    chunks: dict[str, list[float]] = {name: [] for name in clients}
    try:
        for client in clients.values():  # warm-up
            for _ in range(50):
                await client.get(URL)
        for _ in range(max(1, n // CHUNK)):
            for name, client in clients.items():
                start = time.process_time()
                for _ in range(CHUNK):
                    await client.get(URL)
                chunks[name].append((time.process_time() - start) / CHUNK)
    finally:
        for client in clients.values():
            await client.aclose()
    return {name: (min(v), statistics.median(v)) for name, v in chunks.items()}


def _pure_rows(steps: dict[str, Callable[[], object]], n: int) -> dict[str, tuple[float, float]]:
    chunks: dict[str, list[float]] = {name: [] for name in steps}
    for step in steps.values():
        for _ in range(50):
            step()
    for _ in range(max(1, n // CHUNK)):
        for name, step in steps.items():
            start = time.process_time()
            for _ in range(CHUNK):
                step()
            chunks[name].append((time.process_time() - start) / CHUNK)
    return {name: (min(v), statistics.median(v)) for name, v in chunks.items()}


def main(n: int) -> None:
    import cryptography
    import jwt

    keys = {"ES256": DPoPKey.generate("ES256"), "EdDSA (Ed25519)": DPoPKey.generate("EdDSA")}
    print(
        f"DPoP auth step per request, {n:,} requests per row in interleaved chunks of "
        f"{CHUNK:,} (CPU time); PyJWT {jwt.__version__}, cryptography {cryptography.__version__}, "
        f"Python {sys.version.split()[0]}"
    )
    print()
    print(f"{'row':<34}{'best µs':>10}{'median µs':>11}{'added µs':>10}{'ratio':>8}")
    print("-" * 73)
    pure = _pure_rows({f"proof only, {alg}": _proof_only(k) for alg, k in keys.items()}, n)
    for name, (best, median) in pure.items():
        print(f"{name:<34}{best * 1e6:>10.1f}{median * 1e6:>11.1f}")
    verdicts: list[str] = []
    for backend in ("asyncio", "trio"):
        rows = anyio.run(_http_rows, keys, n, backend=backend)
        base = rows["Bearer"][1]
        for name, (best, median) in rows.items():
            added = (median - base) * 1e6
            extra = "" if name == "Bearer" else f"{added:>10.1f}{median / base:>7.2f}x"
            print(f"{backend + ', ' + name:<34}{best * 1e6:>10.1f}{median * 1e6:>11.1f}{extra}")
            if name != "Bearer":
                verdict = "within" if added <= TARGET_US else "OVER"
                verdicts.append(f"{backend} {name}: +{added:.0f} µs ({verdict} {TARGET_US:.0f})")
    print()
    print("added: median of the row minus the Bearer median on the same event loop.")
    print("target: <= 150 µs added per request. " + "; ".join(verdicts))
    faster = min(pure, key=lambda name: pure[name][1])
    print(f"faster signer here: {faster.removeprefix('proof only, ')}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
