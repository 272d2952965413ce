"""lexoffice's three error body shapes, parsed into ``lexoffice_auth.errors``.

* regular (invoices, voucherlist, profile, ...): ``{"timestamp", "status", "error", "path",
  "traceId", "message", "details": [{"violation", "field", "message"}]}``
* legacy (contacts, files, vouchers): ``{"IssueList": [{"i18nKey", "source", "type", ...}]}``
* gateway: ``{"message": "Unauthorized"}`` (also ``{"message": null}``)

Anything else (HTML, an empty body, JSON of another shape) still gives an error of the
status's class with a message naming the status.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from typing import Any

from .._oauth.dpop import parse_www_authenticate
from ..errors import (
    ApiError,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
    ValidationFailed,
)
from ..rules import parse_retry_after

__all__ = [
    "challenge_error",
    "error_for_status",
    "error_from_response",
    "parse_error_body",
    "redact",
]

_MAX_TEXT = 300
# Live reports (reference §3d): a rate-limit rejection can come as a 500 whose message says so
# (agent-tool-lexware-office-cli 0.1.4). The docs say 429; both mean "slow down".
_RATE_LIMIT_TEXT = re.compile(r"rate.?limit|too many requests", re.IGNORECASE)
# A credential echoed back by a server (or a proxy in front of it) must not reach messages,
# details or logs: any "Bearer …"/"DPoP …"/"Basic …" value, and the exact one that was sent.
_SCHEME_VALUE = re.compile(r"\b(Bearer|DPoP|Basic)\s+[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
REDACTED = "[redacted]"


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with credentials replaced by ``[redacted]``.

    Example:
        >>> redact("echo: Authorization: Bearer abcdefgh12345678")
        'echo: Authorization: Bearer [redacted]'
        >>> redact("key=k3y-9f8e7d6c5b4a", ("k3y-9f8e7d6c5b4a",))
        'key=[redacted]'
    """
    for secret in secrets:
        if len(secret) >= 8:  # shorter strings would also blank out ordinary words
            text = text.replace(secret, REDACTED)
    return _SCHEME_VALUE.sub(lambda m: f"{m.group(1)} {REDACTED}", text)


def error_for_status(status: int) -> type[ApiError]:
    """The exception class for an HTTP error status."""
    if status in (400, 406, 422):
        return ValidationFailed
    classes: dict[int, type[ApiError]] = {
        401: Unauthorized,
        403: Forbidden,
        404: NotFound,
        409: Conflict,
        429: RateLimited,
    }
    if status in classes:
        return classes[status]
    return ServerError if status >= 500 else ApiError


def _text(value: object) -> str | None:
    """A short printable string, or None for anything that is not a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = " ".join(value.split())
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def _scalar(value: object) -> Any:
    """JSON scalars as they are; anything nested as a short string."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return _text(value) if isinstance(value, str) else value
    return _text(json.dumps(value, default=str))


def parse_error_body(body: bytes) -> tuple[str | None, str | None, tuple[dict[str, Any], ...]]:
    """``(message, trace_id, details)`` from any of the three shapes (all None/empty if none).

    Never raises: a body that is not JSON, or JSON of an unknown shape, gives no message.
    """
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, None, ()
    if not isinstance(data, dict):
        return None, None, ()
    issues = data.get("IssueList")
    if isinstance(issues, list):
        details = tuple(_issue(i) for i in issues if isinstance(i, dict))
        parts = [
            f"{d['message']} ({d['field']})" if d.get("field") else str(d["message"])
            for d in details
            if d.get("message")
        ]
        message = "; ".join(parts) or None
        return message, _text(data.get("traceId")), details
    message = _text(data.get("message"))
    trace_id = _text(data.get("traceId"))
    raw_details = data.get("details")
    details = ()
    if isinstance(raw_details, list):
        details = tuple(_detail(d) for d in raw_details if isinstance(d, dict))
    if message is None:
        message = _text(data.get("error"))
    return message, trace_id, details


def _issue(issue: Mapping[str, Any]) -> dict[str, Any]:
    out = {
        "field": _scalar(issue.get("source")),
        "message": _scalar(issue.get("i18nKey")),
        "type": _scalar(issue.get("type")),
    }
    for extra in ("additionalData", "args"):
        if extra in issue:
            out[extra] = _scalar(issue[extra])
    return out


def _detail(detail: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "field": _scalar(detail.get("field")),
        "message": _scalar(detail.get("message")),
        "violation": _scalar(detail.get("violation")),
    }


def challenge_error(value: str | None) -> str | None:
    """The error a ``WWW-Authenticate`` challenge names (RFC 6750 §3, RFC 9449 §7.1), for a
    message: ``DPoP error="invalid_dpop_proof": htu does not match``; None without one.

    Example:
        >>> challenge_error('DPoP error="invalid_token", error_description="not bound"')
        'DPoP error="invalid_token": not bound'
        >>> challenge_error('Bearer realm="api"') is None
        True
    """
    for scheme, params in parse_www_authenticate(value or ""):
        error = _text(params.get("error"))
        if error is not None:
            name = "DPoP" if scheme == "dpop" else scheme.capitalize()
            description = _text(params.get("error_description"))
            return f'{name} error="{error}"' + (f": {description}" if description else "")
    return None


def error_from_response(
    method: str,
    path: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    note: str | None = None,
    secrets: tuple[str, ...] = (),
    now: float | None = None,
) -> ApiError:
    """The ``ApiError`` subclass for an error response.

    The message names the call (method and path, never the query, which may hold e-mail
    addresses) and carries the server's message, and the error of a ``WWW-Authenticate``
    challenge (why a DPoP or Bearer token was refused); ``note`` is added at the end. Credentials
    the server echoed (``secrets``, the one sent, and any ``Bearer …`` value) are redacted
    from the message and the details. A ``Retry-After`` is read by
    :func:`lexoffice_auth.rules.parse_retry_after`, an HTTP-date against ``now`` (epoch
    seconds, default the system clock).
    """
    message, trace_id, details = parse_error_body(body)
    if message is not None:
        message = redact(message, secrets)
    details = tuple(
        {k: redact(v, secrets) if isinstance(v, str) else v for k, v in d.items()} for d in details
    )
    if trace_id is None:
        trace_id = _text(headers.get("x-trace-id"))
    cls = error_for_status(status)
    if status == 406 and any(
        d.get("field") == "version" and d.get("message") != "missing_entity" for d in details
    ):
        # The docs say a stale version is a 409; two clients tested live report 406 with an
        # IssueList whose source is "version" (agent-tool-lexware-office-cli 0.1.4,
        # benethos-lexware-office-mcp 0.6.2, reference §3d). Both are a Conflict.
        cls = Conflict
    elif status >= 500 and message and _RATE_LIMIT_TEXT.search(message):
        cls = RateLimited
    text = f"{method} {path}: HTTP {status}"
    if message:
        text += f": {message}"
    else:
        ctype = headers.get("content-type", "").split(";")[0].strip() or "no content type"
        text += f" with an unreadable error body ({ctype}, {len(body)} bytes)"
    challenge = challenge_error(headers.get("www-authenticate"))
    if challenge is not None:
        text += f" ({redact(challenge, secrets)})"
    if note:
        text += f" ({note})"
    attributes: dict[str, Any] = {"status_code": status, "trace_id": trace_id, "details": details}
    if cls is RateLimited:
        when = time.time() if now is None else now
        attributes["retry_after"] = parse_retry_after(headers.get("retry-after"), when)
    return cls(text, **attributes)
