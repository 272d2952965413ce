"""Issue 11 #7: a compressed response cannot inflate past the response cap in memory."""

from __future__ import annotations

import functools
import gzip
import struct
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from lexoffice_auth._core.http import read_limited
from lexoffice_auth.errors import ProviderError

LIMIT = 1 << 20
URL = "https://id.example/token"


@functools.cache
def gzip_bomb() -> bytes:
    """About 1 MiB of valid gzip that inflates to 1 GiB of zeros.

    One MiB of zeros is deflated once and its (byte-aligned, self-contained) blocks are
    repeated 1024 times, which is much faster than deflating a whole GiB.
    """
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = deflate.compress(bytes(1 << 20)) + deflate.flush(zlib.Z_SYNC_FLUSH)
    final = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS).flush()
    crc = 0
    zeros = bytes(1 << 20)
    for _ in range(1024):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + block * 1024 + final + struct.pack("<II", crc, (1 << 30) & 0xFFFFFFFF)


class Chunked(httpx.AsyncByteStream):
    """A body that arrives in network-sized pieces, as it would from a socket."""

    def __init__(self, data: bytes, size: int = 64 * 1024) -> None:
        # Tiny pieces for small bodies, so decoders see headers split across reads.
        size = min(size, max(1, len(data) // 7))
        self.data = data
        self.size = size

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.data), self.size):
            yield self.data[start : start + self.size]


def client_for(body: bytes, encoding: str | None) -> httpx.AsyncClient:
    headers = {"Content-Type": "application/json"}
    if encoding is not None:
        headers["Content-Encoding"] = encoding

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=headers, stream=Chunked(body))

    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


def failure(exc: BaseException) -> Exception:
    return ProviderError(f"failed: {type(exc).__name__}", endpoint="token")


async def read(client: httpx.AsyncClient) -> bytes | None:
    async with client:
        reply = await read_limited(
            client, "GET", URL, headers={}, limit=LIMIT, failure=failure, time_limit=60
        )
    return reply.body


async def test_a_gzip_bomb_is_cut_off_near_the_cap_without_inflating_it() -> None:
    bomb = gzip_bomb()
    assert len(bomb) < 1.1 * (1 << 20)
    assert zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(bomb[:4096], 1 << 20) == bytes(
        1 << 20
    )
    client = client_for(bomb, "gzip")
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        body = await read(client)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert body is None  # too large: the caller reports it
    print(f"peak traced memory reading a 1 MiB gzip bomb: {peak / (1 << 20):.2f} MiB")
    assert peak < 8 * (1 << 20), f"peak {peak / (1 << 20):.1f} MiB"


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        (None, lambda b: b),
        ("identity", lambda b: b),
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("GZIP", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send
        ("gzip, gzip", lambda b: gzip.compress(gzip.compress(b))),
        ("deflate,gzip", lambda b: gzip.compress(zlib.compress(b))),
    ],
)
async def test_compressed_bodies_within_the_cap_are_decoded(
    encoding: str | None, encode: Callable[[bytes], bytes]
) -> None:
    body = b'{"access_token": "x"}' + b" " * 300_000 + b"\n"
    assert await read(client_for(encode(body), encoding)) == body


async def test_a_body_that_inflates_to_exactly_the_cap_is_kept_and_one_byte_more_is_not() -> None:
    exact = b"a" * LIMIT
    assert await read(client_for(gzip.compress(exact), "gzip")) == exact
    assert await read(client_for(gzip.compress(exact + b"a"), "gzip")) is None


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", b"not gzip at all"),
        ("gzip", gzip.compress(b"{}", mtime=0)[:-6]),  # truncated
        ("br", b"\x0b\x01\x80{}\x03"),  # not decoded here: refused, never passed on raw
        ("zstd", b"(\xb5/\xfd"),
        ("deflate", b"x"),  # shorter than any deflate body
    ],
)
async def test_undecodable_or_unsupported_encodings_are_typed_failures(
    encoding: str, body: bytes
) -> None:
    with pytest.raises(ProviderError, match="failed: DecodingError"):
        await read(client_for(body, encoding))


async def test_only_encodings_we_can_bound_are_asked_for() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Accept-Encoding"))
        return httpx.Response(200, content=b"{}")

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        await read_limited(
            client,
            "GET",
            URL,
            headers={"Accept-Encoding": "br"},
            limit=LIMIT,
            failure=failure,
        )
    assert seen == ["gzip, deflate"]
