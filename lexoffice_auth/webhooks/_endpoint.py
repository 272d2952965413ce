"""The Starlette/FastAPI endpoint: verify, parse, hand the event on (the ``webhooks`` extra)."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from .._core.clock import Clock, system_clock
from ..errors import ConfigurationError, WebhookError
from ._events import WebhookEvent, parse_event
from ._replay import EventLedger, check_fresh, check_window
from ._signature import SIGNATURE_HEADER, PublicKey, load_public_key, verify_signature

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

__all__ = ["MAX_BODY", "EventHandler", "webhook_endpoint", "webhook_route"]

logger = logging.getLogger("lexoffice_auth")

# A lexoffice event is four short fields; anything much larger is not one.
MAX_BODY = 64 * 1024

EventHandler = Callable[[WebhookEvent], Awaitable[None] | None]
"""Called with each verified event; a plain or an async function."""


def _import_starlette() -> None:
    try:
        import starlette.responses
        import starlette.routing  # noqa: F401
    except ImportError as exc:
        raise ConfigurationError(
            "the webhook endpoint needs Starlette: pip install 'lexoffice-auth[webhooks]'"
        ) from exc


def webhook_endpoint(
    public_key: PublicKey,
    handler: EventHandler,
    *,
    max_body: int = MAX_BODY,
    max_age: float | None = None,
    seen_events: EventLedger | None = None,
    clock: Clock = system_clock,
) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint (``request -> response``) that receives lexoffice events.

    It answers 401 to a missing or wrong signature (the handler is not called), 400 to a
    signed body that is no event, 413 to a body over ``max_body`` bytes, and 200 once
    ``handler(event)`` has returned. An exception from the handler propagates (Starlette
    answers 500, and lexoffice may deliver the event again). ``public_key`` is loaded now,
    so a bad key fails at start-up.

    Replays (opt-in; a signed body stays valid forever): with ``max_age`` an event dated
    further than that many seconds from ``clock()`` (either way) is answered 400 and not
    handled; with ``seen_events`` (e.g. ``SeenEvents``) an event handled before is
    answered 200 without running the handler again, and one whose handler raised is
    forgotten so that a redelivery runs it.

    Example (``pem`` is the public key you configure; here one made up for the example):
        >>> from cryptography.hazmat.primitives import serialization
        >>> from cryptography.hazmat.primitives.asymmetric import rsa
        >>> from starlette.routing import Route
        >>> pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key(
        ...     ).public_bytes(serialization.Encoding.PEM,
        ...                    serialization.PublicFormat.SubjectPublicKeyInfo)
        >>> async def on_event(event: WebhookEvent) -> None:
        ...     print(event.event_type)
        >>> route = Route("/lexoffice/events", webhook_endpoint(pem, on_event), methods=["POST"])
        >>> route.path  # with FastAPI: app.add_route(path, endpoint, methods=["POST"])
        '/lexoffice/events'
    """
    _import_starlette()
    from starlette.responses import PlainTextResponse

    key = load_public_key(public_key)
    if not callable(handler):
        raise ConfigurationError("handler must be a function of the event")
    if isinstance(max_body, bool) or not isinstance(max_body, int) or max_body < 1:
        raise ConfigurationError("max_body must be a positive int")
    window = check_window(max_age, clock)
    if seen_events is not None and not isinstance(seen_events, EventLedger):
        raise ConfigurationError("seen_events must have async claim(event) and release(event)")

    async def endpoint(request: Request) -> Response:
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > max_body:
                return PlainTextResponse("body too large", status_code=413)
        try:
            verify_signature(bytes(body), request.headers.get(SIGNATURE_HEADER), key)
        except WebhookError as exc:
            logger.warning("webhook refused: %s", exc)
            return PlainTextResponse("invalid signature", status_code=401)
        try:
            event = parse_event(bytes(body))
        except WebhookError as exc:
            logger.warning("webhook refused: %s", exc)
            return PlainTextResponse("not a lexoffice event", status_code=400)
        if window is not None:
            try:
                check_fresh(event, max_age=window, now=clock())
            except WebhookError as exc:
                logger.warning("webhook refused: %s", exc)
                return PlainTextResponse("stale event", status_code=400)
        if seen_events is not None and not await seen_events.claim(event):
            return PlainTextResponse("ok (already handled)", status_code=200)
        try:
            result = handler(event)
            if inspect.isawaitable(result):
                await result
        except BaseException:
            if seen_events is not None:
                await seen_events.release(event)
            raise
        return PlainTextResponse("ok", status_code=200)

    return endpoint


def webhook_route(
    path: str,
    public_key: PublicKey,
    handler: EventHandler,
    *,
    max_body: int = MAX_BODY,
    max_age: float | None = None,
    seen_events: EventLedger | None = None,
    clock: Clock = system_clock,
) -> Route:
    """A Starlette ``Route`` for ``POST path`` over ``webhook_endpoint`` (same options).

    Example (``pem`` is the public key you configure; here one made up for the example):
        >>> from cryptography.hazmat.primitives import serialization
        >>> from cryptography.hazmat.primitives.asymmetric import rsa
        >>> pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key(
        ...     ).public_bytes(serialization.Encoding.PEM,
        ...                    serialization.PublicFormat.SubjectPublicKeyInfo)
        >>> route = webhook_route("/lexoffice/events", pem, print)
        >>> route.path, sorted(route.methods)  # Starlette(routes=[route])
        ('/lexoffice/events', ['POST'])
    """
    endpoint = webhook_endpoint(
        public_key,
        handler,
        max_body=max_body,
        max_age=max_age,
        seen_events=seen_events,
        clock=clock,
    )
    from starlette.routing import Route

    return Route(path, endpoint, methods=["POST"])
