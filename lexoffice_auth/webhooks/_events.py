"""The event in a webhook body: its four fields, parsed and checked."""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .._core.checks import describe_validation_error, json_object
from ..errors import ConfigurationError, WebhookError

__all__ = ["KNOWN_EVENT_TYPES", "TOKEN_REVOKED", "WebhookEvent", "parse_event"]

TOKEN_REVOKED = "token.revoked"
"""The event sent when a connection's grant is revoked; ``resource_id`` is the connection id."""

KNOWN_EVENT_TYPES = frozenset(
    {
        "contact.created",
        "contact.changed",
        "contact.deleted",
        "invoice.created",
        "invoice.changed",
        "invoice.deleted",
        "invoice.status.changed",
        "payment.changed",
        TOKEN_REVOKED,
    }
)
"""Event types the lexoffice documentation names (there are more; others are kept as is)."""


def _payload_error(message: str) -> WebhookError:
    return WebhookError(message, reason="payload")


class WebhookEvent(BaseModel):
    """One lexoffice event, as delivered to a webhook.

    Attributes:
        organization_id: the lexoffice organisation (``organizationId``).
        event_type: e.g. ``"invoice.created"``, ``"contact.changed"``, ``"token.revoked"``
            (see ``KNOWN_EVENT_TYPES``; unknown types are kept as they come).
        resource_id: the changed resource (``resourceId``); for ``token.revoked`` the
            connection id that ``GET /v1/profile`` reports as ``connectionId``.
        event_date: when it happened (``eventDate``), with its time zone.

    Fields lexoffice may add later are kept (``event.model_extra``).
    """

    model_config = ConfigDict(frozen=True, extra="allow", populate_by_name=True)

    organization_id: str = Field(alias="organizationId")
    event_type: str = Field(alias="eventType", min_length=1)
    resource_id: str = Field(alias="resourceId")
    event_date: datetime = Field(alias="eventDate")


def parse_event(body: bytes | str) -> WebhookEvent:
    """The event in a webhook body; ``WebhookError`` (reason ``"payload"``) if it is none.

    Parse only a body whose signature ``verify_signature`` accepted.

    Example:
        >>> event = parse_event(b'{"organizationId":"o-1","eventType":"invoice.created",'
        ...                     b'"resourceId":"i-1","eventDate":"2025-05-01T10:00:00.000+02:00"}')
        >>> event.event_type, event.resource_id, event.event_date.year
        ('invoice.created', 'i-1', 2025)
        >>> parse_event(b'{"eventType": "invoice.created"}')
        Traceback (most recent call last):
        ...
        lexoffice_auth.errors.WebhookError: ...
    """
    if not isinstance(body, (bytes, bytearray, str)):
        raise ConfigurationError(f"body must be bytes or str, not {type(body).__name__}")
    data = json_object(body, "the webhook body", _payload_error)
    try:
        # JSON allows "\ud800" (a lone surrogate), UTF-8 cannot hold it: no event has one,
        # and a handler storing or logging such a string would fail.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise _payload_error("the webhook body holds a lone surrogate (\\ud800-\\udfff)") from None
    try:
        return WebhookEvent.model_validate(data)
    except ValidationError as exc:
        raise WebhookError(
            f"the webhook body is not a lexoffice event: {describe_validation_error(exc)}",
            reason="payload",
        ) from None
