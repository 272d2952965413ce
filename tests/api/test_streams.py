"""``api/_streams.py``: answers capped after decompression, bombs and bad encodings refused."""

from __future__ import annotations

import httpx
import pytest
import respx

from lexoffice_auth import ApiKeyAuth
from lexoffice_auth.api import LexofficeClient
from lexoffice_auth.errors import (
    ApiError,
)

BASE = "https://api.lexware.io"
KEY = "lx-key-0123456789abcdefghijklmnopqrstuvwxyz"


class Chunks(httpx.AsyncByteStream):
    """A body sent as it would come off the wire, 64 KiB at a time (never decoded here)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    async def __aiter__(self):  # type: ignore[no-untyped-def]
        for start in range(0, len(self.data), 65536):
            yield self.data[start : start + 65536]


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
@pytest.mark.parametrize("coding", ["gzip", "deflate"])
async def test_a_compressed_bomb_is_refused_at_the_cap_without_inflating_it(coding: str) -> None:
    import gzip
    import tracemalloc
    import zlib

    from lexoffice_auth.errors import ResponseTooLarge

    inflated = b"[" + b"0," * (24 * 2**20) + b"0]"  # 48 MiB
    bomb = gzip.compress(inflated, 9) if coding == "gzip" else zlib.compress(inflated, 9)
    del inflated
    assert len(bomb) < 200_000

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["accept-encoding"] == "gzip, deflate"  # nothing we cannot cap
        headers = {"Content-Encoding": coding, "Content-Type": "application/json"}
        return httpx.Response(200, headers=headers, stream=Chunks(bomb))

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with LexofficeClient(
        ApiKeyAuth(KEY), http_client=http, rate_limit=None, max_json_bytes=2**20
    ) as lx:
        tracemalloc.start()
        with pytest.raises(ResponseTooLarge, match="larger than 1,048,576 bytes") as caught:
            await lx.profile()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    await http.aclose()
    assert caught.value.limit == 2**20
    assert peak < 8 * 2**20  # stopped near the cap; the 48 MiB were never inflated


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_compressed_answers_within_the_cap_are_read_whole() -> None:
    import gzip
    import zlib

    body = b'{"companyName": "' + b"x" * 3_000_000 + b'"}'
    for coding, data in (
        ("gzip", gzip.compress(body) + gzip.compress(b"")),  # two gzip members
        ("deflate", zlib.compress(body)),
        ("deflate", zlib.compress(body)[2:-4]),  # raw deflate, no zlib header
    ):

        def handler(
            request: httpx.Request, data: bytes = data, coding: str = coding
        ) -> httpx.Response:
            return httpx.Response(200, headers={"Content-Encoding": coding}, stream=Chunks(data))

        http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        async with LexofficeClient(ApiKeyAuth(KEY), http_client=http, rate_limit=None) as lx:
            profile = await lx.profile()
        await http.aclose()
        assert profile.company_name is not None and len(profile.company_name) == 3_000_000


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    from lexoffice_auth.errors import ResponseTooLarge

    with respx.mock(base_url=BASE) as router:
        router.get("/v1/profile").respond(200, content=b"{}" + b" " * 5000)
        async with LexofficeClient(ApiKeyAuth(KEY), rate_limit=None, max_json_bytes=4096) as lx:
            with pytest.raises(ResponseTooLarge):
                await lx.profile()
            with pytest.raises(ResponseTooLarge):
                await lx.request("GET", "/v1/profile")
            response = await lx.request("GET", "/v1/profile", max_bytes=10_000)
    assert response.json() == {}


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
@pytest.mark.parametrize(
    ("coding", "data", "says"),
    [("gzip", b"\x1f\x8b\x08\x00garbage", "corrupt"), ("br", b"\x0b\x02\x80", "did not ask")],
)
async def test_a_corrupt_or_unasked_encoding_is_a_typed_error(
    coding: str, data: bytes, says: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": coding}, stream=Chunks(data))

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with LexofficeClient(ApiKeyAuth(KEY), http_client=http, rate_limit=None) as lx:
        with pytest.raises(ApiError, match=says):
            await lx.profile()
    await http.aclose()
