"""The checks and the multipart part of a file upload (``/v1/files``, ``/v1/vouchers/{id}/files``).

lexoffice takes PDF, JPG, PNG and XML files of at most 5 MB, named with a proper extension
(reference §3b.9). Everything is checked before a byte is sent; a path or a seekable file
object is streamed by httpx chunk by chunk, never read into memory first.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Awaitable, Callable, Iterator
from os import PathLike
from typing import IO, Any, TypeVar

from ..errors import ConfigurationError, ValidationFailed
from ._common import reworded

__all__ = [
    "MAX_UPLOAD_BYTES",
    "UPLOAD_CONTENT_TYPES",
    "UploadSource",
    "explain_rejection",
    "file_part",
]

MAX_UPLOAD_BYTES = 5 * 2**20
"""lexoffice's upload limit, "5 MB" (taken as 5 MiB, 5,242,880 bytes)."""
UPLOAD_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "xml": "application/xml",
}
"""The file extensions lexoffice accepts, and the content type each is sent with."""
_ALSO_ACCEPTED = frozenset({"text/xml", "image/jpg"})  # common spellings of the same types
# The first bytes of each accepted format, to name a file given as bare bytes.
_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"<?xml", "xml"),
)

UploadSource = str | PathLike[str] | bytes | bytearray | memoryview | IO[bytes]
"""What an upload takes: a path, the bytes, or a binary file object (sent from its start)."""

T = TypeVar("T")


@contextlib.contextmanager
def file_part(
    source: UploadSource, filename: str | None, content_type: str | None
) -> Iterator[tuple[str, Any, str]]:
    """The multipart ``file`` part ``(filename, body, content type)`` of a checked upload.

    A path is opened here and closed on exit. Raises ``ConfigurationError`` for a file
    lexoffice would refuse: another type, no usable name, more than 5 MB.
    """
    with contextlib.ExitStack() as stack:
        if isinstance(source, (bytes, bytearray, memoryview)):
            body: Any = bytes(source)
            size = len(body)
            name = filename or _sniffed_name(body)
        elif isinstance(source, (str, PathLike)):
            path = os.fspath(source)
            try:
                body = stack.enter_context(open(path, "rb"))
                size = os.fstat(body.fileno()).st_size
            except OSError as exc:
                raise ConfigurationError(f"cannot read the file to upload: {exc}") from None
            name = filename or os.path.basename(path)
        elif callable(getattr(source, "read", None)):
            body, size = _measured(source)
            name = filename or _name_of(source) or _sniffed_name(body)
        else:
            raise ConfigurationError(
                "the file to upload must be a path, bytes or a binary file object, "
                f"not {type(source).__name__}"
            )
        yield _checked_name(name), body, _content_type(name, content_type, size)


async def explain_rejection(send: Callable[[], Awaitable[T]]) -> T:
    """``await send()``; lexoffice's 406 for XML without the E-Rechnung feature explained."""
    try:
        return await send()
    except ValidationFailed as exc:
        if not any(d.get("message") == "inacceptable_file_extension" for d in exc.details):
            raise
        raise reworded(
            exc,
            f"{exc.message}: lexoffice refused the file type. It accepts PDF, JPG and PNG; "
            "XML (an e-invoice, XRechnung or ZUGFeRD XML) only when the organisation has "
            "the E-Rechnung feature switched on in lexoffice's settings",
        ) from exc


def _measured(stream: IO[bytes]) -> tuple[Any, int]:
    """A file object and its size; one that cannot seek is read (at most 5 MB + 1 byte)."""
    try:
        if stream.seekable():
            size = stream.seek(0, io.SEEK_END)
            stream.seek(0)  # httpx sends a seekable file from its start
            return stream, size
    except (AttributeError, OSError, ValueError):
        pass
    data = stream.read(MAX_UPLOAD_BYTES + 1)
    if not isinstance(data, bytes):
        raise ConfigurationError("the file to upload must be opened in binary mode ('rb')")
    return data, len(data)


def _name_of(stream: object) -> str | None:
    name = getattr(stream, "name", None)
    return os.path.basename(name) if isinstance(name, str) and name else None


def _sniffed_name(head: Any) -> str:
    if isinstance(head, bytes):
        for magic, extension in _MAGIC:
            if head.startswith(magic):
                return f"upload.{extension}"
    raise ConfigurationError(
        "cannot tell the file's type: pass filename= with its extension "
        f"({', '.join(sorted(UPLOAD_CONTENT_TYPES))})"
    )


def _checked_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip() or any(c in name for c in "\r\n\x00"):
        raise ConfigurationError(f"not a usable file name: {name!r}")
    return name.strip()


def _content_type(name: str, content_type: str | None, size: int) -> str:
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    if extension not in UPLOAD_CONTENT_TYPES:
        raise ConfigurationError(
            f"lexoffice accepts only {', '.join(sorted(UPLOAD_CONTENT_TYPES))} files; "
            f"{name!r} has no such extension"
        )
    if size > MAX_UPLOAD_BYTES:
        raise ConfigurationError(
            f"{name!r} has {size:,} bytes; lexoffice accepts at most 5 MB "
            f"({MAX_UPLOAD_BYTES:,} bytes) per file: shrink or split it"
        )
    if content_type is None:
        return UPLOAD_CONTENT_TYPES[extension]
    accepted = set(UPLOAD_CONTENT_TYPES.values()) | _ALSO_ACCEPTED
    if not isinstance(content_type, str) or content_type.split(";")[0].strip() not in accepted:
        raise ConfigurationError(
            f"content_type must be one of {', '.join(sorted(accepted))}, got {content_type!r}"
        )
    return content_type
