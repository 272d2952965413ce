"""The two URL checks the sandbox needs (a copy of the SDK's, kept minimal and private)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from lexoffice_auth.errors import ConfigurationError

__all__ = ["origin_of", "require_secure_url"]


def _is_loopback_host(host: str) -> bool:
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
    if port is None or port == {"https": 443, "http": 80}.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def require_secure_url(url: str, what: str) -> str:
    """``url`` if it is an absolute HTTPS URL (HTTP only to a loopback host); raise otherwise."""
    try:
        parts = urlsplit(url) if isinstance(url, str) else None
        port_ok = parts is not None and (parts.port is None or parts.port > 0)
    except ValueError:
        port_ok = False
    if parts is None or not port_ok or not parts.hostname or parts.fragment or "@" in parts.netloc:
        raise ConfigurationError(f"{what} must be an absolute http(s) URL without credentials")
    scheme = parts.scheme.lower()
    if scheme == "https" or (scheme == "http" and _is_loopback_host(parts.hostname)):
        return url
    raise ConfigurationError(
        f"{what} must use https (plain http is allowed only for loopback hosts): {url!r}"
    )
