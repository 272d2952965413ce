"""Argument checks shared by the stores, ``TokenSource`` and ``OAuthClient``: bad input is a
ConfigurationError.

Without them a wrong type surfaces as a bare ``TypeError``/``AttributeError`` from deep
inside (a comparison, ``.to_dict()``, a dict lookup), or is silently accepted (``nan``).
"""

from __future__ import annotations

import json
import math
from typing import Any

from .._errors import ConfigurationError, TokenStoreError
from .._tokens import TokenSet

__all__ = [
    "check_account_key",
    "check_count",
    "check_seconds",
    "check_token_set",
    "read_envelope",
]


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


def check_token_set(token_set: Any) -> TokenSet:
    """``token_set`` if it is a ``TokenSet`` (only the type is named: a dict may hold secrets)."""
    if not isinstance(token_set, TokenSet):
        raise ConfigurationError(f"expected a TokenSet, not {type(token_set).__name__}")
    return token_set


def read_envelope(
    raw: bytes | str, *, fmt: str, version: int, where: str, remedy: str
) -> dict[str, Any]:
    """A stored JSON document of ours (``{"format": fmt, "version": version, ...}``).

    Anything else (not JSON, another program's JSON, another format version, absurdly deep
    nesting) is a ``TokenStoreError`` that says the value was left untouched; the stores
    never overwrite such a value.
    """
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise TokenStoreError(
            f"{where} does not hold JSON; it was left untouched ({remedy})"
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != fmt:
        raise TokenStoreError(
            f"{where} is not a lexoffice-auth token store; it was left untouched ({remedy})"
        )
    found = doc.get("version")
    if found != version:
        raise TokenStoreError(
            f"{where} has unsupported version {found!r}; it was left untouched "
            f"(this release reads version {version})"
        )
    return doc
