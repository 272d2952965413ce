"""The one place that imports the HTTP library.

Every other module takes its HTTP names from here, so that accepting another
httpx-compatible library (``httpx2`` has the same ``Auth`` API) is a change in
this file alone.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from httpx import (
    URL,
    AsyncBaseTransport,
    AsyncClient,
    Auth,
    HTTPError,
    HTTPStatusError,
    MockTransport,
    Request,
    Response,
    Timeout,
    TimeoutException,
    TransportError,
)

from .checks import is_transient_status  # kept importable from here for HTTP callers

__all__ = [
    "URL",
    "AsyncBaseTransport",
    "AsyncClient",
    "Auth",
    "HTTPError",
    "HTTPStatusError",
    "Httpx2Compatible",
    "MockTransport",
    "Request",
    "Response",
    "Timeout",
    "TimeoutException",
    "TransportError",
    "Reply",
    "httpx",
    "is_http_error",
    "is_timeout",
    "is_transient_status",
    "is_transport_error",
    "read_limited",
]


def is_transport_error(exc: BaseException) -> bool:
    """True for connection, protocol and timeout failures of any httpx-like library.

    Matched by class name as well, so a request sent through an ``httpx2`` client
    (whose exceptions are distinct classes) is classified the same way.
    """
    if isinstance(exc, TransportError):
        return True
    return any(cls.__name__ == "TransportError" for cls in type(exc).__mro__)


def is_http_error(exc: BaseException) -> bool:
    """True for any request failure of an httpx-like library (transport, decoding, ...)."""
    if isinstance(exc, HTTPError) or is_transport_error(exc):
        return True
    return any(cls.__name__ == "HTTPError" for cls in type(exc).__mro__)


def is_timeout(exc: BaseException) -> bool:
    """True for a timeout of any httpx-like library."""
    if isinstance(exc, TimeoutException):
        return True
    return any(cls.__name__ == "TimeoutException" for cls in type(exc).__mro__)


@dataclass(frozen=True)
class Reply:
    """A response read with a size limit: ``body`` is None when it was too large."""

    status_code: int
    headers: Mapping[str, str]
    body: bytes | None
    url: URL


async def read_limited(
    client: AsyncClient,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    limit: int,
    failure: Callable[[BaseException], Exception],
    data: Mapping[str, str] | None = None,
    time_limit: float | None = None,
) -> Reply:
    """Send one request without following redirects; read at most ``limit`` body bytes.

    The limit counts decoded bytes, and a compressed body is inflated step by step (at most
    64 KiB at a time), so a small compressed body that inflates to gigabytes stops at the
    limit instead of being inflated in memory first. Only ``gzip`` and ``deflate`` are asked
    for and accepted; a body in another content coding is a decoding failure.

    A provider (or whoever answers in its place) cannot make us buffer an endless body, nor
    hold us with a trickle of bytes: ``time_limit`` (default 30 s) bounds each network
    operation and the whole exchange (running out of it counts as an ``httpx.ReadTimeout``).
    Any failure of the HTTP library (see ``is_http_error``) is raised as
    ``failure(exc)``, chained to the original; every other exception propagates.
    """
    import anyio  # here, not at the top: an API-key user never reads a provider response

    deadline = _TOTAL_DEADLINE if time_limit is None else time_limit
    try:
        try:
            with anyio.fail_after(deadline):
                return await _read_limited(client, method, url, headers, limit, data, time_limit)
        except TimeoutError as exc:
            raise httpx.ReadTimeout(f"no complete response within {deadline:g} s") from exc
    except Exception as exc:
        if not is_http_error(exc):
            raise
        raise failure(exc) from exc


_TOTAL_DEADLINE = 30.0


async def _read_limited(
    client: AsyncClient,
    method: str,
    url: str,
    headers: Mapping[str, str],
    limit: int,
    data: Mapping[str, str] | None,
    time_limit: float | None,
) -> Reply:
    async with client.stream(
        method,
        url,
        headers={**headers, "Accept-Encoding": _ACCEPT_ENCODING},
        data=data,
        follow_redirects=False,
        timeout=httpx.USE_CLIENT_DEFAULT if time_limit is None else time_limit,
    ) as response:
        decode: Decoder
        stream: AsyncIterator[bytes]
        if getattr(response, "is_stream_consumed", False):
            # Read already (a mocked response built from bytes): it is in memory, decoded.
            decode, stream = _identity, response.aiter_bytes()
        else:
            decode = _decoder(response.headers.get("Content-Encoding", ""))
            stream = response.aiter_raw()
        chunks: list[bytes] = []
        size = 0
        async for raw in stream:
            for chunk in decode(raw):
                size += len(chunk)
                if size > limit:
                    return Reply(response.status_code, response.headers, None, response.url)
                chunks.append(chunk)
        for chunk in decode(None):
            size += len(chunk)
            if size > limit:
                return Reply(response.status_code, response.headers, None, response.url)
            chunks.append(chunk)
        return Reply(response.status_code, response.headers, b"".join(chunks), response.url)


_ACCEPT_ENCODING = "gzip, deflate"
# Decoded bytes produced per step; the most a compressed body can occupy beyond the limit.
_STEP = 64 * 1024

Decoder = Callable[[bytes | None], Iterator[bytes]]
"""Raw bytes in (``None`` at the end of the body), decoded pieces of at most _STEP out."""


def _decoder(content_encoding: str) -> Decoder:
    """A bounded decoder for a ``Content-Encoding`` header (codings applied in order)."""
    stage: Decoder = _identity
    for coding in (c.strip().lower() for c in content_encoding.split(",")):
        if coding in ("", "identity"):
            continue
        if coding in ("gzip", "x-gzip", "deflate"):
            stage = _chain(stage, _Inflater(gzip=coding != "deflate"))
        else:
            raise httpx.DecodingError(f"unsupported content encoding {coding!r}")
    return stage


def _identity(data: bytes | None) -> Iterator[bytes]:
    if data:
        yield data


def _chain(inner: Decoder, outer: _Inflater) -> Decoder:
    # The coding listed last was applied last: undo it first.
    def decode(data: bytes | None) -> Iterator[bytes]:
        for piece in outer(data):
            yield from inner(piece)
        if data is None:
            yield from inner(None)

    return decode


class _Inflater:
    """gzip or deflate (zlib-wrapped or raw, as servers differ), never more than _STEP at once."""

    def __init__(self, *, gzip: bool) -> None:
        self._gzip = gzip
        self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16 if gzip else zlib.MAX_WBITS)
        self._started = False
        self._head = b""  # a deflate body's first bytes, until we know which wrapper it has
        self._pending = False

    def __call__(self, data: bytes | None) -> Iterator[bytes]:
        if data is None:
            if self._head or (self._started and not self._zlib.eof):
                raise httpx.DecodingError("the compressed body is truncated")
            return
        try:
            yield from self._inflate(data)
        except zlib.error as exc:
            raise httpx.DecodingError(f"the compressed body is invalid: {exc}") from None

    def _inflate(self, data: bytes) -> Iterator[bytes]:
        if not self._started and data:
            if not self._gzip:
                data = self._head + data
                if len(data) < 2:
                    self._head = data
                    return
                self._head = b""
                if not _looks_like_zlib(data):
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            self._started = True
        while data or self._pending:
            if self._zlib.eof:
                return  # whatever follows the compressed body is ignored, as httpx does
            out = self._zlib.decompress(data, _STEP)
            data = self._zlib.unconsumed_tail
            # A full step may leave output inside zlib even when all input is consumed.
            self._pending = len(out) == _STEP
            if out:
                yield out
            elif not data:
                return


def _looks_like_zlib(data: bytes) -> bool:
    # RFC 1950 header: compression method 8 and a check value that makes it a multiple of 31.
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


_as_httpx2: dict[tuple[type, type], type] = {}


def _presented_class(self: object) -> type[Any]:
    """``type(self)``, or a subclass of it and ``httpx2.Auth`` while httpx2 is imported."""
    cls = type(self)
    module = sys.modules.get("httpx2")
    httpx2_auth = getattr(module, "Auth", None)  # None: not imported, or still importing
    if not isinstance(httpx2_auth, type) or issubclass(cls, httpx2_auth):
        return cls
    both = _as_httpx2.get((cls, httpx2_auth))
    if both is None:
        namespace = {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
        both = _as_httpx2[cls, httpx2_auth] = type(cls.__name__, (cls, httpx2_auth), namespace)
    return both


class Httpx2Compatible:
    """A mixin for our ``httpx.Auth`` classes: their instances are ``httpx2.Auth`` ones too.

    httpx2 clients accept only instances of their own ``Auth`` class, which has the same API
    as httpx's. ``isinstance(obj, cls)`` looks at ``obj.__class__`` when ``type(obj)`` is not
    a subclass of ``cls``, so ``__class__`` names a subclass of both classes while httpx2 is
    imported (by the program: never by us). A program that uses httpx alone does not load
    httpx2, even where it is installed, and an auth made before httpx2 was imported is still
    accepted by an httpx2 client.
    """

    __class__ = property(_presented_class)
