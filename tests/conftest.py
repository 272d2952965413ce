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
