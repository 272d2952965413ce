"""Checks shared across layers: bad input is one of our errors, never a bare one.

Without them a wrong type surfaces as a bare ``TypeError``/``AttributeError`` from deep
inside (a comparison, a dict lookup), or is silently accepted (``nan``). This module does
not import pydantic, so the modules on the import path of ``OAuthClient`` can use it.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError, LexofficeAuthError

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = [
    "check_account_key",
    "check_count",
    "check_seconds",
    "conforms",
    "is_transient_status",
    "describe_validation_error",
    "json_object",
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


RESERVED_KEY_PREFIX = "lexoffice-connection:"
"""Store keys of the connection index's entries in stores without an index of their own."""


def check_account_key(account_key: Any) -> str:
    """``account_key`` if it is a non-empty ``str``."""
    if not isinstance(account_key, str) or not account_key:
        raise ConfigurationError("account_key must be a non-empty string")
    return account_key


def check_own_account_key(account_key: Any) -> str:
    """An account key for a source or pool: also not in the index's reserved namespace.

    Example:
        >>> check_own_account_key("tenant:42")
        'tenant:42'
    """
    key = check_account_key(account_key)
    if key.startswith(RESERVED_KEY_PREFIX):
        raise ConfigurationError(
            f"account keys starting with {RESERVED_KEY_PREFIX!r} are reserved for the "
            "connection index's entries; choose another account key"
        )
    return key


def json_object(
    body: bytes | bytearray | str, what: str, error: Callable[[str], LexofficeAuthError]
) -> dict[str, Any]:
    """``body`` parsed as a JSON object, else ``error("{what} is not valid JSON")`` (bad
    syntax, bad UTF-8, absurd nesting) or ``error("{what} is not a JSON object")``.

    The parser's own exception is not chained: it holds the whole input, which may be a
    secret (a pending login's PKCE verifier, a token).

    Example:
        >>> json_object(b"[1]", "the document", ConfigurationError)
        Traceback (most recent call last):
        ...
        lexoffice_auth.errors.ConfigurationError: the document is not a JSON object
    """
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise error(f"{what} is not valid JSON") from None
    if not isinstance(data, dict):
        raise error(f"{what} is not a JSON object")
    return data


def describe_validation_error(exc: ValidationError, limit: int = 3) -> str:
    """Where and why pydantic failed, without the offending input (it may be a secret)."""
    parts = []
    for err in exc.errors(include_input=False, include_url=False)[:limit]:
        inner = err.get("ctx", {}).get("error")
        if isinstance(inner, ConfigurationError):
            # Raised by a nested CheckedModel constructor: its message says it all.
            parts.append(str(inner))
            continue
        loc = ".".join(str(p) for p in err["loc"]) or "value"
        parts.append(f"{loc}: {err['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


def is_transient_status(status_code: int | None) -> bool:
    """True for an HTTP status that says "later", not "never": 5xx, and 429 (slow down)."""
    return status_code is not None and (status_code >= 500 or status_code == 429)


def conforms(value: object, protocol: type) -> bool:
    """``isinstance(value, protocol)`` for a runtime-checkable protocol, fast when the
    value's class has the methods (the answer is then kept per class).

    A protocol check looks up every method on each call (tens of µs); a pool making
    thousands of auths would pay it for every account.

    Example:
        >>> from typing import Protocol, runtime_checkable
        >>> @runtime_checkable
        ... class Closable(Protocol):
        ...     def close(self) -> None: ...
        >>> import io
        >>> conforms(io.BytesIO(), Closable), conforms(object(), Closable)
        (True, False)
    """
    cls: Any = type(value)  # any class is hashable (typeshed's type[object] says otherwise)
    return _class_conforms(cls, protocol) or isinstance(value, protocol)


@functools.lru_cache(maxsize=256)
def _class_conforms(cls: Any, protocol: Any) -> bool:
    try:
        return issubclass(cls, protocol)
    except TypeError:  # a protocol with data members allows isinstance() only
        return False
