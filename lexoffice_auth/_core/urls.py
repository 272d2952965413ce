"""URL checks shared by discovery, endpoints and the auth flow."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from ..errors import ConfigurationError

__all__ = ["is_loopback_host", "origin_of", "require_secure_url"]


def is_loopback_host(host: str | None) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ``::1`` (brackets allowed)."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of an absolute URL, lower-cased, default port dropped."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError as exc:
        raise ConfigurationError(f"invalid port in URL {url!r}") from exc
    default = {"https": 443, "http": 80}.get(scheme)
    if port is None or port == default:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def require_secure_url(url: str, what: str) -> str:
    """Return ``url`` if it is HTTPS, or HTTP to a loopback host; raise otherwise.

    URLs with credentials (``user:pass@``), whitespace, a fragment or an invalid port are
    refused; a URL with credentials is not echoed in the message.
    """
    if not isinstance(url, str) or not url:
        raise ConfigurationError(f"{what} must be a non-empty URL")
    if url != url.strip() or any(c.isspace() or ord(c) < 32 for c in url):
        raise ConfigurationError(f"{what} must not contain whitespace or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for an invalid port
    except ValueError as exc:
        shown = "" if "@" in url else f": {url!r}"
        raise ConfigurationError(f"{what} is not a valid URL{shown}") from exc
    if parts.username is not None or parts.password is not None:
        raise ConfigurationError(f"{what} must not contain credentials (user:password@)")
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"{what} must be an absolute http(s) URL, got {url!r}")
    if parts.fragment:
        raise ConfigurationError(f"{what} must not contain a fragment: {url!r}")
    if scheme == "http" and not is_loopback_host(parts.hostname):
        raise ConfigurationError(
            f"{what} must use https (plain http is allowed only for loopback hosts): {url!r}"
        )
    return url
