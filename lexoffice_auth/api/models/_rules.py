"""lexoffice's documented limits and required fields, checked before anything is sent.

A model declares ``max_lengths`` (the longest text, or the most entries of a list, per
field) and ``required`` (the fields a create or a full update must carry); subclasses add to
what their bases declare. A model with more to say overrides ``extra_problems``. The walk
reports every problem at once, each with the JSON path lexoffice itself would name
(``lineItems[2].name``), so the caller fixes the body in one go.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._base import LexofficeModel

__all__ = ["Problem", "problems_of"]

Problem = dict[str, str]
"""``{"field": "lineItems[0].name", "violation": "SIZE", "message": "..."}``, the shape of
lexoffice's own ``details``."""


@functools.cache
def _declared(cls: type[Any]) -> tuple[Mapping[str, int], tuple[str, ...]]:
    lengths: dict[str, int] = {}
    required: list[str] = []
    for base in reversed(cls.__mro__):
        lengths.update(vars(base).get("max_lengths", {}))
        required.extend(n for n in vars(base).get("required", ()) if n not in required)
    return lengths, tuple(required)


def _alias(model: LexofficeModel, name: str) -> str:
    field = type(model).model_fields.get(name)
    return (field.alias if field is not None else None) or name


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, (str, list)) and not value)


def _checkable(value: object) -> bool:
    # A lexoffice model, known by its hook: this module sits below _base, not above it.
    return callable(getattr(value, "extra_problems", None)) and hasattr(type(value), "model_fields")


def problems_of(model: LexofficeModel, prefix: str = "", *, complete: bool) -> list[Problem]:
    """Every documented rule ``model`` (and what it contains) breaks."""
    found: list[Problem] = []
    lengths, required = _declared(type(model))
    for name, limit in lengths.items():
        value = getattr(model, name, None)
        where = prefix + _alias(model, name)
        if isinstance(value, str) and len(value) > limit:
            found.append(_problem(where, "SIZE", f"at most {limit} characters, not {len(value)}"))
        elif isinstance(value, list) and len(value) > limit:
            found.append(_problem(where, "SIZE", f"at most {limit} entries, not {len(value)}"))
    if complete:
        for name in required:
            if _empty(getattr(model, name, None)):
                found.append(_problem(prefix + _alias(model, name), "NOTNULL", "required"))
    found.extend(model.extra_problems(prefix, complete=complete))
    for name in type(model).model_fields:
        value = getattr(model, name, None)
        where = prefix + _alias(model, name)
        if _checkable(value):
            found.extend(problems_of(value, where + ".", complete=complete))  # type: ignore[arg-type]
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if _checkable(item):
                    found.extend(problems_of(item, f"{where}[{i}].", complete=complete))
    return found


def _problem(field: str, violation: str, message: str) -> Problem:
    return {"field": field, "violation": violation, "message": message}
