"""Round 2, item 12: webhooks refuse lone surrogates with 400, and can refuse stale or
repeated events.

0.2.0 answered 500 to a signed body holding ``"\\ud800"`` (the compact form it checks the
signature on could not be encoded), and accepted any event of any age, as often as it was
delivered. Now: 400; an opt-in freshness window (``max_age``) and an idempotency helper
(:class:`SeenEvents`: an event seen before is acknowledged without running the handler).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette

from lexoffice_auth.errors import ConfigurationError, WebhookError
from lexoffice_auth.testing import FakeClock
from lexoffice_auth.webhooks import (
    SIGNATURE_HEADER,
    SeenEvents,
    WebhookEvent,
    parse_event,
    verify_signature,
    webhook_route,
)

from ..support.webhooks import event_body, new_key, sign

NOW = datetime(2024, 5, 1, 8, 0, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return new_key()


def pem_of(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


async def post(app: Starlette, body: bytes, key: rsa.RSAPrivateKey) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        return await http.post("/events", content=body, headers={SIGNATURE_HEADER: sign(key, body)})


def body_at(when: datetime, resource: str = "r-1") -> bytes:
    return event_body("invoice.created", resource, eventDate=when.isoformat())


LONE_SURROGATE_BODIES = [
    b'{"organizationId":"o-1","eventType":"invoice.created","resourceId":"\\ud800",'
    b'"eventDate":"2024-05-01T10:00:00.000+02:00"}',
    b'{"organizationId": "o-1", "eventType": "invoice.created", "resourceId": "\\udfff",'
    b' "eventDate": "2024-05-01T10:00:00.000+02:00"}',
    b'{"organizationId":"o-1","eventType":"invoice.created","resourceId":"r",'
    b'"eventDate":"2024-05-01T10:00:00.000+02:00","note":"\\ud83d"}',
]


@pytest.mark.parametrize("body", LONE_SURROGATE_BODIES)
async def test_a_signed_body_with_a_lone_surrogate_is_a_400(
    key: rsa.RSAPrivateKey, body: bytes
) -> None:
    seen: list[WebhookEvent] = []
    app = Starlette(routes=[webhook_route("/events", pem_of(key), seen.append)])
    response = await post(app, body, key)
    assert response.status_code == 400
    assert seen == []


@pytest.mark.parametrize("body", LONE_SURROGATE_BODIES)
def test_lone_surrogates_are_webhook_errors(key: rsa.RSAPrivateKey, body: bytes) -> None:
    verify_signature(body, sign(key, body), key.public_key())  # signed as received: fine
    with pytest.raises(WebhookError) as info:
        parse_event(body)
    assert info.value.reason == "payload"


async def test_the_freshness_window_refuses_old_and_future_events(key: rsa.RSAPrivateKey) -> None:
    clock = FakeClock(start=NOW.timestamp(), ticking=False)
    seen: list[WebhookEvent] = []
    route = webhook_route("/events", pem_of(key), seen.append, max_age=300, clock=clock)
    app = Starlette(routes=[route])
    assert (await post(app, body_at(NOW - timedelta(seconds=200)), key)).status_code == 200
    stale = await post(app, body_at(NOW - timedelta(seconds=301)), key)
    assert stale.status_code == 400 and "stale" in stale.text
    future = await post(app, body_at(NOW + timedelta(seconds=301)), key)
    assert future.status_code == 400
    assert len(seen) == 1


async def test_a_repeated_event_is_acknowledged_without_running_the_handler_again(
    key: rsa.RSAPrivateKey,
) -> None:
    seen: list[WebhookEvent] = []
    app = Starlette(
        routes=[webhook_route("/events", pem_of(key), seen.append, seen_events=SeenEvents())]
    )
    body = body_at(NOW)
    for _ in range(3):
        assert (await post(app, body, key)).status_code == 200
    assert len(seen) == 1
    # The same resource with another date is another event.
    assert (await post(app, body_at(NOW + timedelta(seconds=1)), key)).status_code == 200
    assert len(seen) == 2


async def test_an_event_whose_handler_failed_runs_again_when_redelivered(
    key: rsa.RSAPrivateKey,
) -> None:
    calls: list[WebhookEvent] = []

    def flaky(event: WebhookEvent) -> None:
        calls.append(event)
        if len(calls) == 1:
            raise RuntimeError("database down")

    app = Starlette(routes=[webhook_route("/events", pem_of(key), flaky, seen_events=SeenEvents())])
    body = body_at(NOW)
    assert (await post(app, body, key)).status_code == 500
    assert (await post(app, body, key)).status_code == 200
    assert (await post(app, body, key)).status_code == 200
    assert len(calls) == 2


async def test_seen_events_forget_the_oldest_beyond_their_size() -> None:
    seen = SeenEvents(max_events=2)
    events = [parse_event(body_at(NOW, f"r-{i}")) for i in range(3)]
    for event in events:
        assert await seen.claim(event)
    assert not await seen.claim(events[2])
    assert await seen.claim(events[0])  # forgotten: the window is bounded


def test_bad_options_are_configuration_errors(key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(ConfigurationError):
        webhook_route("/events", pem_of(key), print, max_age=-1)
    with pytest.raises(ConfigurationError):
        webhook_route("/events", pem_of(key), print, seen_events=object())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        SeenEvents(max_events=0)
