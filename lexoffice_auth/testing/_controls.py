"""The provider's controls of ``FakeLexoffice``: queued failures and denials, revocations,
token questions (live? bound to which DPoP key?), DPoP nonces, signing keys and minted
tokens (a base class over the sandbox's state, provider, API keys and events)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any, Literal

from lexoffice_auth.errors import ConfigurationError

from ._events import Delivery, Events
from ._keys import SigningKey
from ._model import FakeUser, Grant
from ._state import SandboxState, TokenRejection
from .provider import Provider, Realm, current_nonce, rotate_nonces

__all__ = ["DEFAULT_CLIENT_ID", "ProviderControls", "TokenFailure", "check_count"]

TokenFailure = Literal["500", "timeout", "garbage", "temporarily_unavailable", "unreachable"]
"""How ``FakeLexoffice.fail_next_token_requests`` fails a token call."""

_FAILURES = ("500", "timeout", "garbage", "temporarily_unavailable", "unreachable")
# RFC 6749 §5.2: an error code is printable ASCII without '"' and '\'.
_ERROR_CODE = re.compile(r"[\x20-\x21\x23-\x5b\x5d-\x7e]+")
DEFAULT_CLIENT_ID = "sandbox-client"
"""A public client registered in every sandbox."""


def check_count(n: object) -> None:
    """``n`` as a count of queued answers (a whole number >= 0)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ConfigurationError("n must be a whole number >= 0")


class ProviderControls:
    """What a test can make the sandbox's provider do, or ask it (``FakeLexoffice``'s base)."""

    state: SandboxState
    provider: Provider
    events: Events
    api_keys: dict[str, tuple[FakeUser, str]]
    _lock: threading.RLock

    def deny_next_login(self, error: str = "access_denied") -> None:
        """Answer the next authorization request with ``error=...`` instead of a code."""
        with self._lock:
            self.state.oauth.denials.append(error)

    def fail_next_token_requests(self, n: int = 1, kind: TokenFailure = "500") -> None:
        """Fail the next ``n`` token-endpoint calls without processing them.

        ``kind``: ``"500"`` (HTML 500), ``"garbage"`` (200 with a non-JSON body),
        ``"temporarily_unavailable"`` (503 with that OAuth error), ``"timeout"``
        (``httpx.ReadTimeout`` through the transport and respx mountings; the served
        server holds the request open until the client gives up), or ``"unreachable"``
        (``httpx.ConnectError`` through the transport and respx mountings; the served
        server answers ``502`` like a gateway whose provider is down).

        Failures queue up in order, with those of ``reject_next_token_requests``.
        """
        if kind not in _FAILURES:
            raise ConfigurationError(f"kind must be one of {', '.join(_FAILURES)}")
        check_count(n)
        with self._lock:
            self.state.oauth.token_failures.extend([kind] * n)

    def reject_next_token_requests(
        self, n: int = 1, error: str = "invalid_grant", *, status: int = 400
    ) -> None:
        """Answer the next ``n`` token-endpoint calls with OAuth ``error``, unprocessed.

        The answer is ``status`` with ``{"error": error, "error_description": ...}``: a
        refresh token the provider forgot (``invalid_grant``), a client it disabled
        (``invalid_client``, ``status=401``), or ``slow_down`` with ``429``. The refresh
        token sent is not spent. Queued in order with ``fail_next_token_requests``.

        Example:
            >>> import httpx
            >>> from lexoffice_auth.testing import FakeLexoffice
            >>> fake = FakeLexoffice()
            >>> fake.reject_next_token_requests(1, "temporarily_unavailable", status=503)
            >>> with httpx.Client(transport=fake.transport()) as http:
            ...     r = http.post(f"{fake.issuer}/oauth2/token", data={"grant_type": "x"})
            >>> r.status_code, r.json()["error"]
            (503, 'temporarily_unavailable')
        """
        check_count(n)
        if not isinstance(error, str) or not _ERROR_CODE.fullmatch(error):
            raise ConfigurationError("error must be an OAuth error code (printable ASCII)")
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise ConfigurationError("status must be an HTTP error status (400-599)")
        with self._lock:
            self.state.oauth.token_failures.extend([TokenRejection(status, error)] * n)

    def revoke_all(self) -> None:
        """Revoke every grant (refresh and access tokens) and every API key."""
        with self._lock:
            for grant in self.provider.grants.values():
                grant.revoked = True
            self.api_keys.clear()

    def revoke_connection(self, connection_id: str) -> int:
        """Revoke a connection (as if the user ended it in lexoffice) and say so by webhook.

        Every grant (and API key) of ``connection_id`` stops working, and ``token.revoked``
        with ``resourceId=connection_id`` is delivered to its subscribers. Returns how
        many grants and keys were revoked.
        """
        with self._lock:
            count = 0
            for grant in self.provider.grants.values():
                if grant.connection_id == connection_id and not grant.revoked:
                    grant.revoked = True
                    count += 1
            for key, (_user, connection) in list(self.api_keys.items()):
                if connection == connection_id:
                    del self.api_keys[key]
                    count += 1
            self.events.emit("token.revoked", connection_id)
            return count

    @property
    def webhook_public_key_pem(self) -> str:
        """The PEM public key the sandbox signs its webhook events with (its own, not Lexware's)."""
        with self._lock:
            return self.events.public_key_pem()

    @property
    def deliveries(self) -> list[Delivery]:
        """Every webhook delivery so far (URL, body, signature, status or error), in order."""
        return list(self.events.deliveries)

    def wait_for_deliveries(self, timeout: float = 10.0) -> bool:
        """Block until every queued webhook event is delivered; False on timeout."""
        return self.events.wait(timeout)

    async def await_deliveries(self, timeout: float = 10.0) -> bool:
        """Wait (without blocking the event loop) for the queued webhook events."""
        return await self.events.wait_async(timeout)

    def revoke_access_tokens(self, tokens: Iterable[str] | None = None) -> None:
        """Invalidate every access token (or only ``tokens``) but keep refresh tokens.

        The next API call with a revoked token gets a 401, so your auth has to refresh.
        Unknown tokens are ignored.
        """
        if isinstance(tokens, str):
            raise ConfigurationError("tokens must be an iterable of tokens, not one string")
        with self._lock:
            records = self.provider.access_tokens
            chosen = records.values() if tokens is None else [records.get(t) for t in tokens]
            for record in chosen:
                if record is not None:
                    record.revoked = True

    def token_is_live(self, token: str) -> bool:
        """True if the sandbox accepts ``token`` now.

        That is an access token or API key the API takes, or a refresh token the token
        endpoint would honour (not rotated away, not expired, its grant not revoked).
        Handy to check that a store kept the refresh token that still works.

        Example:
            >>> from lexoffice_auth.testing import FakeLexoffice
            >>> fake = FakeLexoffice(token_names="sequential")
            >>> fake.mint_tokens()["refresh_token"]
            'rt-0'
            >>> fake.token_is_live("rt-0"), fake.token_is_live("rt-1")
            (True, False)
        """
        with self._lock:
            return token in self.api_keys or self.provider.is_live(token)

    def token_jkt(self, token: str) -> str | None:
        """The DPoP key thumbprint (``cnf.jkt``) an access or refresh token is bound to.

        None for a Bearer token, an unbound refresh token, or a token the sandbox never
        issued.

        Example:
            >>> from lexoffice_auth.testing import FakeLexoffice
            >>> FakeLexoffice().token_jkt(FakeLexoffice().mint_tokens()["access_token"]) is None
            True
        """
        with self._lock:
            record = self.provider.access_tokens.get(token) or self.provider.refresh_tokens.get(
                token
            )
            return None if record is None else record.jkt

    def dpop_nonce(self, server: Realm = "provider") -> str:
        """The ``DPoP-Nonce`` the provider (``"provider"``) or the API (``"api"``) wants now.

        Each server has its own, and accepts no other: handy for building a proof by hand
        without the ``use_dpop_nonce`` round trip.

        Example:
            >>> from lexoffice_auth.testing import FakeLexoffice
            >>> fake = FakeLexoffice(dpop_nonces=True)
            >>> fake.dpop_nonce("api") != fake.dpop_nonce("provider")
            True
        """
        if server not in ("provider", "api"):
            raise ConfigurationError('server must be "provider" or "api"')
        with self._lock:
            return current_nonce(self.state.oauth, server, self.state.clock())

    def rotate_dpop_nonces(self) -> None:
        """Give the provider and the API fresh DPoP nonces; every earlier one is stale.

        The next proof with an old nonce is answered ``use_dpop_nonce`` with the new one,
        as a server does when its nonce has expired.
        """
        with self._lock:
            rotate_nonces(self.state.oauth, self.state.clock())

    # --- signing keys and tokens -------------------------------------------------------

    def rotate_signing_key(self, *, keep_old: bool = True) -> str:
        """Sign new id_tokens with a fresh key; returns its ``kid``.

        With ``keep_old=False`` the old keys leave the JWKS too, so tokens signed with
        them no longer verify.
        """
        with self._lock:
            key = SigningKey.generate()
            keys = self.state.oauth.keys
            keys[:] = [*keys, key] if keep_old else [key]
            return key.kid

    def jwks(self) -> dict[str, Any]:
        """The published JSON Web Key Set."""
        with self._lock:
            return self.provider.jwks()

    def id_token(
        self, grant: Grant, *, access_token: str | None, nonce: str | None, now: float
    ) -> str:
        """An RS256 id_token for ``grant``."""
        with self._lock:
            return self.provider.id_token(grant, access_token=access_token, nonce=nonce, now=now)

    def mint_tokens(
        self,
        *,
        client_id: str = DEFAULT_CLIENT_ID,
        scopes: Iterable[str] = ("openid",),
        user: FakeUser | None = None,
    ) -> dict[str, Any]:
        """A token response as if ``user`` had just logged in, without the browser dance.

        Example:
            >>> from lexoffice_auth.testing import FakeLexoffice
            >>> body = FakeLexoffice().mint_tokens(scopes=["openid", "contacts.read"])
            >>> sorted(body)
            ['access_token', 'expires_in', 'id_token', 'refresh_token', 'scope', 'token_type']
        """
        with self._lock:
            if client_id not in self.state.oauth.clients:
                raise ConfigurationError(f"client {client_id!r} is not registered")
            now = self.state.clock()
            grant = self.provider.new_grant(
                client_id, user or self.state.oauth.current_user, tuple(scopes), int(now)
            )
            return self.provider.issue(grant, nonce=None, with_refresh=True)
