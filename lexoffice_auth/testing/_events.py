"""The sandbox's webhooks: event subscriptions, signed events, delivery to loopback URLs.

Like lexoffice, the sandbox signs each event body (compact JSON) with RSA PKCS#1 v1.5 and
SHA-512 and sends the base64 signature in ``X-Lxo-Signature``; unlike lexoffice it signs
with its own key (``FakeLexoffice.webhook_public_key_pem``) and delivers only to
loopback hosts (127.0.0.0/8, ::1, localhost and ``*.localhost``), from one background thread,
in order; an event for any other (https) callback is recorded as a delivery that was not
sent. The sandbox has one organisation: every subscription of an event type receives it.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import anyio
import httpx

from ._responses import format_datetime
from ._urls import is_loopback_host

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    from ._state import SandboxState

__all__ = ["Delivery", "Events", "is_callback_url", "is_loopback_url"]


@dataclass(frozen=True)
class Delivery:
    """One delivery attempt: where, what, and how it went."""

    url: str
    body: bytes
    signature: str
    status_code: int | None
    error: str | None


def _scheme_and_host(url: object) -> tuple[str, str] | None:
    """``(scheme, host)`` of an http(s) URL with a host and no credentials, else None."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host or parts.username or parts.password:
        return None
    return scheme, host


def is_loopback_url(url: object) -> bool:
    """True for an http(s) URL without credentials whose host is a loopback host."""
    found = _scheme_and_host(url)
    return found is not None and is_loopback_host(found[1])


def is_callback_url(url: object) -> bool:
    """True for any ``https`` URL (lexoffice's rule) or ``http`` to a loopback host."""
    found = _scheme_and_host(url)
    return found is not None and (found[0] == "https" or is_loopback_host(found[1]))


class Events:
    """Subscriptions, the signing key and the delivery queue of a sandbox's state.

    Construction hooks ``emit`` into ``state.emit``.
    """

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.subscriptions: dict[str, dict[str, Any]] = state.subscriptions
        state.emit = self.emit
        self.deliveries: list[Delivery] = []
        self._key: RSAPrivateKey | None = None
        self._queue: deque[tuple[str, bytes, str]] = deque()
        self._busy = 0
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    # --- signing ---------------------------------------------------------------------------

    def private_key(self) -> RSAPrivateKey:
        if self._key is None:
            from cryptography.hazmat.primitives.asymmetric import rsa

            self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return self._key

    def public_key_pem(self) -> str:
        from cryptography.hazmat.primitives import serialization

        return (
            self.private_key()
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )

    def sign(self, body: bytes) -> str:
        from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
        from cryptography.hazmat.primitives.hashes import SHA512

        return base64.b64encode(self.private_key().sign(body, PKCS1v15(), SHA512())).decode()

    # --- events ------------------------------------------------------------------------------

    def emit(self, event_type: str, resource_id: str) -> int:
        """Queue ``event_type`` for every subscription of it; returns how many."""
        targets = [
            s["callbackUrl"] for s in self.subscriptions.values() if s["eventType"] == event_type
        ]
        if not targets:
            return 0
        payload = {
            "organizationId": self.state.organization_id,
            "eventType": event_type,
            "resourceId": resource_id,
            "eventDate": format_datetime(self.state.now()),
        }
        body = json.dumps(payload, separators=(",", ":")).encode()
        signature = self.sign(body)
        with self._cond:
            for url in targets:
                self._queue.append((url, body, signature))
            self._busy += len(targets)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._deliver, name="lexoffice-sandbox-webhooks", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()
        return len(targets)

    def _deliver(self) -> None:
        # Imported here: lexoffice_auth.webhooks loads pydantic, which a sandbox that
        # delivers no event never needs.
        from lexoffice_auth.webhooks import SIGNATURE_HEADER

        with httpx.Client(timeout=10.0, trust_env=False) as http:
            while True:
                with self._cond:
                    while not self._queue:
                        self._cond.wait()
                    url, body, signature = self._queue.popleft()
                status: int | None = None
                error: str | None = None
                if not is_loopback_url(url):  # checked at subscription time too
                    error = "not a loopback URL"
                else:
                    try:
                        response = http.post(
                            url,
                            content=body,
                            headers={
                                "Content-Type": "application/json",
                                SIGNATURE_HEADER: signature,
                            },
                        )
                        status = response.status_code
                    except httpx.HTTPError as exc:
                        error = type(exc).__name__
                with self._cond:
                    self.deliveries.append(Delivery(url, body, signature, status, error))
                    self._busy -= 1
                    self._cond.notify_all()

    def pending(self) -> int:
        with self._cond:
            return self._busy

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    async def wait_async(self, timeout: float) -> bool:  # noqa: ASYNC109 - a plain wait
        with anyio.move_on_after(timeout):
            while self.pending():  # noqa: ASYNC110 - the deliveries run in a thread
                await anyio.sleep(0.01)
            return True
        return False
