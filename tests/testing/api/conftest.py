"""The ``lx`` fixture: a sandbox on a frozen clock and a raw client with an API key.

The tests of the API resources (``test_api_*.py``) talk to the sandbox with plain
``httpx`` and explicit JSON, so they pin lexoffice's wire format, not a client's models.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest

from lexoffice_auth.testing import FakeClock, FakeLexoffice

# 2025-09-01T09:14:05.211+02:00, the date of reference §3c's first sample.
SEPT_1 = datetime.fromisoformat("2025-09-01T09:14:05.211+02:00").timestamp()


@dataclass
class Lx:
    """A sandbox and an ``httpx.AsyncClient`` on its API base with a valid key."""

    fake: FakeLexoffice
    http: httpx.AsyncClient

    async def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        """Send, assert ``status``, return the JSON body (None for an empty body)."""
        response = await self.http.request(method, path, **kwargs)
        assert response.status_code == status, response.text
        return response.json() if response.content else None


def make_fake(**options: Any) -> FakeLexoffice:
    """A sandbox without rate limit on a frozen clock at :data:`SEPT_1`."""
    options.setdefault("rate_limit", None)
    options.setdefault("clock", FakeClock(SEPT_1, ticking=False))
    return FakeLexoffice(**options)


def client_for(fake: FakeLexoffice) -> httpx.AsyncClient:
    """A raw client with a fresh API key of ``fake``."""
    return httpx.AsyncClient(
        transport=fake.transport(),
        base_url=fake.api_base,
        headers={"Authorization": f"Bearer {fake.add_api_key()}"},
    )


@pytest.fixture
async def lx() -> AsyncIterator[Lx]:
    fake = make_fake()
    async with client_for(fake) as http:
        yield Lx(fake, http)
