"""Argument checks every resource shares: ids in paths, page numbers and sizes."""

from __future__ import annotations

import re
import warnings
from typing import Any, TypeVar

from ..errors import ApiError, ConfigurationError

__all__ = [
    "MAX_PAGE_SIZE",
    "check_id",
    "check_page",
    "deprecated",
    "reworded",
]

E = TypeVar("E", bound=ApiError)

MAX_PAGE_SIZE = 250
"""The largest page lexoffice serves anywhere (articles, contacts, recurring templates,
voucherlist, vouchers; other lists stop at 100)."""

# lexoffice's ids are UUIDs. Only URL-unreserved characters can stand in a path segment as
# they are: "/", "?", "#", "%", "\" or a space would change the URL's path or query.
_ID = re.compile(r"[A-Za-z0-9._~-]+")


def check_id(value: Any, what: str) -> str:
    """``value`` stripped, if it can be one path segment of an API URL as it is.

    ``what`` names it in the error, e.g. ``"a contact id"``. Refused: anything but a
    non-empty string of letters, digits, ``-``, ``.``, ``_``, ``~``, and the segments
    ``.`` and ``..`` (which would leave the resource's path).

    Example:
        >>> check_id(" 8f9e1c2a-0000-4000-8000-000000000001 ", "a contact id")
        '8f9e1c2a-0000-4000-8000-000000000001'
        >>> check_id("abc?archived=true", "a contact id")
        Traceback (most recent call last):
        ...
        lexoffice_auth.errors.ConfigurationError: not a contact id: 'abc?archived=true'
    """
    text = value.strip() if isinstance(value, str) else ""
    if not _ID.fullmatch(text) or text in (".", ".."):
        raise ConfigurationError(f"not {what}: {value!r}")
    return text


def check_page(page: Any, size: Any, max_size: int = MAX_PAGE_SIZE) -> None:
    """Raise unless ``page`` is an int >= 0 and ``size`` an int from 1 to ``max_size``."""
    if isinstance(page, bool) or not isinstance(page, int) or page < 0:
        raise ConfigurationError(f"page must be an int >= 0, got {page!r}")
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= max_size:
        raise ConfigurationError(f"size must be an int from 1 to {max_size}, got {size!r}")


def deprecated(old: str, new: str) -> None:
    """Warn (``DeprecationWarning``, pointing at the caller's caller) that ``old`` is going."""
    warnings.warn(f"{old} is deprecated; use {new}", DeprecationWarning, stacklevel=3)


def reworded(error: E, message: str) -> E:
    """``error``'s class and attributes (status, trace id, details) with a clearer message.

    Example:
        >>> from lexoffice_auth.errors import ValidationFailed
        >>> new = reworded(ValidationFailed("HTTP 406", status_code=406), "a draft has none")
        >>> new.message, new.status_code
        ('a draft has none', 406)
    """
    return type(error)(message, **vars(error))
