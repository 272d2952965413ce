"""A pydantic base whose constructor raises our ``ConfigurationError``, not ``ValidationError``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from .errors import ConfigurationError, LexofficeAuthError

__all__ = ["CheckedModel", "describe_validation_error", "json_object"]


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
