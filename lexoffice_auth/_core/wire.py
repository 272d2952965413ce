"""One request to the provider: size-capped, time-limited, failures typed."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from ..errors import LexofficeAuthError
from ..rules import is_loopback_host
from .http import AsyncClient, Reply, is_timeout, read_limited

__all__ = ["MAX_RESPONSE_BYTES", "body_of", "host_label", "oauth_error_suffix", "send"]

_FORM = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
# Discovery documents and token responses are small; anything larger is not one.
MAX_RESPONSE_BYTES = 1 << 20

ErrorFactory = Callable[[str], LexofficeAuthError]


async def send(
    http: AsyncClient,
    method: str,
    url: str,
    error: ErrorFactory,
    what: str,
    *,
    time_limit: float,
    data: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Reply:
    """Send one request; an HTTP-library failure (connect, timeout, decode) is ``error(msg)``."""
    all_headers = dict(_FORM) if data is not None else {"Accept": "application/json"}
    all_headers.update(headers or {})
    host = host_label(url)

    def failure(exc: BaseException) -> Exception:
        err = error(_failure_message(exc, what, url, host))
        # The provider was not reached: trying again later may succeed, whichever class
        # the caller's operation uses (a discovery, revocation or token request).
        err.transient = True
        return err

    return await read_limited(
        http,
        method,
        url,
        headers=all_headers,
        data=data,
        time_limit=time_limit,
        limit=MAX_RESPONSE_BYTES,
        failure=failure,
    )


def _failure_message(exc: BaseException, what: str, url: str, host: str) -> str:
    if is_timeout(exc):
        return f"{what} request to {host} timed out"
    cause = _connect_failure(exc)
    if cause == "dns":
        name = urlsplit(url).hostname or host
        return (
            f"{what} request failed: could not resolve host {name} (DNS); "
            "check the host name in the URL and this machine's DNS"
        )
    if cause == "refused":
        return f"{what} request to {host} failed: connection refused (nothing listens there)"
    return f"{what} request to {host} failed: {type(exc).__name__}"


_DNS_TEXT = (
    "name or service not known",
    "nodename nor servname",
    "getaddrinfo failed",
    "temporary failure in name resolution",
    "no address associated with hostname",
)


def _connect_failure(exc: BaseException) -> str | None:
    """``"dns"`` or ``"refused"`` when the exception (or one it was raised from) says so."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return "dns"
        if isinstance(current, ConnectionRefusedError):
            return "refused"
        current = current.__cause__ or current.__context__
    text = str(exc).lower()
    if any(marker in text for marker in _DNS_TEXT):
        return "dns"
    if "connection refused" in text:
        return "refused"
    return None


def body_of(reply: Reply, error: ErrorFactory) -> bytes:
    """The reply's body, or ``error(msg)`` when it was larger than we read."""
    if reply.body is None:
        raise error(
            f"response from {host_label(str(reply.url))} is larger than {MAX_RESPONSE_BYTES} bytes"
        )
    return reply.body


_DEFAULT_PORTS = {"https": 443, "http": 80}


def host_label(url: str) -> str:
    """``host:port`` of ``url`` for messages (never the path or query, which may hold secrets).

    Example:
        >>> host_label("https://id.example.com/token?code=secret")
        'id.example.com:443'
        >>> host_label("http://127.0.0.1:8080/x")
        '127.0.0.1:8080 (loopback)'
    """
    parts = urlsplit(url)
    host = parts.hostname
    if host is None:
        return "an invalid URL"
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:  # a port out of range: say so without echoing the URL
        port = None
    label = f"{host}:{port}" if port else host
    return f"{label} (loopback)" if is_loopback_host(host) else label


def oauth_error_suffix(reply: Reply) -> str:
    """``": <error>"`` when the body is an RFC 6749 error object, else ``""``."""
    try:
        data = json.loads(reply.body or b"")
    except (ValueError, RecursionError):
        return ""
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return f": {data['error']}"
    return ""
