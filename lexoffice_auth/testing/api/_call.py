"""One API call as a handler sees it, and the ``Problem`` a handler raises to refuse it.

Handlers raise ``Problem`` with a status, a message and field details; the router
renders it in the error shape its route declares (regular or legacy), so no handler
builds an error body itself.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs

from httpx import Request, Response

from lexoffice_auth.testing._responses import format_datetime, json_response
from lexoffice_auth.testing._state import Credential, Record, SandboxState

__all__ = [
    "INVALID",
    "Call",
    "Part",
    "Problem",
    "detail",
    "like",
    "search_text",
]

INVALID = "Validation failed for request. Please see details list for specific causes."
"""lexoffice's message for a 406 with a details list."""


class Problem(Exception):
    """Refuse a call: rendered in the route's error shape (regular or legacy).

    ``details`` are ``{violation, field, message}`` (regular) and become IssueList entries
    ``{i18nKey, source}`` (legacy; ``i18nKey`` taken from the detail if it has one).
    ``i18n_key``/``source`` describe a legacy error without details.
    """

    def __init__(
        self,
        status: int,
        message: str,
        details: Sequence[Mapping[str, str]] = (),
        *,
        i18n_key: str | None = None,
        source: str | None = None,
        issue_type: str | None = None,
        shape: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = [dict(d) for d in details]
        self.i18n_key = i18n_key
        self.source = source
        self.issue_type = issue_type
        self.shape = shape  # overrides the route's shape (the stale-version quirk)


def detail(
    field: str, violation: str = "NOTNULL", message: str = "darf nicht leer sein"
) -> dict[str, str]:
    """One entry of a regular error's ``details`` list."""
    return {"violation": violation, "field": field, "message": message}


@dataclass(frozen=True)
class Part:
    """One part of a ``multipart/form-data`` body."""

    name: str
    filename: str | None
    content_type: str
    content: bytes


def search_text(value: str) -> str:
    """A search filter as lexoffice reads it: already URL-decoded, now HTML-unescaped.

    lexoffice asks clients to HTML-escape ``&``, ``<`` and ``>`` and then URL-encode; a
    value without the HTML step has nothing to unescape and reads the same.
    """
    return html.unescape(value)


def like(pattern: str) -> re.Pattern[str]:
    """lexoffice's search: ``_``/``%`` wildcards, ``\\`` escapes, case-insensitive substring."""
    text = search_text(pattern)
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(re.escape(text[i + 1]))
            i += 2
            continue
        out.append("." if ch == "_" else ".*" if ch == "%" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


@dataclass
class Call:
    """A request routed to a handler: the state, the caller, the path arguments."""

    state: SandboxState
    request: Request
    path: str
    args: tuple[str, ...]
    who: Credential

    @property
    def now(self) -> float:
        """The sandbox's current time."""
        return self.state.now()

    def query(self) -> dict[str, str]:
        """The query parameters; a repeated one is a 400."""
        params: dict[str, str] = {}
        pairs = parse_qs(self.request.url.query.decode(), keep_blank_values=True)
        for name, values in pairs.items():
            if len(values) > 1:
                raise Problem(
                    400, f"filter {name} must not be repeated", i18n_key="bad_request_error"
                )
            params[name] = values[0]
        return params

    def flag(self, name: str) -> bool:
        """A boolean query parameter such as ``finalize`` (absent: False)."""
        return self.query().get(name, "false").lower() == "true"

    def json(self) -> dict[str, Any]:
        """The JSON object in the body; 415 for another Content-Type, 400 for bad JSON."""
        ctype = self.request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise Problem(
                415,
                "Content-Type must be application/json",
                i18n_key="unsupported_media_type",
                source="Content-Type",
            )
        try:
            data = json.loads(self.request.content)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise Problem(400, "body is not valid JSON", i18n_key="bad_request_error") from None
        if not isinstance(data, dict):
            raise Problem(400, "body must be a JSON object", i18n_key="bad_request_error")
        return data

    def multipart(self) -> dict[str, Part]:
        """The parts of a ``multipart/form-data`` body by name; 415 for another type."""
        ctype = self.request.headers.get("content-type", "")
        if ctype.split(";")[0].strip().lower() != "multipart/form-data":
            raise Problem(
                415,
                "Content-Type must be multipart/form-data",
                i18n_key="unsupported_media_type",
                source="Content-Type",
            )
        raw = b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + self.request.content
        message = BytesParser(policy=HTTP).parsebytes(raw)
        parts: dict[str, Part] = {}
        if not message.is_multipart():
            return parts
        for sub in message.iter_parts():
            if not isinstance(sub, Message):  # pragma: no cover - the parser yields messages
                continue
            name = sub.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = sub.get_payload(decode=True)
            parts[name] = Part(
                name=name,
                filename=sub.get_filename(),
                content_type=sub.get_content_type(),
                content=payload if isinstance(payload, bytes) else b"",
            )
        return parts

    def action_result(self, resource: str, record: Record) -> dict[str, Any]:
        """lexoffice's action-result ``{id, resourceUri, createdDate, updatedDate, version}``."""
        item_id = record.data["id"]
        return {
            "id": item_id,
            "resourceUri": self.state.resource_uri(resource, item_id),
            "createdDate": format_datetime(record.created),
            "updatedDate": format_datetime(record.updated),
            "version": record.data.get("version", 0),
        }

    def created(self, resource: str, record: Record) -> Response:
        """201 with the action-result and a ``Location`` header."""
        result = self.action_result(resource, record)
        return json_response(201, result, headers={"Location": result["resourceUri"]})

    def updated(self, resource: str, record: Record) -> Response:
        """200 with the action-result of an update."""
        return json_response(200, self.action_result(resource, record))

    def found(self, resource: str, item_id: str, *, what: str = "Resource") -> Record:
        """The stored record or a 404."""
        record = self.state.store(resource).get(item_id.lower())
        if record is None:
            raise Problem(404, f"{what} not found", i18n_key="missing_entity", source="id")
        return record

    def check_version(self, body: Mapping[str, Any], record: Record) -> None:
        """Optimistic locking: a stale ``version`` is a 409 (406 with the live quirk)."""
        if body.get("version") == record.data.get("version"):
            return
        if "stale_version_406" in self.state.quirks:
            # agent-tool-lexware-office-cli 0.1.4 and benethos-lexware-office-mcp 0.6.2
            # measured this on the live API (reference §3d); the docs say 409.
            raise Problem(
                406,
                "stale version",
                i18n_key="invalid_value",
                source="version",
                shape="legacy",
            )
        raise Problem(
            409,
            "The resource was changed in the meantime (stale version).",
            i18n_key="conflict",
            source="version",
            issue_type="conflict",
        )
