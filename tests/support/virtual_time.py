"""Virtual time for tests that wait: sleeps end at once, in order, on asyncio and on trio.

A test that waits for tokens to expire or a refresher to wake spends real seconds doing
nothing. Under virtual time the event loop's clock jumps to the next timer whenever every
task is waiting, so ``anyio.sleep(2)`` returns as soon as nothing else can run, and the
order of events is the one real time would give. Trio ships this (``MockClock`` with
``autojump_threshold=0``); for asyncio, :class:`VirtualTimeLoop` does the same.

Use it through the ``anyio_backend`` fixture (``virtual_backend("trio")``) and give the SDK
and the sandbox :func:`loop_clock` so that token lifetimes follow the same time.

Only for code whose waits are timers: a task blocked on a thread or a real socket does not
stop the jump (as with trio's autojump), so keep real I/O out of these tests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import anyio


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An asyncio loop whose clock skips ahead to the next timer when nothing is ready."""

    def __init__(self) -> None:
        super().__init__()
        self._skipped = 0.0

    def time(self) -> float:
        return super().time() + self._skipped

    def _run_once(self) -> None:
        # Nothing ready but timers pending: jump to the earliest live timer, so the
        # selector is polled without blocking and that timer is due in this iteration.
        ready = self._ready  # type: ignore[attr-defined]
        scheduled = self._scheduled  # type: ignore[attr-defined]
        if not ready and scheduled:
            due = min((h.when() for h in scheduled if not h.cancelled()), default=None)
            if due is not None and due > self.time():
                self._skipped += due - self.time()
        super()._run_once()  # type: ignore[misc]


def virtual_backend(name: str) -> tuple[str, dict[str, Any]]:
    """The ``anyio_backend`` value that runs a test on ``name`` under virtual time."""
    if name == "trio":
        from trio.testing import MockClock

        return "trio", {"clock": MockClock(autojump_threshold=0)}
    return "asyncio", {"loop_factory": VirtualTimeLoop}


def loop_clock(start: float | None = None) -> Callable[[], float]:
    """Epoch seconds that follow the running event loop's (virtual) clock.

    Call it inside the test's event loop; pass the result as ``clock=`` to the sandbox
    and to the SDK.
    """
    origin = anyio.current_time()
    base = time.time() if start is None else start

    def clock() -> float:
        return base + (anyio.current_time() - origin)

    return clock
