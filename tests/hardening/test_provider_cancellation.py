"""Issue 11, faults: a login cancelled at any await point leaves nothing behind.

``start_login``/``complete_login`` are cancelled on entry and while each of their requests
(discovery, token exchange, JWKS) is in flight. Afterwards no lock is held, no failure is
remembered (a cancellation is not a provider outage), and the next login works at once.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable

import anyio
import httpx
import pytest

from lexoffice_auth import OAuthClient, PendingLogin
from lexoffice_auth.testing import FakeLexoffice

from .provider_fakes import FaultyProvider

BACKENDS = pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
# Where the cancellation hits: the operation, and the endpoint whose request is in flight
# (None: cancelled before the call's first checkpoint).
POINTS = [
    ("start", None),
    ("start", "discovery"),
    ("complete", None),
    ("complete", "token"),
    ("complete", "jwks"),
]


def _cancel_in_flight(provider: FaultyProvider, name: str, scope: anyio.CancelScope) -> None:
    """The next request to ``name`` cancels ``scope`` while it is in flight (once)."""

    async def fault(request: httpx.Request) -> httpx.Response:
        del provider.faults[name]
        scope.cancel()
        await anyio.sleep(math.inf)
        raise AssertionError("unreachable")

    provider.faults[name] = fault


def _assert_nothing_left(oauth: OAuthClient) -> None:
    discovery = oauth._discovery
    assert discovery is not None
    assert not discovery._lock.locked()
    assert discovery._failure is None
    jwks = oauth._id_tokens._jwks
    assert not jwks._lock.locked()
    assert all(slot.last_error is None for slot in jwks._slots.values())


async def _full_login(provider: FaultyProvider, http: httpx.AsyncClient, oauth: OAuthClient) -> str:
    pending = await oauth.start_login()
    callback = await provider.browse(http, pending.authorization_url)
    tokens = await oauth.complete_login(callback, pending)
    assert tokens.id_claims is not None
    return tokens.id_claims.sub


@BACKENDS
@pytest.mark.parametrize(("operation", "endpoint"), POINTS)
async def test_a_login_cancelled_at_each_await_point_leaves_no_state(
    anyio_backend: str, operation: str, endpoint: str | None
) -> None:
    provider = FaultyProvider(FakeLexoffice(rate_limit=None))
    async with provider.http() as http:
        oauth = provider.oauth(http, timeout=5.0)
        call: Callable[[], Awaitable[object]]
        if operation == "start":
            call = oauth.start_login
        else:
            pending: PendingLogin = await oauth.start_login()
            callback = await provider.browse(http, pending.authorization_url)

            def call() -> Awaitable[object]:
                return oauth.complete_login(callback, pending)

        with anyio.fail_after(5):
            with anyio.CancelScope() as scope:
                if endpoint is None:
                    scope.cancel()
                else:
                    _cancel_in_flight(provider, endpoint, scope)
                await call()
                raise AssertionError("the call was not cancelled")
        assert scope.cancelled_caught
        if endpoint is not None:
            assert provider.calls[endpoint] >= 1
        _assert_nothing_left(oauth)
        # The next login works at once, with the same client.
        with anyio.fail_after(5):
            assert await _full_login(provider, http, oauth)
        _assert_nothing_left(oauth)


@BACKENDS
async def test_a_first_login_cancelled_during_discovery_does_not_fail_the_others(
    anyio_backend: str,
) -> None:
    provider = FaultyProvider()
    async with provider.http() as http:
        oauth = provider.oauth(http, timeout=5.0)
        done: list[PendingLogin] = []

        async def first() -> None:
            with anyio.CancelScope() as scope:
                _cancel_in_flight(provider, "discovery", scope)
                await oauth.start_login()

        async def other() -> None:
            done.append(await oauth.start_login())

        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                tg.start_soon(first)
                await anyio.wait_all_tasks_blocked()
                for _ in range(10):
                    tg.start_soon(other)
        assert len(done) == 10
        assert provider.calls["discovery"] == 2  # the cancelled one and one shared retry
        _assert_nothing_left(oauth)
