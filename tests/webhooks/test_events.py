"""``lexoffice_auth.webhooks._events``: the event model and bad payloads."""

from __future__ import annotations

import pytest

from lexoffice_auth.errors import (
    WebhookError,
)
from lexoffice_auth.webhooks import (
    TOKEN_REVOKED,
    WebhookEvent,
    parse_event,
)

from ..support.webhooks import BODY, event_body


def test_parse_event_reads_the_payload_and_keeps_unknown_fields() -> None:
    event = parse_event(event_body(TOKEN_REVOKED, "conn-1", newField=[1, 2]))
    assert event.event_type == "token.revoked"
    assert event.resource_id == "conn-1"
    assert event.organization_id == "aa93e8a8-2aa3-470b-b914-caad8a255dd8"
    assert event.event_date.isoformat() == "2024-05-01T10:00:00+02:00"
    assert event.model_extra == {"newField": [1, 2]}
    assert parse_event(BODY.decode()) == parse_event(BODY)
    assert isinstance(event, WebhookEvent)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b"[" * 100_000, "not valid JSON"),
        (b'{"eventType": "x"}', "not a lexoffice event"),
        (event_body("x", "r").replace(b"2024-05-01T10", b"yesterday"), "eventDate"),
        (event_body("", "r"), "eventType"),
    ],
)
def test_bad_payloads_are_webhook_errors(body: bytes, message: str) -> None:
    with pytest.raises(WebhookError, match=message) as info:
        parse_event(body)
    assert info.value.reason == "payload"


# --- the Starlette endpoint ---------------------------------------------------------------
