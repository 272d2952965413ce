"""JSON in and out with money kept exact: ``Decimal`` never passes through ``float``.

Outgoing bodies are written by ``encode``, which prints a ``Decimal`` as the JSON number
it is (``3450.10`` stays ``3450.10``). Incoming bodies are parsed by pydantic's fast JSON
path, which reads numbers as doubles; a double holds any decimal of up to 15 significant
digits exactly, so only a body with a longer number takes the slower exact path
(``json.loads`` with ``parse_float=Decimal``).
"""

from __future__ import annotations

import functools
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, RootModel, ValidationError

from ..errors import ApiError

__all__ = ["decode_model", "encode", "parse_array", "parse_model"]

M = TypeVar("M", bound=BaseModel)

# A run of 16 or more digits and dots may be a number a double cannot hold; NaN and
# Infinity are no JSON at all (RFC 8259), though pydantic's parser takes them. Matches inside
# strings (phone numbers, ids, words) only cost the careful path, never a wrong value.
# The run is found by mapping digits and dots to one byte (bytes.translate, then a substring
# search: both in C); a regular expression took as long as parsing the body itself.
_RUN = b"0" * 16
_DIGITS_AND_DOTS = bytes(ord("0") if chr(i) in "0123456789." else ord(" ") for i in range(256))


def _needs_care(content: bytes) -> bool:
    """Whether ``content`` may hold a number a double cannot hold, or NaN/Infinity."""
    return (
        _RUN in content.translate(_DIGITS_AND_DOTS) or b"NaN" in content or b"Infinity" in content
    )


# ASCII output: a lone surrogate in a string is escaped instead of failing to encode.
_dumps_str = json.JSONEncoder().encode


def _decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value} is not a JSON number")
    return format(value, "f")  # plain digits: "1E+1" is written 10


def _write(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(_dumps_str(value))
    elif value is None or isinstance(value, (bool, int)):
        out.append(json.dumps(value))
    elif isinstance(value, Decimal):
        out.append(_decimal(value))
    elif isinstance(value, dict):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if i:
                out.append(",")
            out.append(_dumps_str(str(key)))
            out.append(":")
            _write(item, out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, float):
        out.append(json.dumps(value, allow_nan=False))
    elif isinstance(value, (datetime, date)):
        out.append(_dumps_str(value.isoformat()))
    else:
        raise TypeError(f"cannot send a {type(value).__name__} as JSON")


def encode(value: Any) -> bytes:
    """``value`` as compact JSON (ASCII), with every ``Decimal`` written exactly.

    Example:
        >>> encode({"netAmount": Decimal("3450.10"), "tax": Decimal("1E+1"), "n": [1, None]})
        b'{"netAmount":3450.10,"tax":10,"n":[1,null]}'
    """
    out: list[str] = []
    _write(value, out)
    return "".join(out).encode()


def decode_model(model: type[M], content: bytes) -> M:
    """``model`` from a JSON body; numbers too long for a double are parsed as ``Decimal``.

    Raises what pydantic raises (``ValidationError``) or ``ValueError`` for bad JSON; the
    client turns both into an ``ApiError``.
    """
    if not _needs_care(content):
        return model.model_validate_json(content)
    return model.model_validate(
        json.loads(content, parse_float=Decimal, parse_constant=_no_constant)
    )


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_model(method: str, path: str, status: int, content: bytes, model: type[M]) -> M:
    """``model`` from a response's JSON; anything unusable is an ``ApiError``."""
    try:
        return decode_model(model, content)
    except (ValidationError, RecursionError, ValueError) as exc:
        errors = exc.errors() if isinstance(exc, ValidationError) else []
        if not errors or errors[0]["type"] == "json_invalid":
            raise ApiError(
                f"{method} {path}: lexoffice's answer (HTTP {status}) is not JSON",
                status_code=status,
            ) from None
        where = ".".join(str(p) for p in errors[0]["loc"]) or "(top level)"
        name = getattr(model, "__name__", "answer")
        raise ApiError(
            f"{method} {path}: lexoffice's answer (HTTP {status}) is not a valid "
            f"{name} (first problem at {where})",
            status_code=status,
        ) from None


def parse_array(method: str, path: str, status: int, content: bytes, model: type[M]) -> list[M]:
    """A JSON array of ``model`` items; anything unusable is an ``ApiError``."""
    items: list[M] = parse_model(method, path, status, content, _array_of(model)).root
    return items


@functools.cache
def _array_of(model: type[M]) -> type[RootModel[list[M]]]:
    return RootModel[list[model]]  # type: ignore[valid-type]
