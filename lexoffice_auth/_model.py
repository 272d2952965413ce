"""A pydantic base whose constructor raises our ``ConfigurationError``, not ``ValidationError``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from .errors import ConfigurationError

__all__ = ["CheckedModel", "describe_validation_error"]


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


class CheckedModel(BaseModel):
    """Models users build by hand: bad arguments raise ``ConfigurationError``."""

    if not TYPE_CHECKING:
        # Hidden from type checkers so the pydantic plugin keeps the typed signature.
        def __init__(self, /, **data: Any) -> None:
            try:
                super().__init__(**data)
            except ValidationError as exc:
                name = type(self).__name__
                raise ConfigurationError(
                    f"invalid {name}: {describe_validation_error(exc)}"
                ) from exc
