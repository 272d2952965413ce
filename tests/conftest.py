"""Shared test configuration.

Async tests run under anyio's pytest plugin (``anyio_mode = "auto"`` in pyproject.toml)
on the asyncio backend by default. Concurrency tests parametrise ``anyio_backend`` over
``["asyncio", "trio"]`` themselves.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# Hypothesis profiles: "ci" (default; modest, so the fuzz tests stay fast) and "nightly"
# (HYPOTHESIS_PROFILE=nightly pytest tests/hardening). Tests that pin max_examples keep it.
import os  # noqa: E402

from hypothesis import settings  # noqa: E402

settings.register_profile("ci", max_examples=100, deadline=None)
settings.register_profile("nightly", max_examples=5_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
