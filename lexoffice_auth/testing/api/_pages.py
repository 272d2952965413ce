"""lexoffice's paging: 0-based ``page``, ``size`` (default 25, per-resource maximum), sort."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from httpx import Response

from lexoffice_auth.testing._responses import json_response, page_envelope
from lexoffice_auth.testing.api._call import Problem

__all__ = ["LARGE_MAX_SIZE", "SEARCH_WINDOW", "boolean", "page_of", "paging", "sort_spec"]

LARGE_MAX_SIZE = 250
"""The limit of articles, contacts, recurring-templates, voucherlist and vouchers (others: 100)."""
SEARCH_WINDOW = 10_000
"""lexoffice counts and pages at most this many hits ("Maximum search window size exceeded")."""


def _bad(message: str) -> Problem:
    return Problem(400, message, i18n_key="bad_request_error")


def paging(query: Mapping[str, str], max_size: int) -> tuple[int, int]:
    """``(page, size)`` from the query; out of range is a 400."""
    try:
        page = int(query.get("page", "0"))
        size = int(query.get("size", "25"))
    except ValueError:
        raise _bad("page and size must be integers") from None
    if page < 0 or not 1 <= size <= max_size:
        raise _bad(f"page must be >= 0 and size between 1 and {max_size}")
    return page, size


def boolean(query: Mapping[str, str], name: str) -> bool | None:
    """A ``true``/``false`` query parameter, or None when absent."""
    value = query.get(name)
    if value is None:
        return None
    if value.lower() not in ("true", "false"):
        raise _bad(f"{name} must be true or false")
    return value.lower() == "true"


def sort_spec(raw: str, allowed: Sequence[str]) -> tuple[str, str]:
    """``(property, ASC|DESC)`` from ``property[,direction]``; property names ignore case."""
    prop, _, direction = raw.partition(",")
    direction = direction.upper() or "ASC"
    match = next((a for a in allowed if a.lower() == prop.lower()), None)
    if match is None or direction not in ("ASC", "DESC"):
        raise _bad(f"invalid sort {raw!r}")
    return match, direction


def page_of(
    items: list[dict[str, Any]],
    query: Mapping[str, str],
    *,
    max_size: int,
    sort: tuple[str, str],
    key: Callable[[dict[str, Any]], Any] | None = None,
    echo: str | None = None,
    finish: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Response:
    """One page of ``items`` sorted by ``sort`` (or ``key``), in lexoffice's envelope.

    ``echo`` is the property name the envelope's ``sort`` shows (default the sort property).
    ``finish`` completes the items of the page only (fields that are costly to compute and
    neither filtered nor sorted on).
    """
    page, size = paging(query, max_size)
    if (page + 1) * size > SEARCH_WINDOW and len(items) > SEARCH_WINDOW:
        raise _bad("Maximum search window size exceeded")
    prop, direction = sort
    order = key or (lambda item: (item.get(prop) is None, item.get(prop) or ""))
    items = sorted(items, key=order, reverse=direction == "DESC")[:SEARCH_WINDOW]
    if finish is not None:
        shown = slice(page * size, (page + 1) * size)
        items[shown] = [finish(item) for item in items[shown]]
    return json_response(200, page_envelope(items, page, size, echo or prop, direction))
