"""Reading response bodies with a size cap, and streaming downloads to memory or a file.

The cap counts decoded bytes. The body is inflated here, from the raw stream, at most one
chunk at a time (``zlib``'s ``max_length``): a compressed bomb is refused as soon as it has
inflated past the cap, where inflating each received chunk whole (as a plain read does)
could turn 200 KB into 200 MB in one step. The client asks for ``gzip`` and ``deflate``
only, the two encodings this module inflates.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from email.message import Message
from os import PathLike
from typing import IO, Any

import anyio
import httpx

from ..errors import ApiError, ConfigurationError, ResponseTooLarge
from .models import DownloadedFile

__all__ = ["ACCEPT_ENCODING", "decoded_chunks", "filename_of", "read_capped", "save_stream"]

ACCEPT_ENCODING = "gzip, deflate"
"""What the client accepts: the encodings ``decoded_chunks`` inflates chunk by chunk."""

_CHUNK = 1 << 20  # bytes per write: few thread hops, little memory
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")

Progress = Callable[[int, "int | None"], object]


def _too_large(what: str, limit: int) -> ResponseTooLarge:
    return ResponseTooLarge(
        f"{what}: the response is larger than {limit:,} bytes (after decompression); "
        "raise the client's limit (max_json_bytes / max_download_bytes or max_bytes=) "
        "if this is expected",
        limit=limit,
    )


def _declared_length(response: httpx.Response) -> int | None:
    if response.headers.get("content-encoding", "identity").lower() != "identity":
        return None  # the header counts compressed bytes
    return _length(response)


def _length(response: httpx.Response) -> int | None:
    """``Content-Length``, if it is a number (of the bytes as sent)."""
    try:
        length = int(response.headers.get("content-length", ""))
    except ValueError:
        return None
    return length if length >= 0 else None


class _Inflater:
    """gzip or deflate, inflated at most ``_CHUNK`` bytes per step."""

    def __init__(self, coding: str) -> None:
        self._gzip = coding in ("gzip", "x-gzip")
        self._first = True
        self._inflate = self._new(zlib.MAX_WBITS)

    def _new(self, wbits: int) -> Any:
        return zlib.decompressobj(wbits=16 + wbits if self._gzip else wbits)

    @property
    def complete(self) -> bool:
        """True when the stream ended where the encoding says it ends (or nothing came)."""
        return self._first or bool(self._inflate.eof)

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The inflated pieces of ``data``, one at a time (the caller may stop early)."""
        while True:
            try:
                piece = self._inflate.decompress(data, _CHUNK)
            except zlib.error:
                if self._gzip or not self._first:
                    raise
                # "deflate" is sometimes sent raw, without the zlib header (httpx allows it).
                self._inflate = zlib.decompressobj(wbits=-zlib.MAX_WBITS)
                continue
            self._first = False
            if piece:
                yield piece
            if self._inflate.eof:
                data = self._inflate.unused_data  # a next gzip member, if any
                if not data:
                    return
                self._inflate = self._new(zlib.MAX_WBITS)
                continue
            data = self._inflate.unconsumed_tail
            if not data and not piece:
                return  # input used up and nothing pending


async def decoded_chunks(response: httpx.Response, what: str) -> AsyncIterator[bytes]:
    """The body, decoded from the raw stream in chunks of at most ~1 MiB each."""
    if response.is_stream_consumed:
        # A response made with its body in hand (httpx.MockTransport, respx): httpx read
        # and decoded it already, so there is nothing left to bound but the size.
        content = response.content
        for start in range(0, len(content), _CHUNK):
            yield content[start : start + _CHUNK]
        return
    coding = response.headers.get("content-encoding", "identity").strip().lower()
    if coding in ("", "identity"):
        async for raw in response.aiter_raw(_CHUNK):
            yield raw
        return
    if coding not in ("gzip", "x-gzip", "deflate"):
        raise ApiError(
            f"{what}: the answer is encoded as {coding!r}, which the client did not ask for",
            status_code=response.status_code,
        )
    inflater = _Inflater(coding)
    try:
        async for raw in response.aiter_raw(_CHUNK):
            for piece in inflater.feed(raw):
                yield piece
        complete = inflater.complete
    except zlib.error:
        complete = False
    if not complete:
        raise ApiError(
            f"{what}: the {coding} body is corrupt or cut off", status_code=response.status_code
        )


async def read_capped(
    response: httpx.Response, limit: int, what: str, *, truncate: bool = False
) -> bytes:
    """The decoded body, at most ``limit`` bytes: more raises ``ResponseTooLarge``, or with
    ``truncate=True`` (error bodies) is cut off."""
    if response.is_stream_consumed:  # the transport holds the body already (see below)
        content = response.content
        if len(content) > limit and not truncate:
            raise _too_large(what, limit)
        return content[:limit]
    coding = response.headers.get("content-encoding", "identity").strip().lower()
    chunks: AsyncIterator[bytes]
    if coding in ("", "identity"):
        # Most answers: read straight from the raw stream (no chunking, no inflater).
        declared = _length(response)
        if declared is not None and declared > limit and not truncate:
            raise _too_large(what, limit)
        chunks = response.aiter_raw()
    else:
        chunks = decoded_chunks(response, what)
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            if truncate:
                parts.append(chunk[: len(chunk) - (size - limit)])
                break
            raise _too_large(what, limit)
        parts.append(chunk)
    return b"".join(parts)


def filename_of(response: httpx.Response) -> str | None:
    """The file name ``Content-Disposition`` suggests (``filename*`` too), made harmless:
    no directories, no control characters. Only reported, never used as a path."""
    header = response.headers.get("content-disposition")
    if not header:
        return None
    message = Message()
    message["content-disposition"] = header
    name = message.get_filename()
    if not name:
        return None
    name = _UNSAFE.sub("_", name).strip(" .")
    return name[:255] or None


async def save_stream(
    response: httpx.Response,
    to: str | PathLike[str] | IO[bytes] | None,
    limit: int,
    what: str,
    progress: Progress | None,
) -> DownloadedFile:
    """Stream ``response``'s body into memory or ``to``, within ``limit`` bytes."""
    if progress is not None and not callable(progress):
        raise ConfigurationError("progress must be a callable(bytes_so_far, total)")
    declared = _declared_length(response)
    if declared is not None and declared > limit:
        raise _too_large(what, limit)
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    info: dict[str, Any] = {
        "media_type": media_type or "application/octet-stream",
        "filename": filename_of(response),
    }
    chunks = _capped_chunks(response, limit, what, declared, progress)
    if to is None:
        content = b"".join([chunk async for chunk in chunks])
        return DownloadedFile(content=content, size=len(content), **info)
    if isinstance(to, (str, PathLike)):
        target = os.fspath(to)
        size = await _write_path(target, chunks)
        return DownloadedFile(size=size, path=target, **info)
    if not callable(getattr(to, "write", None)):
        raise ConfigurationError("to must be a path, a binary file object or None")
    size = await _write_file(to, chunks)
    return DownloadedFile(size=size, **info)


async def _capped_chunks(
    response: httpx.Response, limit: int, what: str, total: int | None, progress: Progress | None
) -> Any:
    size = 0
    async for chunk in decoded_chunks(response, what):
        size += len(chunk)
        if size > limit:
            raise _too_large(what, limit)
        yield chunk
        if progress is not None:
            progress(size, total)


async def _write_path(target: str, chunks: Any) -> int:
    """Write to a temporary file beside ``target``; rename it into place when complete."""
    folder = os.path.dirname(target) or "."
    fd, temp = tempfile.mkstemp(prefix=".lexoffice-", suffix=".part", dir=folder)
    os.close(fd)
    size = 0
    try:
        async with await anyio.open_file(temp, "wb") as out:
            async for chunk in chunks:
                await out.write(chunk)
                size += len(chunk)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return size


async def _write_file(target: IO[bytes], chunks: Any) -> int:
    """Write to a file object; on failure, a seekable one is cut back to where it was."""
    start = target.tell() if _seekable(target) else None
    size = 0
    try:
        async for chunk in chunks:
            target.write(chunk)
            size += len(chunk)
    except BaseException:
        if start is not None:
            with contextlib.suppress(OSError, ValueError):
                target.seek(start)
                target.truncate()
        raise
    return size


def _seekable(target: IO[bytes]) -> bool:
    try:
        return bool(target.seekable())
    except (AttributeError, OSError, ValueError):
        return False
