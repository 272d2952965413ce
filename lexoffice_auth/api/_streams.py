"""Reading response bodies with a size cap, and streaming downloads to memory or a file.

The cap counts decoded bytes (after gzip/deflate/brotli), so a small compressed bomb is
refused as soon as it has inflated past the cap, not after it has filled the memory.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable
from email.message import Message
from os import PathLike
from typing import IO, Any

import anyio
import httpx

from ..errors import ConfigurationError, ResponseTooLarge
from .models import DownloadedFile

__all__ = ["filename_of", "read_capped", "save_stream"]

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
    try:
        length = int(response.headers.get("content-length", ""))
    except ValueError:
        return None
    return length if length >= 0 else None


async def read_capped(
    response: httpx.Response, limit: int, what: str, *, truncate: bool = False
) -> bytes:
    """The decoded body, at most ``limit`` bytes: more raises ``ResponseTooLarge``, or with
    ``truncate=True`` (error bodies) is cut off."""
    declared = _declared_length(response)
    if declared is not None and declared > limit and not truncate:
        raise _too_large(what, limit)
    parts: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
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
    async for chunk in response.aiter_bytes(_CHUNK):
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
