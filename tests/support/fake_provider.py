"""The one fake token server of the tests: a token endpoint that rotates refresh tokens.

``RotatingGrant`` is the token endpoint's logic: each use of the live refresh token returns
a new one and kills the old one, any reuse of a dead refresh token is recorded (and answered
``invalid_grant``), and canned failures can be queued. It is served two ways:

* ``FakeProvider``: in process, through ``httpx.MockTransport``, with a fake API that accepts
  only the current access token (for the TokenSource / LexofficeAuth tests);
* ``TokenServer``: on a loopback port, in a thread, for tests with real OS processes.

Whole login flows (authorize, consent, id_tokens) use the shipped sandbox instead,
``lexoffice_auth.testing.FakeLexoffice``.

Why the refresh tests keep this rather than the sandbox's provider: they assert exact token
generations (``at-1``, ``rt-1``), count every reuse of a dead refresh token while the grant
stays alive (the sandbox, like a careful provider, revokes the whole grant on reuse, so the
test could not tell a second reuse from the first), queue canned failures per call, and
slow each answer by a set delay to widen races across OS processes. Moving them onto the
sandbox needs those hooks in ``FakeLexoffice`` first (see tests/README.md).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import anyio
import httpx
from pydantic import SecretStr

from lexoffice_auth import OAuthClient, ProviderMetadata, TokenSet
from lexoffice_auth.testing import FakeClock as SandboxClock

TOKEN_URL = "https://id.example/token"
API = "https://api.lexware.io"
NOW = 1_800_000_000.0


def FakeClock(now: float = NOW) -> SandboxClock:
    """The sandbox's clock, frozen: it moves only when told to."""
    return SandboxClock(start=now, ticking=False)


class RotatingGrant:
    """A token endpoint's state: the live refresh token, the valid access token, its history.

    Thread-safe, so that ``TokenServer``'s handler threads can share it.
    """

    def __init__(self, *, expires_in: int = 3600, rotate: bool = True) -> None:
        self.expires_in = expires_in
        self.rotate = rotate
        self.calls = 0
        self.generation = 0
        self.live_refresh = "rt-0"
        self.valid_access = {"at-0"}
        self.stale_refresh_uses: list[str] = []
        # Queue of canned failures: an int status + OAuth error, or an exception to raise.
        self.failures: list[tuple[int, str] | Exception] = []
        self._state_lock = threading.Lock()

    @property
    def stale(self) -> int:
        """How many requests came with a dead refresh token."""
        return len(self.stale_refresh_uses)

    def exchange(self, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """Answer one token request (``calls`` is counted by the caller): status and body."""
        with self._state_lock:
            if self.failures:
                failure = self.failures.pop(0)
                if isinstance(failure, Exception):
                    raise failure
                status, error = failure
                return status, {"error": error}
            assert form.get("grant_type") == "refresh_token"
            if form.get("refresh_token") != self.live_refresh:
                self.stale_refresh_uses.append(form.get("refresh_token", ""))
                return 400, {"error": "invalid_grant"}
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
            return 200, body


class FakeProvider(RotatingGrant):
    """``RotatingGrant`` in process (``MockTransport``), and an API that checks the bearer."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        expires_in: int = 3600,
        rotate: bool = True,
        delay: float = 0.0,
    ) -> None:
        super().__init__(expires_in=expires_in, rotate=rotate)
        self.clock = clock
        self.delay = delay
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
        status, body = self.exchange(form)
        return httpx.Response(status, json=body)

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
    """A comparable form of a token set (secrets included) for assertions.

    Without ``generation``: the store's save counter, not part of the tokens (the
    compare-and-set tests check it themselves).
    """
    if token_set is None:
        return None
    data = token_set.to_dict()
    data.pop("generation", None)
    return json.dumps(data, sort_keys=True)


class TokenServer(RotatingGrant):
    """``RotatingGrant`` on a loopback port (in a thread): counts calls across processes.

    Each answer is delayed by ``delay`` seconds after the state changed: a slow provider
    widens the race window of the processes under test.
    """

    def __init__(self, *, delay: float = 0.05, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.delay = delay
        self.errors: list[BaseException] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                with outer._state_lock:
                    outer.calls += 1
                try:
                    status, body = outer.exchange(form)
                except Exception as exc:  # an unexpected request fails the test, loudly
                    outer.errors.append(exc)
                    status, body = 500, {"error": "server_error"}
                time.sleep(outer.delay)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> TokenServer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        if exc[0] is None:  # do not hide the test's own failure
            assert self.errors == [], f"the token server failed: {self.errors!r}"
