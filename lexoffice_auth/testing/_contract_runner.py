"""What the conformance suites share: each async test body on a fresh loop of each backend."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

import anyio
import pytest

__all__ = ["Body", "ContractRunner", "Runner"]

# What a test does with the two handles; run by ``contract_run`` on its own event loop.
Body = Callable[[Any, Any], Awaitable[None]]
Runner = Callable[[Body], None]


class ContractRunner:
    """Runs a contract's test bodies on every backend in ``backends``, within ``timeout``.

    A subclass provides the ``contract_handles`` fixture: the object under test and a
    second handle on the same backing storage (or ``None``). Each test calls
    ``contract_run(body)``; the body gets both handles on a fresh event loop in a worker
    thread, and they are closed (``aclose()`` when they have one) on that loop at the end.
    """

    backends: ClassVar[tuple[str, ...]] = ("asyncio",)
    timeout: ClassVar[float] = 30.0

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """Run every contract test once per backend in ``backends``."""
        if "contract_backend" in metafunc.fixturenames:
            metafunc.parametrize("contract_backend", list(self.backends))

    async def close_handle(self, handle: Any) -> None:
        """Close a handle at the end of a test, on the test's event loop."""
        aclose = getattr(handle, "aclose", None)
        if callable(aclose):
            await aclose()

    @pytest.fixture
    def contract_run(self, contract_handles: tuple[Any, Any], contract_backend: str) -> Runner:
        """Run ``body(handle, other_handle)`` on a fresh event loop in a worker thread."""
        first, second = contract_handles
        handles = [h for h in (first, second) if h is not None]

        async def main(body: Body) -> None:
            try:
                with anyio.fail_after(self.timeout):
                    await body(first, second)
            finally:
                with anyio.CancelScope(shield=True):
                    for handle in handles:
                        await self.close_handle(handle)

        def run(body: Body) -> None:
            def in_thread() -> None:
                anyio.run(main, body, backend=contract_backend)

            with ThreadPoolExecutor(1, thread_name_prefix="contract") as pool:
                pool.submit(in_thread).result()

        return run

    def _other(self, other: Any) -> Any:
        if other is None:
            pytest.skip("no second handle fixture: nothing to check across instances")
        return other
