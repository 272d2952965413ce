"""Issue 11, faults: a token endpoint answering 503 with ``Retry-After``, connection resets.

The refresh is never retried sooner than the provider asked (within ``max_backoff`` it waits,
beyond it gives up at once) and, after it gave up, no new refresh request is sent for
``min(Retry-After, max_retry_after)``. A connection reset in the middle of a response is a
transient ``NetworkError``; in every case the stored refresh token is kept.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest

from lexoffice_auth import OAuthClient, RefreshingTokenSource, RefreshPolicy, TokenSet
from lexoffice_auth.errors import NetworkError, TokenEndpointError
from lexoffice_auth.rules import parse_retry_after
from lexoffice_auth.stores import MemoryTokenStore

from ..support.virtual_time import virtual_backend
from .provider_fakes import FaultyProvider


@pytest.fixture
def anyio_backend() -> tuple[str, dict[str, Any]]:
    return virtual_backend("asyncio")  # Retry-After waits end at once, by the loop's clock


async def _logged_in(
    provider: FaultyProvider, http: httpx.AsyncClient, **policy: float
) -> tuple[OAuthClient, RefreshingTokenSource, TokenSet]:
    oauth = provider.oauth(http, timeout=2.0)
    pending = await oauth.start_login()
    callback = await provider.browse(http, pending.authorization_url)
    tokens = await oauth.complete_login(callback, pending)
    source = RefreshingTokenSource(
        oauth,
        "acct",
        MemoryTokenStore(),
        clock=provider.fake.clock,
        policy=RefreshPolicy(**policy),  # type: ignore[arg-type]
    )
    await source.save(tokens)
    provider.fake.advance(3600)  # the access token is due
    return oauth, source, tokens


def _busy_once(retry_after: str, provider: FaultyProvider) -> None:
    """The next token request gets 503 + Retry-After; later ones reach the provider."""

    def fault(request: httpx.Request) -> httpx.Response:
        del provider.faults["token"]
        return httpx.Response(
            503,
            headers={"Retry-After": retry_after},
            json={"error": "temporarily_unavailable"},
        )

    provider.faults["token"] = fault


async def test_a_short_retry_after_is_waited_out_before_the_retry() -> None:
    provider = FaultyProvider()
    async with provider.http() as http:
        _, source, first = await _logged_in(provider, http)
        _busy_once("1", provider)
        started = anyio.current_time()
        token = await source.access_token()
        elapsed = anyio.current_time() - started
    assert token != first.access_token.get_secret_value()
    assert provider.calls["token"] == 3  # login, the 503, the retry
    # The default backoff would have retried after 0.25-0.5 s.
    assert elapsed >= 1.0, elapsed


async def test_a_long_retry_after_stops_refreshing_until_it_has_passed() -> None:
    provider = FaultyProvider()
    async with provider.http() as http:
        _, source, first = await _logged_in(provider, http)
        _busy_once("120", provider)
        started = anyio.current_time()
        with pytest.raises(TokenEndpointError) as info:
            await source.access_token()
        assert anyio.current_time() - started < 0.5  # no in-call wait of 2 minutes
        assert info.value.retry_after == 120.0
        assert info.value.transient
        assert provider.calls["token"] == 2  # login, the 503: no retry sooner than asked
        # Within the quiet period later calls fail without asking the provider.
        provider.fake.advance(30)
        for _ in range(10):
            with pytest.raises(TokenEndpointError):
                await source.access_token()
        assert provider.calls["token"] == 2
        stored = await source.store.load("acct")
        assert stored is not None and stored.refresh_token == first.refresh_token
        # After max_retry_after (60 s) a refresh is tried again, and works.
        provider.fake.advance(30)
        assert await source.access_token() != first.access_token.get_secret_value()
        assert provider.calls["token"] == 3


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0.0),
        ("7", 7.0),
        (" 30 ", 30.0),
        ("9" * 5000, 86400.0),
        ("²", None),
        ("-5", None),
        ("1.5", 1.5),
        ("1e3", None),
        (".5", None),
        ("nan", None),
        ("inf", None),
        ("soon", None),
        ("", None),
        (None, None),
        ("Thu, 01 Jan 1970 00:01:40 GMT", 90.0),
        ("Thu, 01 Jan 1970 00:00:01 GMT", 0.0),
    ],
)
def test_retry_after_is_parsed_defensively(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=10.0) == expected


def test_the_policy_never_retries_sooner_than_asked() -> None:
    policy = RefreshPolicy(backoff=0.5, max_backoff=8.0, max_retry_after=60.0)
    assert policy.retry_delay(0, 0.0, retry_after=None) == 0.25
    assert policy.retry_delay(0, 0.0, retry_after=3.0) == 3.0
    assert policy.retry_delay(0, 0.0, retry_after=9.0) is None  # longer than max_backoff
    assert policy.retry_delay(2, 0.0, retry_after=1.0) is None  # out of retries
    assert policy.quiet_period(TokenEndpointError("busy", retry_after=600.0)) == 60.0
    assert policy.quiet_period(TokenEndpointError("busy")) == 0.0
    assert policy.quiet_period(NetworkError("down")) == 0.0


# --- connection resets -------------------------------------------------------------------


def _reset_before_response(request: httpx.Request) -> httpx.Response:
    raise httpx.RemoteProtocolError("peer closed connection", request=request)


def _reset_mid_body(request: httpx.Request) -> httpx.Response:
    async def body() -> AsyncIterator[bytes]:
        yield b'{"access_token": "at-new", "token_'
        await anyio.lowlevel.checkpoint()
        raise httpx.ReadError("connection reset by peer")

    return httpx.Response(200, headers={"Content-Type": "application/json"}, content=body())


@pytest.mark.parametrize(
    "fault", [_reset_before_response, _reset_mid_body], ids=["before-response", "mid-body"]
)
async def test_a_connection_reset_is_a_transient_network_error_and_keeps_the_refresh_token(
    fault: object,
) -> None:
    provider = FaultyProvider()
    async with provider.http() as http:
        _, source, first = await _logged_in(provider, http, retries=0)
        provider.faults["token"] = fault  # type: ignore[assignment]
        with pytest.raises(NetworkError) as info:
            await source.access_token()
        assert info.value.transient
        assert "token request" in str(info.value)
        stored = await source.store.load("acct")
        assert stored is not None and stored.refresh_token == first.refresh_token
        # The connection is back: the kept refresh token still works.
        del provider.faults["token"]
        assert await source.access_token() != first.access_token.get_secret_value()
