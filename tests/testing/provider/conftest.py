"""Fixtures of the provider's tests: a sandbox on a frozen clock, a plain HTTP client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from lexoffice_auth.testing import FakeClock, FakeLexoffice

from .helpers import NOW


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=NOW, ticking=False)


@pytest.fixture
def fake(clock: FakeClock) -> FakeLexoffice:
    return FakeLexoffice(clock=clock, rate_limit=None)


@pytest.fixture
def http(fake: FakeLexoffice) -> Iterator[httpx.Client]:
    with httpx.Client(transport=fake.transport()) as client:
        yield client
