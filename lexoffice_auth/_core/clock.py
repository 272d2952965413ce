"""Time as a value passed in, so pure code never reads a clock itself."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Clock", "system_clock"]

Clock = Callable[[], float]
"""A callable returning the current time in seconds since the epoch (like ``time.time``)."""


def system_clock() -> float:
    """The wall clock, ``time.time()``."""
    return time.time()
