"""A fake token endpoint and API for the TokenSource / LexofficeAuth tests.

``FakeProvider`` rotates refresh tokens (each use of a refresh token returns a new one and
kills the old one) and records any reuse of a dead refresh token.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import anyio
import httpx
from pydantic import SecretStr

from lexoffice_auth import ProviderMetadata, TokenSet
from lexoffice_auth._oauth import OAuthClient
from lexoffice_auth.testing import FakeClock as SandboxClock

TOKEN_URL = "https://id.example/token"
API = "https://api.lexware.io"
NOW = 1_800_000_000.0


def FakeClock(now: float = NOW) -> SandboxClock:
    """The sandbox's clock, frozen: it moves only when told to."""
    return SandboxClock(start=now, ticking=False)


class FakeProvider:
    """Token endpoint with rotation and reuse detection; API that checks the bearer token."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        expires_in: int = 3600,
        rotate: bool = True,
        delay: float = 0.0,
    ) -> None:
        self.clock = clock
        self.expires_in = expires_in
        self.rotate = rotate
        self.delay = delay
        self.calls = 0
        self.generation = 0
        self.live_refresh = "rt-0"
        self.valid_access = {"at-0"}
        self.stale_refresh_uses: list[str] = []
        # Queue of canned failures: an int status + OAuth error, or an exception to raise.
        self.failures: list[tuple[int, str] | Exception] = []
        self.api_calls = 0
        self.api_auth_headers: list[str | None] = []

    def expired_tokens(self, *, refresh: str | None = "rt-0") -> TokenSet:
        now = self.clock()
        return TokenSet(
            access_token=SecretStr("at-0"),
            expires_at=now - 10,
            issued_at=now - 3610,
            refresh_token=SecretStr(refresh) if refresh else None,
        )

    async def token_endpoint(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if self.delay:
            await anyio.sleep(self.delay)
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, Exception):
                raise failure
            status, error = failure
            return httpx.Response(status, json={"error": error})
        assert form.get("grant_type") == "refresh_token"
        if form.get("refresh_token") != self.live_refresh:
            self.stale_refresh_uses.append(form.get("refresh_token", ""))
            return httpx.Response(400, json={"error": "invalid_grant"})
        self.generation += 1
        access = f"at-{self.generation}"
        self.valid_access = {access}
        body: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }
        if self.rotate:
            self.live_refresh = f"rt-{self.generation}"
            body["refresh_token"] = self.live_refresh
        return httpx.Response(200, json=body)

    async def api(self, request: httpx.Request) -> httpx.Response:
        self.api_calls += 1
        header = request.headers.get("Authorization")
        self.api_auth_headers.append(header)
        if header is not None and header.removeprefix("Bearer ") in self.valid_access:
            return httpx.Response(200, json={"ok": True, "body": request.content.decode()})
        return httpx.Response(401, json={"message": "Unauthorized"})

    def oauth(
        self,
        clock: Callable[[], float] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> OAuthClient:
        return OAuthClient(
            "client-1",
            "https://app.example/cb",
            metadata=ProviderMetadata(
                issuer="https://id.example",
                authorization_endpoint="https://id.example/authorize",
                token_endpoint=TOKEN_URL,
            ),
            http_client=http_client
            or httpx.AsyncClient(transport=httpx.MockTransport(self.token_endpoint)),
            clock=clock or self.clock,
        )

    def api_client(self, auth: httpx.Auth) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=API, auth=auth, transport=httpx.MockTransport(self.api))


def dump(token_set: TokenSet | None) -> str | None:
    """A comparable form of a token set (secrets included) for assertions."""
    return None if token_set is None else json.dumps(token_set.to_dict(), sort_keys=True)
