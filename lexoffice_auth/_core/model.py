"""A pydantic base whose constructor raises our ``ConfigurationError``, not ``ValidationError``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from ..errors import ConfigurationError
from .checks import describe_validation_error

__all__ = ["CheckedModel"]


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
