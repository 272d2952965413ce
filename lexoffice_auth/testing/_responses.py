"""Response builders for the sandbox: JSON, the three lexoffice error shapes, paging, dates."""

from __future__ import annotations

import functools
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any

from httpx import Response

__all__ = [
    "berlin_midnight",
    "format_datetime",
    "gateway_error",
    "json_response",
    "legacy_error",
    "page_envelope",
    "parse_datetime",
    "regular_error",
]

try:
    from zoneinfo import ZoneInfo

    _BERLIN: tzinfo = ZoneInfo("Europe/Berlin")
except Exception:  # pragma: no cover - a system without tz data
    _BERLIN = timezone(timedelta(hours=1))

# lexoffice's strict ``yyyy-MM-ddTHH:mm:ss.SSSXXX``: three millisecond digits, offset with colon.
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(?:Z|[+-]\d{2}:\d{2})$")

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@functools.lru_cache(maxsize=1 << 16)  # large voucherlists format the same dates per call
def format_datetime(epoch: float) -> str:
    """``epoch`` as lexoffice writes it, German local time: ``2024-05-01T10:00:00.000+02:00``."""
    moment = datetime.fromtimestamp(epoch, tz=_BERLIN)
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}{offset[:3]}:{offset[3:]}"


def berlin_midnight(day: date) -> float:
    """Epoch seconds of 00:00 German time on ``day`` (how lexoffice reads a bare date)."""
    return datetime(day.year, day.month, day.day, tzinfo=_BERLIN).timestamp()


def parse_datetime(value: object) -> datetime | None:
    """The datetime if ``value`` is in lexoffice's strict format, else None."""
    if not isinstance(value, str) or not _DATETIME.match(value):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def json_response(
    status: int, body: object, *, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON response with compact encoding."""
    content = json.dumps(body, separators=(",", ":")).encode()
    merged = {"Content-Type": "application/json"}
    merged.update(headers or {})
    return Response(status, headers=merged, content=content)


def regular_error(
    status: int,
    path: str,
    now: float,
    message: str,
    details: Sequence[Mapping[str, str]] = (),
    *,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """lexoffice's "regular" error body (invoices, voucherlist, profile, ...)."""
    body: dict[str, Any] = {
        "timestamp": format_datetime(now),
        "status": status,
        "error": _REASONS.get(status, "Error"),
        "path": path,
        "traceId": secrets.token_hex(8),
        "message": message,
    }
    if details:
        body["details"] = [dict(d) for d in details]
    return json_response(status, body, headers=headers)


def legacy_error(status: int, issues: Sequence[Mapping[str, Any]]) -> Response:
    """lexoffice's "legacy" error body, ``{"IssueList": [...]}`` (contacts, files, vouchers)."""
    issue_list = [
        {
            "i18nKey": i["i18nKey"],
            "source": i.get("source"),
            "type": i.get("type", "validation_failure"),
        }
        | ({"additionalData": i["additionalData"]} if "additionalData" in i else {})
        | ({"args": i["args"]} if "args" in i else {})
        for i in issues
    ]
    return json_response(status, {"IssueList": issue_list})


def gateway_error(
    status: int, message: str | None, *, headers: Mapping[str, str] | None = None
) -> Response:
    """The API gateway's body, ``{"message": ...}`` (401, 403, 504)."""
    return json_response(status, {"message": message}, headers=headers)


def page_envelope(
    items: Sequence[Any], page: int, size: int, sort_property: str, direction: str = "ASC"
) -> dict[str, Any]:
    """One page of ``items`` in lexoffice's paging envelope (``page`` is 0-based)."""
    total = len(items)
    pages = (total + size - 1) // size if total else 0
    content = list(items[page * size : (page + 1) * size])
    return {
        "content": content,
        "first": page == 0,
        "last": page >= pages - 1,
        "totalPages": pages,
        "totalElements": total,
        "numberOfElements": len(content),
        "size": size,
        "number": page,
        "sort": [
            {
                "direction": direction,
                "property": sort_property,
                "ignoreCase": False,
                "nullHandling": "NATIVE",
                "ascending": direction == "ASC",
            }
        ],
    }
