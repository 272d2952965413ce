"""Fixtures shared by the OpenID Connect tests, loaded with ``pytest_plugins``.

A separate module from ``jwt_helpers`` so that pytest imports it as a plugin first (and
rewrites its asserts) rather than finding it already imported.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

from lexoffice_auth._oauth.idtoken import IdTokenVerifier
from lexoffice_auth.testing import FakeClock

from .jwt_helpers import CLIENT_ID, NOW


@pytest.fixture
def clock() -> FakeClock:
    """A clock at ``NOW`` that moves only when the test advances it."""
    return FakeClock(start=NOW, ticking=False)


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def verifier(http: httpx.AsyncClient, clock: FakeClock) -> IdTokenVerifier:
    return IdTokenVerifier(client_id=CLIENT_ID, http_client=http, clock=clock)
