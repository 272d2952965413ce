"""Issue 11 #2, discovery: a provider outage is not multiplied by the number of logins.

Concurrent first logins share one discovery attempt and its failure, and the failure is
remembered briefly, so 1,000 logins against a dead or hanging discovery endpoint cost the
provider at most two requests and each login at most about one ``timeout``.
"""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest

from lexoffice_auth import RefreshPolicy
from lexoffice_auth.errors import DiscoveryError, RevocationError

from ..support.virtual_time import virtual_backend
from .provider_fakes import FaultyProvider, hang, refuse

# Virtual time: the timeouts under test end at once, measured by the loop's own clock.
BACKENDS = pytest.mark.parametrize(
    "anyio_backend", [virtual_backend("asyncio"), virtual_backend("trio")], ids=["asyncio", "trio"]
)


@pytest.fixture
def anyio_backend() -> tuple[str, dict[str, Any]]:
    return virtual_backend("asyncio")


async def _logins(provider: FaultyProvider, n: int, limit: float) -> tuple[list[str], float]:
    """Start ``n`` first logins at once; their error messages and the elapsed seconds."""
    errors: list[str] = []
    async with provider.http() as http:
        oauth = provider.oauth(http, timeout=limit)

        async def one() -> None:
            with pytest.raises(DiscoveryError) as info:
                await oauth.start_login()
            errors.append(str(info.value))

        started = anyio.current_time()
        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                for _ in range(n):
                    tg.start_soon(one)
    return errors, anyio.current_time() - started


@BACKENDS
@pytest.mark.parametrize("fault", [refuse, hang], ids=["refused", "hanging"])
async def test_1000_first_logins_against_a_failing_discovery_make_at_most_2_requests(
    anyio_backend: str, fault: object
) -> None:
    provider = FaultyProvider()
    provider.faults["discovery"] = fault  # type: ignore[assignment]
    errors, _ = await _logins(provider, 1000, limit=1.0)
    assert len(errors) == 1000
    assert provider.calls["discovery"] <= 2, provider.calls
    # Every login names the host tried.
    host = httpx.URL(provider.fake.issuer).host
    assert all(host in e for e in errors), errors[:3]


@BACKENDS
async def test_20_logins_against_a_hanging_discovery_all_fail_within_the_timeout(
    anyio_backend: str,
) -> None:
    provider = FaultyProvider()
    provider.faults["discovery"] = hang
    errors, elapsed = await _logins(provider, 20, limit=1.0)
    assert len(errors) == 20
    assert all("timed out" in e for e in errors), errors[:3]
    # One shared attempt of ~1 s, not 20 attempts in a row (20 s).
    assert elapsed < 2.5, elapsed
    assert provider.calls["discovery"] == 1


async def test_a_discovery_failure_is_remembered_briefly_then_retried() -> None:
    provider = FaultyProvider()
    provider.faults["discovery"] = refuse
    async with provider.http() as http:
        oauth = provider.oauth(http, timeout=1.0)
        for _ in range(5):  # one after another, not concurrently
            with pytest.raises(DiscoveryError):
                await oauth.start_login()
        assert provider.calls["discovery"] == 1
        # Once the provider is back and the failure is forgotten, the login works.
        del provider.faults["discovery"]
        discovery = oauth._discovery
        assert discovery is not None
        discovery._failed_at -= 5.0  # the 5 s memory has passed
        pending = await oauth.start_login()
        assert pending.authorization_url.startswith(provider.fake.issuer)
        assert provider.calls["discovery"] == 2


def _status(code: int) -> object:
    return lambda request: httpx.Response(code, json={})


@pytest.mark.parametrize(
    ("fault", "transient"),
    [
        (refuse, True),
        (hang, True),
        (_status(503), True),
        (_status(429), True),
        (_status(404), False),
    ],
    ids=["refused", "timed-out", "503", "429", "404"],
)
async def test_a_discovery_failure_says_whether_trying_later_may_help(
    fault: object, transient: bool
) -> None:
    # RefreshPolicy retries only failures marked transient: a provider that could not be
    # reached, or answered 5xx/429, is one; a 404 (no discovery document) is not.
    provider = FaultyProvider()
    provider.faults["discovery"] = fault  # type: ignore[assignment]
    async with provider.http() as http:
        oauth = provider.oauth(http, timeout=0.5)
        with pytest.raises(DiscoveryError) as info:
            await oauth.start_login()
    assert info.value.transient is transient
    assert RefreshPolicy.classify(info.value) == ("transient" if transient else "fatal")


async def test_a_revocation_that_cannot_reach_the_provider_is_transient() -> None:
    provider = FaultyProvider()
    provider.faults["revocation"] = refuse
    async with provider.http() as http:
        oauth = provider.oauth(http, timeout=0.5)
        with pytest.raises(RevocationError) as info:
            await oauth.revoke("some-token")
    assert info.value.transient
