"""A deadline for a whole exchange, cheap enough to put on every API call.

httpx's timeouts bound each read; a server that trickles one byte at a time stays under
them forever, so the client also bounds the whole exchange. On asyncio,
``asyncio.timeout`` would arm one loop timer per call; the cancelled timers stay in the
loop's heap until they come due (a JSON call's deadline is minutes away), and the heap work
cost about a tenth of a fast call. A :class:`Watchdog` instead keeps the in-flight
exchanges of one client in a dict and arms a single timer for the earliest of them: a call
costs a dict insert and delete, and the timer is re-armed about once per deadline.

The timer is left armed when the last exchange ends (cancelling it would put the cost
back); firing with nothing due, it does nothing and is not re-armed. So a client that
goes quiet leaves at most one idle timer behind, for at most one deadline.

Expiry has ``asyncio.timeout``'s semantics: the task is cancelled, and the cancellation
turns into ``TimeoutError`` where the deadline was set unless someone else cancelled the
task too. On trio (or without a running asyncio loop) it is ``anyio.fail_after``, since
trio's cancel scopes are already cheap; so it is on Python 3.10, which has no
``Task.uncancel()``.
"""

from __future__ import annotations

import asyncio
import sys
from contextlib import AbstractContextManager
from types import TracebackType

import anyio

__all__ = ["Watchdog"]

# The loop fires a timer up to its clock resolution early; an exchange due within this
# margin counts as due, so the watchdog never re-arms itself for a sliver of time.
_EARLY = 1e-3


class Watchdog:
    """Bounds every in-flight exchange of one client with one timer (asyncio).

    Example:
        >>> import asyncio
        >>> async def slow() -> None:
        ...     with Watchdog().bound(0.01):
        ...         await asyncio.sleep(1)
        >>> try:
        ...     asyncio.run(slow())
        ... except TimeoutError:
        ...     print("cut off")
        cut off
    """

    __slots__ = ("_due", "_loop", "_timer", "_timer_at")

    def __init__(self) -> None:
        self._due: dict[_Bound, float] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0

    def bound(self, seconds: float) -> AbstractContextManager[object]:
        """A ``with`` block that raises ``TimeoutError`` once ``seconds`` have passed."""
        if sys.version_info < (3, 11):  # no Task.uncancel() to tell our cancel apart
            return anyio.fail_after(seconds)
        try:
            task = asyncio.current_task()
        except RuntimeError:  # no asyncio loop runs: trio
            return anyio.fail_after(seconds)
        if task is None:  # a bare coroutine driven by hand: no task to cancel
            return anyio.fail_after(seconds)
        return _Bound(self, task.get_loop(), task, seconds)

    def _watch(self, bound: _Bound, due: float) -> None:
        loop = bound.loop
        if loop is not self._loop:  # the client moved to another loop: start afresh
            self._due.clear()
            self._timer = None
            self._loop = loop
        self._due[bound] = due
        if self._timer is None or due < self._timer_at:
            self._arm(loop, due)

    def _arm(self, loop: asyncio.AbstractEventLoop, due: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_at(due, self._fire)
        self._timer_at = due

    def _fire(self) -> None:
        self._timer = None
        loop = self._loop
        if loop is None:
            return
        now = loop.time() + _EARLY
        following: float | None = None
        for bound, due in list(self._due.items()):
            if due <= now:
                del self._due[bound]
                bound.expire()
            elif following is None or due < following:
                following = due
        if following is not None:
            self._arm(loop, following)


class _Bound:
    """One exchange under a watchdog; the ``with`` block that ``Watchdog.bound`` returns."""

    __slots__ = ("_cancelling", "_expired", "_seconds", "_task", "_watchdog", "loop")

    def __init__(
        self,
        watchdog: Watchdog,
        loop: asyncio.AbstractEventLoop,
        task: asyncio.Task[object],
        seconds: float,
    ) -> None:
        self._watchdog = watchdog
        self.loop = loop
        self._task = task
        self._seconds = seconds
        self._expired = False
        self._cancelling = 0

    def __enter__(self) -> _Bound:
        if sys.version_info >= (3, 11):
            self._cancelling = self._task.cancelling()
        self._watchdog._watch(self, self.loop.time() + self._seconds)
        return self

    def expire(self) -> None:
        self._expired = True
        self._task.cancel()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._watchdog._due.pop(self, None)
        # Only the cancellation this deadline caused becomes a TimeoutError; one requested
        # by someone else as well (an outer timeout, a task group) goes on as it came.
        if (
            sys.version_info >= (3, 11)
            and self._expired
            and self._task.uncancel() <= self._cancelling
            and exc_type is asyncio.CancelledError
        ):
            raise TimeoutError from exc
