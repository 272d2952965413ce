"""What every provider endpoint speaks: parameters, OAuth error bodies, HTML pages."""

from __future__ import annotations

import html
from collections.abc import Mapping
from urllib.parse import parse_qs, urlencode, urlsplit

from httpx import Request, Response

from lexoffice_auth.testing._responses import json_response

__all__ = [
    "NO_STORE",
    "Duplicate",
    "browser_params",
    "form_params",
    "oauth_error",
    "page",
    "single_params",
    "with_query",
    "wrong_method",
]

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
"""The headers of every answer that carries a token or a secret (RFC 6749 §5.1)."""


class Duplicate(Exception):
    """A parameter appeared more than once (RFC 6749 §3.1, §3.2 forbid it)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def single_params(raw: str) -> dict[str, str]:
    """``raw`` (a query or form body) as a dict; a repeated parameter raises ``Duplicate``."""
    params: dict[str, str] = {}
    for name, values in parse_qs(raw, keep_blank_values=True).items():
        if len(values) > 1:
            raise Duplicate(name)
        params[name] = values[0]
    return params


def browser_params(request: Request) -> dict[str, str] | Response:
    """A front-channel request's parameters (query, or form for POST), or an error page."""
    raw = request.url.query.decode()
    if request.method == "POST":
        raw = request.content.decode("utf-8", "replace")
    try:
        return single_params(raw)
    except Duplicate as dup:
        return page(400, "Invalid request", f"parameter {dup.name!r} appears twice")


def form_params(request: Request) -> tuple[dict[str, str], Response | None]:
    """A back-channel request's form, or the ``invalid_request`` answer to a bad one."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        return {}, oauth_error(
            "invalid_request", "the body must be application/x-www-form-urlencoded"
        )
    try:
        return single_params(request.content.decode("utf-8")), None
    except Duplicate as dup:
        return {}, oauth_error("invalid_request", f"parameter {dup.name!r} appears twice")
    except UnicodeDecodeError:
        return {}, oauth_error("invalid_request", "the body is not UTF-8")


def oauth_error(
    error: str, description: str, status: int = 400, headers: Mapping[str, str] | None = None
) -> Response:
    """An OAuth error body (RFC 6749 §5.2), never cached."""
    merged = dict(NO_STORE)
    merged.update(headers or {})
    body = {"error": error, "error_description": description}
    return json_response(status, body, headers=merged)


def page(status: int, title: str, text: str) -> Response:
    """A small HTML page: what a browser sees when the provider cannot redirect."""
    body = (
        f"<!doctype html><title>{html.escape(title)}</title>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"
    )
    return Response(status, headers={"Content-Type": "text/html; charset=utf-8"}, text=body)


def with_query(url: str, params: Mapping[str, str]) -> str:
    """``url`` with ``params`` added to its query."""
    sep = "&" if urlsplit(url).query else "?"
    return f"{url}{sep}{urlencode(params)}"


def wrong_method(allowed: tuple[str, ...], *, as_page: bool) -> Response:
    """405 naming the ``allowed`` methods: a page for a browser, an OAuth error otherwise."""
    headers = {"Allow": ", ".join(allowed)}
    if as_page:
        response = page(405, "Method not allowed", f"use {', '.join(allowed)}")
        response.headers.update(headers)
        return response
    return oauth_error("invalid_request", f"use {', '.join(allowed)}", 405, headers)
