"""The one place that imports the HTTP library.

Every other module takes its HTTP names from here, so that accepting another
httpx-compatible library (``httpx2`` has the same ``Auth`` API) is a change in
this file alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio
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

__all__ = [
    "URL",
    "AsyncBaseTransport",
    "AsyncClient",
    "Auth",
    "AuthBase",
    "HTTPError",
    "HTTPStatusError",
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

    A provider (or whoever answers in its place) cannot make us buffer an endless body, nor
    hold us with a trickle of bytes: ``time_limit`` (default 30 s) bounds each network
    operation and the whole exchange (running out of it counts as an ``httpx.ReadTimeout``).
    Any failure of the HTTP library (see :func:`is_http_error`) is raised as
    ``failure(exc)``, chained to the original; every other exception propagates.
    """
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
        headers=dict(headers),
        data=data,
        follow_redirects=False,
        timeout=httpx.USE_CLIENT_DEFAULT if time_limit is None else time_limit,
    ) as response:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                return Reply(response.status_code, response.headers, None, response.url)
            chunks.append(chunk)
        return Reply(response.status_code, response.headers, b"".join(chunks), response.url)


def _auth_base() -> type[Auth]:
    """``httpx.Auth``, and also ``httpx2.Auth`` when httpx2 is installed.

    httpx2 clients accept only instances of their own ``Auth``; the two classes have the same
    API, so one class can be both, and our auth plug-ins work with either client.
    """
    try:
        import httpx2
    except ImportError:  # pragma: no cover - httpx2 is optional
        return Auth

    class _HttpxAndHttpx2Auth(Auth, httpx2.Auth):  # type: ignore[misc]
        pass

    return _HttpxAndHttpx2Auth


if TYPE_CHECKING:
    AuthBase = Auth
else:
    AuthBase = _auth_base()
