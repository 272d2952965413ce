"""Which redirect URIs match a client's registration."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

__all__ = ["redirect_uri_matches"]


def redirect_uri_matches(registered: str, given: str) -> bool:
    """Exact match, except that loopback IP literals may use any port (RFC 8252 §7.3)."""
    if secrets.compare_digest(registered.encode(), given.encode()):
        return True
    try:
        reg, got = urlsplit(registered), urlsplit(given)
        got.port  # noqa: B018 - a malformed port must not match
    except ValueError:
        return False
    if reg.scheme != "http" or reg.hostname not in ("127.0.0.1", "::1"):
        return False
    return (got.scheme, got.hostname, got.path, got.query) == (
        reg.scheme,
        reg.hostname,
        reg.path,
        reg.query,
    ) and not got.fragment
