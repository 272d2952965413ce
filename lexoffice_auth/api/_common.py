"""Argument checks and the page walk shared by the contacts, invoices and webhooks APIs."""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, TypeVar

from ..errors import ConfigurationError
from ._models import LexofficeModel, Page

__all__ = ["MAX_PAGE_SIZE", "check_id", "check_page", "iter_pages"]

MAX_PAGE_SIZE = 250
"""The largest page lexoffice serves for contacts and the voucherlist."""

T = TypeVar("T", bound=LexofficeModel)

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


def check_page(page: Any, size: Any) -> None:
    """Raise unless ``page`` is an int >= 0 and ``size`` an int from 1 to 250."""
    if isinstance(page, bool) or not isinstance(page, int) or page < 0:
        raise ConfigurationError(f"page must be an int >= 0, got {page!r}")
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_PAGE_SIZE:
        raise ConfigurationError(f"size must be an int from 1 to {MAX_PAGE_SIZE}, got {size!r}")


async def iter_pages(fetch: Callable[[int], Awaitable[Page[T]]]) -> AsyncGenerator[Page[T], None]:
    """``await fetch(0)``, ``fetch(1)``, ... up to the last page.

    A page ends the walk when lexoffice marks it ``last``, when it is empty, or when the
    next number would reach ``total_pages``.
    """
    number = 0
    while True:
        page = await fetch(number)
        yield page
        if page.last or not page.content or number + 1 >= page.total_pages:
            return
        number += 1
