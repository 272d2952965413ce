"""A controllable clock shared by the sandbox and, if you like, the SDK under test."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["Clock", "FakeClock"]

Clock = Callable[[], float]
"""A callable returning the current time in epoch seconds (like ``time.time``)."""


class FakeClock:
    """Epoch seconds that you can move forward; a drop-in ``clock=`` for the SDK.

    By default the clock *ticks*: it starts at the real time and follows the real
    passage of time, plus whatever you ``advance``. That keeps the sandbox's rate
    limiter and token lifetimes realistic in end-to-end tests. Pass ``ticking=False``
    (or call ``freeze``) for a clock that moves only when told to, which makes
    rate-limit and expiry tests deterministic.

    Example:
        >>> clock = FakeClock(start=1_000.0, ticking=False)
        >>> clock()
        1000.0
        >>> clock.advance(61)
        >>> clock()
        1061.0
    """

    def __init__(self, start: float | None = None, *, ticking: bool = True) -> None:
        self._lock = threading.Lock()
        self._base = time.time() if start is None else float(start)
        self._ticking = ticking
        self._mono0 = time.monotonic()

    def __call__(self) -> float:
        """The current fake time in seconds since the epoch."""
        with self._lock:
            return self._now()

    def _now(self) -> float:
        if self._ticking:
            return self._base + (time.monotonic() - self._mono0)
        return self._base

    @property
    def ticking(self) -> bool:
        """True while the clock follows real time (between explicit advances)."""
        return self._ticking

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (must not be negative)."""
        if seconds < 0:
            raise ValueError("a FakeClock only moves forward")
        with self._lock:
            self._base += seconds

    def freeze(self) -> None:
        """Stop following real time; the clock now moves only with ``advance``."""
        with self._lock:
            self._base = self._now()
            self._ticking = False

    def resume(self) -> None:
        """Follow real time again from the current fake time."""
        with self._lock:
            self._base = self._now()
            self._mono0 = time.monotonic()
            self._ticking = True

    def __repr__(self) -> str:
        mode = "ticking" if self._ticking else "frozen"
        return f"FakeClock({self():.3f}, {mode})"
