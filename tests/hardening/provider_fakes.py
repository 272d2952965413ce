"""A faulty provider for the provider-side hardening tests (issue 11).

The sandbox (``FakeLexoffice``) answers every request; :class:`FaultyProvider` sits in front
of it as an async ``httpx.MockTransport`` handler and, per endpoint, can hang, trickle a body
byte by byte, fail the connection, or answer with a canned response. It counts every request
per endpoint, including the ones it fails. Only public names of the SDK are used here, so
this module does not depend on the layout of the other test helpers.

Why not the sandbox alone: every answer that *can* be right comes from ``FakeLexoffice``;
what is left here is what no conforming provider does and the sandbox therefore cannot be
(hang, trickle, drop the connection, answer a canned broken document), per endpoint.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import httpx

from lexoffice_auth import OAuthClient
from lexoffice_auth.testing import DEFAULT_CLIENT_ID, DEFAULT_REDIRECT_URI, FakeLexoffice

# The sandbox's provider paths, by the endpoint names the SDK's errors use.
PATHS = {
    "/.well-known/openid-configuration": "discovery",
    "/oauth2/authorize": "authorize",
    "/oauth2/token": "token",
    "/oauth2/revoke": "revocation",
    "/oauth2/userinfo": "userinfo",
    "/oauth2/jwks": "jwks",
}

Fault = Callable[[httpx.Request], Any]


async def hang(request: httpx.Request) -> httpx.Response:
    """Never answer (until cancelled)."""
    await anyio.sleep(math.inf)
    raise AssertionError("unreachable")


async def trickle(request: httpx.Request) -> httpx.Response:
    """Answer 200 at once, then send the body one byte every 0.2 s, forever."""

    async def body() -> AsyncIterator[bytes]:
        while True:
            await anyio.sleep(0.2)
            yield b" "

    return httpx.Response(200, headers={"Content-Type": "application/json"}, content=body())


def refuse(request: httpx.Request) -> httpx.Response:
    """Fail the connection."""
    raise httpx.ConnectError("connection refused", request=request)


class FaultyProvider:
    """The sandbox behind a handler that injects faults per endpoint.

    ``faults[name]`` is a function of the request: its (possibly awaited) result is the
    response, or it raises. ``calls[name]`` counts every request, failed ones included.
    """

    def __init__(self, fake: FakeLexoffice | None = None) -> None:
        self.fake = fake if fake is not None else FakeLexoffice(rate_limit=None)
        self.faults: dict[str, Fault] = {}
        self.calls: Counter[str] = Counter()

    def endpoint(self, request: httpx.Request) -> str:
        if request.url.host == httpx.URL(self.fake.issuer).host:
            return PATHS.get(request.url.path, "other")
        return "api"

    async def handle(self, request: httpx.Request) -> httpx.Response:
        name = self.endpoint(request)
        self.calls[name] += 1
        fault = self.faults.get(name)
        if fault is None:
            return self.fake.handle(request)
        result = fault(request)
        if isinstance(result, httpx.Response):
            return result
        response: httpx.Response = await result
        return response

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handle))

    def oauth(self, http: httpx.AsyncClient, **options: Any) -> OAuthClient:
        options.setdefault("clock", self.fake.clock)
        options.setdefault("scopes", ("openid", "email"))
        return OAuthClient(
            DEFAULT_CLIENT_ID,
            DEFAULT_REDIRECT_URI,
            issuer=self.fake.issuer,
            http_client=http,
            **options,
        )

    async def browse(self, http: httpx.AsyncClient, authorization_url: str) -> str:
        """Play the browser: the callback URL the authorization endpoint redirects to."""
        response = await http.get(authorization_url, follow_redirects=False)
        assert response.status_code == 302, response.text
        location: str = response.headers["location"]
        return location
