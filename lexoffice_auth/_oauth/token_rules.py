"""The rules of a ``TokenSet``'s fields, as plain functions (this module imports no pydantic).

``TokenSet``'s validators call them, and so does ``stored.read_stored``, which checks a
stored token set without building the model: each rule exists once, whichever way a token
set is read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError

if TYPE_CHECKING:
    from .dpop import DPoPKey

__all__ = [
    "MAX_EXTRA_DEPTH",
    "TOKEN_SET_FIELDS",
    "check_dpop_binding",
    "check_dpop_jwk",
    "check_extra",
    "check_token_type",
    "check_token_value",
    "unstorable",
]

TOKEN_SET_FIELDS = frozenset(
    {
        "access_token",
        "token_type",
        "expires_at",
        "issued_at",
        "refresh_token",
        "scopes",
        "id_token",
        "id_claims",
        "extra",
        "generation",
        "dpop_jwk",
    }
)
"""The fields of ``TokenSet`` (it forbids any other key)."""

# Unknown token-response fields are kept in TokenSet.extra only up to this nesting depth
# (a scalar is 0, ``{}`` is 1); deeper ones cannot be serialised reliably and are dropped.
MAX_EXTRA_DEPTH = 32


def check_token_value(field: str, value: str) -> str:
    """``value`` if it can be a token; ``ValueError`` naming ``field`` (never the value).

    Tokens travel in headers and form bodies: an empty one is refused, and so is any
    character outside printable ASCII (CR/LF would let a token smuggle in another header).
    """
    if not value:
        raise ValueError(f"{field} must not be empty")
    if any(ord(c) < 0x21 or ord(c) > 0x7E for c in value):
        raise ValueError(f"{field} contains characters a token cannot have")
    return value


_TOKEN_TYPES = {"bearer": "Bearer", "dpop": "DPoP"}


def check_token_type(value: str) -> str:
    """``"Bearer"`` or ``"DPoP"`` for any spelling of them, else ``ValueError``.

    RFC 6749 §5.1: token_type is case-insensitive; the SDK speaks Bearer (RFC 6750) and
    DPoP (RFC 9449).
    """
    spelt = _TOKEN_TYPES.get(value.lower())
    if spelt is None:
        raise ValueError(f"token_type must be Bearer or DPoP, got {value[:40]!r}")
    return spelt


def check_dpop_jwk(value: object) -> DPoPKey:
    """The ``DPoPKey`` a stored private JWK (``dpop_jwk``) holds; ``ValueError`` naming the
    problem, never the key, when it is none.

    The key is loaded, not only looked at: a key that cannot sign would fail the first
    request after a restart, long after it was saved.
    """
    from .dpop import DPoPKey

    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError("dpop_jwk must be a JWK object of strings")
    try:
        return DPoPKey.from_jwk(value)
    except ConfigurationError as exc:  # its message names the problem, never the key
        raise ValueError(f"dpop_jwk: {exc}") from None


def check_dpop_binding(token_type: str, has_key: bool) -> None:
    """A DPoP-bound token set carries its key: without it no request could be made."""
    if token_type == "DPoP" and not has_key:
        raise ValueError("a DPoP token set needs dpop_jwk, the private key its tokens are bound to")


def check_extra(value: dict[str, Any]) -> dict[str, Any]:
    """``value`` if it survives ``to_json()``: plain JSON, not too deep; else ``ValueError``."""
    for key, item in value.items():
        problem = unstorable(item)
        if problem is not None:
            raise ValueError(f"extra[{key!r}] cannot be stored: {problem}")
    return value


def unstorable(value: object, depth: int = 0) -> str | None:
    """Why ``value`` cannot be stored as JSON in ``extra``; ``None`` when it can."""
    if value is None or isinstance(value, (str, bool)):
        return None
    if isinstance(value, int):  # JSON has no limit, Python's int-to-str conversion does
        return None if value.bit_length() < 10_000 else "a number too large to store"
    if isinstance(value, float):
        return None if math.isfinite(value) else "not a finite number"
    if depth >= MAX_EXTRA_DEPTH:
        return f"nested deeper than {MAX_EXTRA_DEPTH} levels"
    if isinstance(value, list | tuple):
        for item in value:
            if (problem := unstorable(item, depth + 1)) is not None:
                return problem
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return "an object key that is not a string"
            if (problem := unstorable(item, depth + 1)) is not None:
                return problem
        return None
    return f"a {type(value).__name__} is not JSON"
