"""``/v1/event-subscriptions``: create (201 + ``Location``), read, list, delete."""

from __future__ import annotations

from typing import Any

from httpx import Response

from lexoffice_auth.testing._events import is_callback_url
from lexoffice_auth.testing._responses import format_datetime, json_response
from lexoffice_auth.testing.api._call import INVALID, Call, Problem, detail

__all__ = ["EVENT_TYPES", "create", "delete", "get", "listing"]

_PLAIN = ("article", "contact", "dunning", "recurring-template")
_WITH_STATUS = (
    "credit-note",
    "delivery-note",
    "down-payment-invoice",
    "invoice",
    "order-confirmation",
    "quotation",
    "voucher",
)
EVENT_TYPES = frozenset(
    {
        *(f"{p}.{e}" for p in (*_PLAIN, *_WITH_STATUS) for e in ("created", "changed", "deleted")),
        *(f"{p}.status.changed" for p in _WITH_STATUS),
        "payment.changed",
        "token.revoked",
    }
)
"""Every event type of reference §3b.8."""


def listing(call: Call) -> Response:
    """``{"content": [...]}`` without paging fields."""
    return json_response(200, {"content": list(call.state.subscriptions.values())})


def get(call: Call) -> Response:
    """One subscription (its key is ``subscriptionId``)."""
    found = call.state.subscriptions.get(call.args[0].lower())
    if found is None:
        raise Problem(404, "Resource not found")
    return json_response(200, found)


def delete(call: Call) -> Response:
    """204."""
    if call.state.subscriptions.pop(call.args[0].lower(), None) is None:
        raise Problem(404, "Resource not found")
    return Response(204)


def create(call: Call) -> Response:
    """``{eventType, callbackUrl}``; 409 for the same type and URL again.

    Delivery goes to loopback hosts only; an event for any other host is recorded in
    ``FakeLexoffice.deliveries`` without being sent.
    """
    state = call.state
    now = call.now
    body = call.json()
    # Imported here: lexoffice_auth.webhooks loads pydantic, and the sandbox alone does not.
    from lexoffice_auth.webhooks import KNOWN_EVENT_TYPES

    event_type, url = body.get("eventType"), body.get("callbackUrl")
    details = []
    if event_type not in EVENT_TYPES | KNOWN_EVENT_TYPES:
        details.append(detail("eventType", "NOTNULL", "ungültig"))
    if not is_callback_url(url):
        details.append(detail("callbackUrl", "PATTERN", "https-URL erwartet"))
    if details:
        raise Problem(406, INVALID, details)
    if any(
        s["eventType"] == event_type and s["callbackUrl"] == url
        for s in state.subscriptions.values()
    ):
        raise Problem(409, f"Subscription for {event_type} and this URL already exists")
    sid = state.new_uuid()
    state.subscriptions[sid] = {
        "subscriptionId": sid,
        "organizationId": state.organization_id,
        "createdDate": format_datetime(now),
        "eventType": event_type,
        "callbackUrl": url,
    }
    uri = state.resource_uri("event-subscriptions", sid)
    result: dict[str, Any] = {
        "id": sid,
        "resourceUri": uri,
        "createdDate": format_datetime(now),
        "updatedDate": format_datetime(now),
        "version": 0,
    }
    return json_response(201, result, headers={"Location": uri})
