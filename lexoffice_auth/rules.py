"""The rules the SDK and its sandbox share, so that each exists once.

Public so that ``lexoffice_auth.testing`` (which may import only public modules) can use
them, but not meant for applications: the lexoffice API's base URL, the URL checks
(HTTPS or loopback), how a ``Retry-After`` header is read, the token-bucket rule of
lexoffice's rate limit, how server text is made safe for a terminal, and how a renamed
public name keeps working for one release. The SDK's private modules (and its CLI) import
them from here, and so does the sandbox: a rule changed here changes for both.

Example:
    >>> API_BASE_URL
    'https://api.lexware.io'
    >>> require_secure_url("http://127.0.0.1:8080/token", "token_endpoint")
    'http://127.0.0.1:8080/token'
"""

from __future__ import annotations

import ipaddress
import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigurationError

__all__ = [
    "API_BASE_URL",
    "VOUCHER_STATUSES",
    "VOUCHER_TYPES",
    "RefillingBucket",
    "escape_controls",
    "deprecated_alias",
    "is_loopback_host",
    "origin_of",
    "parse_retry_after",
    "require_secure_url",
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
