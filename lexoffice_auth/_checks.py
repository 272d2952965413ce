"""Argument checks shared across layers: bad input is a ``ConfigurationError``.

Without them a wrong type surfaces as a bare ``TypeError``/``AttributeError`` from deep
inside (a comparison, a dict lookup), or is silently accepted (``nan``).
"""

from __future__ import annotations

import math
from typing import Any

from .errors import ConfigurationError

__all__ = ["check_account_key", "check_count", "check_seconds"]


def check_seconds(name: str, value: Any, *, positive: bool = False) -> float:
    """``value`` as finite seconds (``>= 0``, or ``> 0`` when ``positive``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigurationError(f"{name} must be a number of seconds, not {type(value).__name__}")
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        kind = "positive" if positive else "non-negative"
        raise ConfigurationError(f"{name} must be {kind} finite seconds, got {value!r}")
    return float(value)


def check_count(name: str, value: Any) -> int:
    """``value`` as a non-negative ``int`` (``bool`` is refused: ``True`` is no count)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigurationError(f"{name} must be an int >= 0, got {type(value).__name__}")
    return value


def check_account_key(account_key: Any) -> str:
    """``account_key`` if it is a non-empty ``str``."""
    if not isinstance(account_key, str) or not account_key:
        raise ConfigurationError("account_key must be a non-empty string")
    return account_key
