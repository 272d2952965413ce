"""lexoffice webhooks: check ``X-Lxo-Signature``, read the event, act on ``token.revoked``.

lexoffice signs each event it delivers: ``X-Lxo-Signature`` is the base64 RSA signature
(PKCS#1 v1.5, SHA-512) of the JSON body, made with Lexware's private key. Verify it with
Lexware's public key, which you configure: this library ships no key, because it cannot
check one here. The payload carries only ``organizationId``, ``eventType``, ``resourceId``
and ``eventDate``; fetch the resource itself through the API.

A Starlette/FastAPI endpoint needs the ``webhooks`` extra (``pip install
'lexoffice-auth[webhooks]'``); ``cryptography`` is imported on first use.

Example:
    >>> from lexoffice_auth.webhooks import parse_event
    >>> event = parse_event(b'{"organizationId":"o-1","eventType":"token.revoked",'
    ...                     b'"resourceId":"c-1","eventDate":"2024-05-01T10:00:00.000+02:00"}')
    >>> event.event_type, event.resource_id
    ('token.revoked', 'c-1')
"""

from __future__ import annotations

import base64
import binascii
import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._core.checks import check_account_key, describe_validation_error, json_object
from ._core.clock import system_clock
from ._session.revocation import (
    CONNECTION_ID,
    REVOKED_MARKER,
    account_for_connection,
    is_revoked,
    revoke_stored_tokens,
)
from .errors import ConfigurationError, TokenStoreError, WebhookError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from ._accounts.pool import AuthPool
    from .stores import TokenStore

__all__ = [
    "KNOWN_EVENT_TYPES",
    "REVOKED_MARKER",
    "SIGNATURE_HEADER",
    "TOKEN_REVOKED",
    "EventHandler",
    "WebhookEvent",
    "is_revoked",
    "load_public_key",
    "parse_event",
    "revoke_connection",
    "verify_signature",
    "webhook_endpoint",
    "webhook_route",
]

logger = logging.getLogger("lexoffice_auth")

SIGNATURE_HEADER = "X-Lxo-Signature"
"""The header lexoffice puts the signature in."""

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

# A lexoffice event is four short fields; anything much larger is not one.
MAX_BODY = 64 * 1024

PublicKey = Union[str, bytes, "RSAPublicKey"]


def load_public_key(public_key: PublicKey) -> RSAPublicKey:
    """An RSA public key from PEM text or bytes (or a loaded key, returned as is).

    Load it once at start-up and pass the result on, so each request skips the parsing.
    A key that is not an RSA public key is a ``ConfigurationError``.
    """
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    if isinstance(public_key, RSAPublicKey):
        return public_key
    if isinstance(public_key, str):
        public_key = public_key.encode("ascii", "replace")
    if not isinstance(public_key, (bytes, bytearray)):
        raise ConfigurationError(
            "public_key must be PEM text or bytes or an RSA public key, "
            f"not {type(public_key).__name__}"
        )
    try:
        key = load_pem_public_key(bytes(public_key))
    except (ValueError, TypeError):
        raise ConfigurationError(
            "public_key is not a PEM public key (-----BEGIN PUBLIC KEY-----)"
        ) from None
    except Exception as exc:  # e.g. cryptography's UnsupportedAlgorithm
        raise ConfigurationError(f"public_key cannot be used: {type(exc).__name__}") from None
    if not isinstance(key, RSAPublicKey):
        raise ConfigurationError(
            f"public_key must be an RSA key (lexoffice signs with RSA), not {type(key).__name__}"
        )
    return key


def verify_signature(body: bytes, signature: str | bytes | None, public_key: PublicKey) -> None:
    """Check that ``signature`` (the ``X-Lxo-Signature`` header) signs ``body``.

    ``body`` is the request body exactly as received. lexoffice signs the JSON without
    whitespace; a body that arrives with whitespace is also checked in that compact form.
    Raises ``WebhookError`` when the header is missing or not base64, or when the
    signature was not made over this body with this key; returns ``None`` when it was.

    Example (a key pair made up for the example plays lexoffice's):
        >>> from cryptography.hazmat.primitives import hashes
        >>> from cryptography.hazmat.primitives.asymmetric import padding, rsa
        >>> lexoffice_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        >>> body = (b'{"organizationId":"o-1","eventType":"contact.changed",'
        ...         b'"resourceId":"c-1","eventDate":"2025-05-01T10:00:00.000+02:00"}')
        >>> header = base64.b64encode(
        ...     lexoffice_key.sign(body, padding.PKCS1v15(), hashes.SHA512())).decode()
        >>> verify_signature(body, header, lexoffice_key.public_key())  # None: genuine
        >>> verify_signature(body.replace(b"c-1", b"c-2"), header, lexoffice_key.public_key())
        Traceback (most recent call last):
        ...
        lexoffice_auth.errors.WebhookError: ...
    """
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.hashes import SHA512

    key = load_public_key(public_key)
    if not isinstance(body, (bytes, bytearray)):
        raise ConfigurationError(f"body must be bytes, not {type(body).__name__}")
    if isinstance(signature, (bytes, bytearray)):
        signature = bytes(signature).decode("ascii", "replace")
    if not isinstance(signature, str) or not signature.strip():
        raise WebhookError(f"the {SIGNATURE_HEADER} header is missing", reason="signature")
    try:
        raw = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise WebhookError(
            f"the {SIGNATURE_HEADER} header is not base64", reason="signature"
        ) from None
    for candidate in _signed_forms(bytes(body)):
        try:
            key.verify(raw, candidate, PKCS1v15(), SHA512())
        except InvalidSignature:
            continue
        return
    raise WebhookError(
        f"the {SIGNATURE_HEADER} signature does not match the body and the configured key",
        reason="signature",
    )


def _payload_error(message: str) -> WebhookError:
    return WebhookError(message, reason="payload")


def _signed_forms(body: bytes) -> list[bytes]:
    """The body as received, then (if different) its whitespace-free JSON form."""
    forms = [body]
    try:
        compact = json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return forms
    encoded = compact.encode("utf-8")
    if encoded != body:
        forms.append(encoded)
    return forms


class WebhookEvent(BaseModel):
    """One lexoffice event, as delivered to a webhook.

    Attributes:
        organization_id: the lexoffice organisation (``organizationId``).
        event_type: e.g. ``"invoice.created"``, ``"contact.changed"``, ``"token.revoked"``
            (see :data:`KNOWN_EVENT_TYPES`; unknown types are kept as they come).
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

    Parse only a body whose signature :func:`verify_signature` accepted.

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
        return WebhookEvent.model_validate(data)
    except ValidationError as exc:
        raise WebhookError(
            f"the webhook body is not a lexoffice event: {describe_validation_error(exc)}",
            reason="payload",
        ) from None


ConnectionLookup = Mapping[str, str] | Callable[[str], str | Awaitable[str | None] | None]
"""connectionId → account key: a mapping, or a (possibly async) function returning the
account key or ``None`` for an unknown connection."""


async def revoke_connection(
    event: WebhookEvent,
    accounts: ConnectionLookup | None = None,
    *,
    pool: AuthPool | None = None,
    store: TokenStore | None = None,
) -> str | None:
    """Act on ``token.revoked``: the connection's account must log in again.

    ``accounts`` maps the event's connection id (``resource_id``) to your account key.
    Without it the store's index is used: record the connection once after each login
    with ``await LexofficeClient(auth).record_connection()`` (it reads ``GET /v1/profile``'s
    ``connectionId`` and keeps it with the tokens and in an index entry). The account's stored
    tokens are replaced by a tombstone (no refresh token, expired): the next call through
    a ``RefreshingTokenSource`` on that store raises ``ReauthenticationRequired`` at
    once, without asking the token endpoint. With ``pool=`` (an :class:`AuthPool`) its
    cached auth adopts the tombstone and is dropped too; else pass the ``store``.

    The index never forgets a connection, and an account that logged in again has a new
    one: so the account is revoked only while its stored tokens still belong to the event's
    connection (their ``extra["connection_id"]``, kept by ``record_connection``). Found
    through the index, tokens that name another connection or none (a new login not
    recorded yet, or a tombstone) are left alone. Found through ``accounts``, only tokens
    that name another connection are; tokens that name none are revoked. The check reads the
    stored tokens before the revocation takes the store's lock: a new login saved and
    recorded in between is revoked too (it then logs in once more).

    Returns the account key revoked, or ``None`` for another event type, an unknown
    connection, or a connection the account no longer uses (the last two logged).

    Example (``event`` from :func:`parse_event`; a pool would be passed as ``pool=``):
        >>> import anyio
        >>> from lexoffice_auth import MemoryTokenStore
        >>> event = parse_event(b'{"organizationId":"o-1","eventType":"token.revoked",'
        ...                     b'"resourceId":"c-1","eventDate":"2025-05-01T10:00:00.000+02:00"}')
        >>> store = MemoryTokenStore()
        >>> async def main() -> None:
        ...     print(await revoke_connection(event, {"c-1": "acme"}, store=store))
        ...     print(is_revoked(await store.load("acme")))
        >>> anyio.run(main)
        acme
        True
    """
    if not isinstance(event, WebhookEvent):
        raise ConfigurationError(f"event must be a WebhookEvent, not {type(event).__name__}")
    if (pool is None) == (store is None):
        raise ConfigurationError("revoke_connection needs either pool= or store=")
    if event.event_type != TOKEN_REVOKED:
        return None
    connection_id = event.resource_id
    tokens = pool.store if pool is not None else store
    assert tokens is not None
    if accounts is None:
        found: object = await account_for_connection(tokens, connection_id)
    elif isinstance(accounts, Mapping):
        found = accounts.get(connection_id)
    elif callable(accounts):
        found = accounts(connection_id)
        if inspect.isawaitable(found):
            found = await found
    else:
        raise ConfigurationError("accounts must be a mapping or a function of the connection id")
    if found is None:
        logger.warning("token.revoked for an unknown connection %r: nothing to do", connection_id)
        return None
    account_key = check_account_key(found)
    if not await _still_connected(tokens, account_key, connection_id, indexed=accounts is None):
        return None
    reason = f"{TOKEN_REVOKED} at {event.event_date.isoformat()}"
    if pool is not None:
        await pool.revoke(account_key, reason=reason)
    else:
        await revoke_stored_tokens(tokens, account_key, at=system_clock(), reason=reason)
    logger.info("connection %r revoked: account %r must log in again", connection_id, account_key)
    return account_key


async def _still_connected(
    store: TokenStore, account_key: str, connection_id: str, *, indexed: bool
) -> bool:
    """Whether ``account_key``'s stored tokens still belong to ``connection_id``.

    ``indexed``: the account was found through the store's index, which keeps every
    connection ever recorded; then the tokens must name this connection. Otherwise (the
    caller's own mapping) tokens that name no connection are taken to be this one's.
    """
    try:
        stored = await store.load(account_key)
    except TokenStoreError:
        # Unreadable tokens are unusable too; the tombstone replaces them (as it always did).
        logger.warning("token.revoked: the tokens of account %r are unreadable", account_key)
        return True
    recorded = stored.extra.get(CONNECTION_ID) if stored is not None else None
    if recorded == connection_id.strip() or (recorded is None and not indexed):
        return True
    if stored is None or is_revoked(stored):
        logger.info(
            "token.revoked for connection %r: account %r has no live tokens, nothing to do",
            connection_id,
            account_key,
        )
    else:
        logger.warning(
            "token.revoked for connection %r: account %r has logged in again (connection %r);"
            " its login is left alone",
            connection_id,
            account_key,
            recorded,
        )
    return False


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
    public_key: PublicKey, handler: EventHandler, *, max_body: int = MAX_BODY
) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint (``request -> response``) that receives lexoffice events.

    It answers 401 to a missing or wrong signature (the handler is not called), 400 to a
    signed body that is no event, 413 to a body over ``max_body`` bytes, and 200 once
    ``handler(event)`` has returned. An exception from the handler propagates (Starlette
    answers 500, and lexoffice may deliver the event again). ``public_key`` is loaded now,
    so a bad key fails at start-up.

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
        result = handler(event)
        if inspect.isawaitable(result):
            await result
        return PlainTextResponse("ok", status_code=200)

    return endpoint


def webhook_route(
    path: str, public_key: PublicKey, handler: EventHandler, *, max_body: int = MAX_BODY
) -> Route:
    """A Starlette ``Route`` for ``POST path`` over :func:`webhook_endpoint`.

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
    endpoint = webhook_endpoint(public_key, handler, max_body=max_body)
    from starlette.routing import Route

    return Route(path, endpoint, methods=["POST"])
