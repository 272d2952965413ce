"""Shared test configuration.

Async tests run under anyio's pytest plugin: every ``async def test_*`` without an
explicit marker gets ``@pytest.mark.anyio`` on the asyncio backend. Concurrency tests
parametrise ``anyio_backend`` over ``["asyncio", "trio"]`` themselves.
"""

from __future__ import annotations

import inspect

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fn = getattr(item, "function", None)
        if (
            fn is not None
            and inspect.iscoroutinefunction(fn)
            and item.get_closest_marker("asyncio") is None
            and item.get_closest_marker("anyio") is None
        ):
            item.add_marker(pytest.mark.anyio)
