"""The rules the SDK and its sandbox share, so that each exists once.

Public so that ``lexoffice_auth.testing`` (which may import only public modules) can use
them, but not meant for applications: the lexoffice API's base URL, the URL checks
(HTTPS or loopback), how a ``Retry-After`` header is read, the token-bucket rule of
lexoffice's rate limit, how server text is made safe for a terminal, how a renamed
public name keeps working for one release, and DPoP's shared rules (the ``htu`` a proof
names, the ``ath`` of an access token, a JWK's RFC 7638 thumbprint). The SDK's private
modules (and its CLI) import them from here, and so does the sandbox: a rule changed here
changes for both.

Example:
    >>> API_BASE_URL
    'https://api.lexware.io'
    >>> require_secure_url("http://127.0.0.1:8080/token", "token_endpoint")
    'http://127.0.0.1:8080/token'
"""

from __future__ import annotations

import base64
import functools
import hashlib
import ipaddress
import json
import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

from .errors import ConfigurationError

__all__ = [
    "API_BASE_URL",
    "JWK_THUMBPRINT_MEMBERS",
    "VOUCHER_STATUSES",
    "VOUCHER_TYPES",
    "RefillingBucket",
    "access_token_hash",
    "checked_access_token",
    "deprecated_alias",
    "escape_controls",
    "is_loopback_host",
    "jwk_thumbprint",
    "normalize_htu",
    "origin_of",
    "parse_retry_after",
    "require_secure_url",
    "without_query",
]

API_BASE_URL = "https://api.lexware.io"
"""The lexoffice (Lexware Office) public API's base URL, also its one origin."""

VOUCHER_TYPES = (
    "salesinvoice",
    "salescreditnote",
    "purchaseinvoice",
    "purchasecreditnote",
    "invoice",
    "downpaymentinvoice",
    "creditnote",
    "orderconfirmation",
    "quotation",
    "deliverynote",
)
"""The documented voucherlist ``voucherType`` values (lexoffice may add more)."""

VOUCHER_STATUSES = (
    "draft",
    "open",
    "paid",
    "paidoff",
    "voided",
    "transferred",
    "sepadebit",
    "overdue",
    "accepted",
    "rejected",
    "unchecked",
)
"""The documented voucherlist ``voucherStatus`` values (``overdue`` only on its own)."""


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


# A longer wait than a day is no advice a client can follow; it is capped, not trusted.
_MAX_RETRY_AFTER = 86400.0
# RFC 9110 delay-seconds are digits; a decimal fraction ("0.5") is accepted too, as some
# gateways send one and it has only one meaning. No sign, exponent, "nan" or "inf".
_DELAY_SECONDS = re.compile(r"([0-9]{1,12})[0-9]*(\.[0-9]{1,6})?[0-9]*")


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (RFC 9110 §10.2.3), or None.

    The one rule of the SDK (the token endpoint's and the API's answers alike):
    delay-seconds (a decimal fraction accepted) or an HTTP-date (relative to ``now``,
    epoch seconds); anything else is ignored. The result is within [0, 86400]: a date in
    the past means "now", and a longer wait than a day is capped.

    Example:
        >>> parse_retry_after("120", now=0.0)
        120.0
        >>> parse_retry_after("0.5", now=0.0)
        0.5
        >>> parse_retry_after("Thu, 01 Jan 1970 00:00:30 GMT", now=10.0)
        20.0
        >>> parse_retry_after("soon", now=0.0) is None
        True
    """
    if value is None:
        return None
    text = value.strip()
    if delay := _DELAY_SECONDS.fullmatch(text):
        # Only the leading digits count: a 1,000-digit value is no reason for big-int math.
        seconds = float(delay.group(1) + (delay.group(2) or ""))
    else:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            return None  # RFC 9110 dates are GMT; an unzoned one is not an HTTP-date
        seconds = when.timestamp() - now
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER)


def deprecated_alias(module: str, old: str, new: str, namespace: Mapping[str, Any]) -> Any:
    """The value of ``new`` for a module's old name ``old``, with a ``DeprecationWarning``.

    For a module's PEP 562 ``__getattr__``: a renamed constant or class keeps working for
    one release (removed in 0.4), and the warning names the new spelling.

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     deprecated_alias("pkg", "OLD", "NEW", {"NEW": 1})
        1
        >>> str(caught[0].message)
        'pkg.OLD is deprecated and will be removed in 0.4; use pkg.NEW'
    """
    warnings.warn(
        f"{module}.{old} is deprecated and will be removed in 0.4; use {module}.{new}",
        DeprecationWarning,
        stacklevel=3,  # the line that used the old name, past the module's __getattr__
    )
    return namespace[new]


@dataclass
class RefillingBucket:
    """lexoffice's rate-limit rule: ``rate`` tokens a second up to ``capacity``; a call takes one.

    A refused call takes nothing, as lexoffice says a 429 call "will not be performed".
    The time (``now``) is passed in, so the rule runs on any clock.

    Example:
        >>> bucket = RefillingBucket.full(rate=2.0, capacity=2.0, now=0.0)
        >>> [bucket.take(now=0.0) for _ in range(3)], bucket.take(now=0.5)
        ([True, True, False], True)
    """

    rate: float
    capacity: float
    tokens: float
    updated: float

    @classmethod
    def full(cls, rate: float, capacity: float, now: float) -> RefillingBucket:
        """A bucket that starts full at ``now``."""
        return cls(rate=rate, capacity=capacity, tokens=capacity, updated=now)

    def refill(self, now: float) -> None:
        """Add the tokens earned since the last call, up to ``capacity``."""
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def take(self, now: float) -> bool:
        """Take one token if there is one; False means "answer 429"."""
        self.refill(now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


# C0 controls (ESC starts terminal escape sequences; CR and BS overwrite what was shown),
# DEL, C1 controls (0x9b is a one-byte CSI on some terminals), and the bidirectional
# overrides and isolates that reorder what is shown ("Trojan Source").
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def escape_controls(text: str) -> str:
    """``text`` (from a server) with every control character shown as an escape.

    For terminals and log lines: ``\\x1b`` (terminal escape sequences), ``\\r``, C1
    controls and the bidirectional overrides (``\\u202e``) cannot rewrite what is shown.

    Idempotent (an escape is printable), so text can pass through it twice.

    Example:
        >>> escape_controls("denied\\x1b]0;pwned\\x07 by the user\\n")
        'denied\\\\x1b]0;pwned\\\\x07 by the user\\\\x0a'
    """
    return _CONTROLS.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


# --- DPoP (RFC 9449) and JWK thumbprints (RFC 7638): what a client signs and a server checks.

# An access token travels in a header: printable ASCII only (CR/LF would add a header).
_TOKEN_CHARS = re.compile(r"[\x21-\x7e]+")
_URL_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f]")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters left as they are in the path: RFC 3986 §3.3's, '%' (existing percent-encodings
# stay exactly as they go on the wire), and the few httpx sends unencoded ([]\^|), so that
# the htu equals the path on the wire.
_PATH_SAFE = "/!$&'()*+,;=:@-._~%[]\\^|"

JWK_THUMBPRINT_MEMBERS: Mapping[str, tuple[str, ...]] = {
    "EC": ("crv", "kty", "x", "y"),
    "RSA": ("e", "kty", "n"),
    "OKP": ("crv", "kty", "x"),
}
"""RFC 7638 §3.2 (and RFC 8037 §2 for OKP): the members a thumbprint covers, sorted."""


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """The RFC 7638 SHA-256 thumbprint of a public (or private) JWK, base64url.

    Only the required public members count, so ``kid``, ``alg`` or private members do not
    change it.

    Example (the Ed25519 key of RFC 8037 Appendix A.3 and its thumbprint there):
        >>> jwk_thumbprint({"kty": "OKP", "crv": "Ed25519",
        ...                 "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})
        'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k'
    """
    kty = jwk.get("kty")
    members = JWK_THUMBPRINT_MEMBERS.get(kty) if isinstance(kty, str) else None
    if members is None:
        raise ConfigurationError("a JWK thumbprint needs kty RSA, EC or OKP")
    canonical: dict[str, str] = {}
    for name in members:
        value = jwk.get(name)
        if not isinstance(value, str) or not value:
            raise ConfigurationError(f"a {kty} JWK needs the member {name!r} for its thumbprint")
        canonical[name] = value
    # Sorted keys and no whitespace are exactly RFC 7638's canonical form; the values are
    # base64url or a curve name, so no JSON escaping question arises.
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    digest = hashlib.sha256(text.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def checked_access_token(access_token: object) -> str:
    """``access_token`` if it can travel in a header (printable ASCII), else a
    ``ConfigurationError`` that never echoes it."""
    if not isinstance(access_token, str) or not access_token:
        raise ConfigurationError("the access token must be a non-empty str")
    if _TOKEN_CHARS.fullmatch(access_token) is None:
        raise ConfigurationError("the access token contains characters a token cannot have")
    return access_token


def access_token_hash(access_token: str) -> str:
    """``ath``: base64url(SHA-256(ASCII(access_token))) without padding (RFC 9449 §4.2).

    Example (the token and ``ath`` of RFC 9449 §7.1):
        >>> access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU")
        'fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo'
    """
    digest = hashlib.sha256(checked_access_token(access_token).encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4 for an absolute path (one that starts with ``/``)."""
    segments = path.split("/")
    kept: list[str] = []
    for segment in segments:
        if segment == ".":
            continue
        if segment == "..":
            if len(kept) > 1:  # kept[0] is the empty segment before the leading "/"
                kept.pop()
            continue
        kept.append(segment)
    if segments[-1] in (".", ".."):
        kept.append("")  # "/a/." and "/a/b/.." name a directory: keep the trailing "/"
    return "/".join(kept) or "/"


def normalize_htu(url: str) -> str:
    """The ``htu`` of a request to ``url``: its target URI without query and fragment.

    Normalised as RFC 9449 §4.3 asks servers to compare (RFC 3986 §6.2.2, §6.2.3): scheme
    and host lower-cased, the default port dropped, no user info, dot segments removed, an
    empty path made ``/``, characters a path cannot hold percent-encoded as UTF-8. Existing
    percent-encodings are kept as they are: they go on the wire so, and a server that does
    not normalise compares against the wire. For a URL as httpx builds a request's (dot
    segments already resolved), the result is exactly the scheme, host and path httpx sends.

    Example:
        >>> normalize_htu("HTTPS://Server.Example:443/a/../token?code=x#frag")
        'https://server.example/token'
    """
    if not isinstance(url, str) or not url:
        raise ConfigurationError("a DPoP htu must be a non-empty URL")
    return _normalized_htu(without_query(url))


def without_query(url: str) -> str:
    """``url`` up to its query or fragment: neither is part of an htu or an origin, and a
    query may hold a secret that the caches here should not keep."""
    end = len(url)
    for mark in "?#":
        found = url.find(mark, 0, end)
        if found != -1:
            end = found
    return url[:end]


@functools.lru_cache(maxsize=1024)  # an API client calls the same few URLs again and again
def _normalized_htu(url: str) -> str:
    if _URL_FORBIDDEN.search(url) is not None:
        raise ConfigurationError("a DPoP htu must not contain whitespace or control characters")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host:
        raise ConfigurationError("a DPoP htu must be an absolute http(s) URL")
    try:
        port = parts.port
    except ValueError:
        raise ConfigurationError("a DPoP htu has an invalid port") from None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise ConfigurationError("a DPoP htu has a host name IDNA cannot encode") from None
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal
    authority = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    path = _remove_dot_segments(quote(parts.path, safe=_PATH_SAFE) or "/")
    return f"{scheme}://{authority}{path}"
