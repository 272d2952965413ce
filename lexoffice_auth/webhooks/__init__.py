"""lexoffice webhooks: check ``X-Lxo-Signature``, read the event, act on ``token.revoked``.

lexoffice signs each event it delivers: ``X-Lxo-Signature`` is the base64 RSA signature
(PKCS#1 v1.5, SHA-512) of the JSON body, made with Lexware's private key. Verify it with
Lexware's public key, which you configure: this library ships no key, because it cannot
check one here. The payload carries only ``organizationId``, ``eventType``, ``resourceId``
and ``eventDate``; fetch the resource itself through the API.

One module per job: ``_signature`` (verification), ``_events`` (parsing), ``_endpoint``
(the Starlette endpoint) and ``_revocation`` (``token.revoked``); the names below are the
public API. A Starlette/FastAPI endpoint needs the ``webhooks`` extra (``pip install
'lexoffice-auth[webhooks]'``); ``cryptography`` is imported on first use.

Example:
    >>> from lexoffice_auth.webhooks import parse_event
    >>> event = parse_event(b'{"organizationId":"o-1","eventType":"token.revoked",'
    ...                     b'"resourceId":"c-1","eventDate":"2024-05-01T10:00:00.000+02:00"}')
    >>> event.event_type, event.resource_id
    ('token.revoked', 'c-1')
"""

from __future__ import annotations

import logging

# The ``X as X`` names stay importable from here, as before the split, though not in __all__.
from .._session.revocation import CONNECTION_ID as CONNECTION_ID
from .._session.revocation import REVOKED_MARKER, is_revoked
from ._endpoint import MAX_BODY as MAX_BODY
from ._endpoint import EventHandler, webhook_endpoint, webhook_route
from ._events import KNOWN_EVENT_TYPES, TOKEN_REVOKED, WebhookEvent, parse_event
from ._replay import EventLedger, SeenEvents, check_fresh, event_key
from ._revocation import ConnectionLookup as ConnectionLookup
from ._revocation import revoke_connection
from ._signature import SIGNATURE_HEADER, load_public_key, verify_signature
from ._signature import PublicKey as PublicKey

__all__ = [
    "KNOWN_EVENT_TYPES",
    "REVOKED_MARKER",
    "SIGNATURE_HEADER",
    "TOKEN_REVOKED",
    "EventHandler",
    "EventLedger",
    "SeenEvents",
    "WebhookEvent",
    "check_fresh",
    "event_key",
    "is_revoked",
    "load_public_key",
    "parse_event",
    "revoke_connection",
    "verify_signature",
    "webhook_endpoint",
    "webhook_route",
]

logger = logging.getLogger("lexoffice_auth")
