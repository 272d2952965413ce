"""``lexoffice-auth api METHOD PATH``: any endpoint, authenticated, paced and retried.

Modelled on ``gh api``: ``-f``/``-F`` fields become the query of a GET (or DELETE) and
the JSON body of anything else, ``--input`` sends a file as the body, ``--paginate``
follows lexoffice's pages, and the answer is printed as indented JSON.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import click

from ._api_output import api_base_option, json_text, with_client
from ._context import State, run, shared_options
from ._writes import DryRun, dry_run_option, read_document

__all__ = ["api", "field_value"]

_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD")
_QUERY_METHODS = frozenset({"GET", "DELETE", "HEAD"})


def field_value(raw: str) -> Any:
    """A ``-F`` value typed as ``gh api`` does: ``true``, ``false``, ``null``, a number
    (an int, or an exact ``Decimal``), else the text itself.

    Example:
        >>> [field_value(v) for v in ("true", "null", "42", "19.90", "RE-1")]
        [True, None, 42, Decimal('19.90'), 'RE-1']
    """
    literals: dict[str, Any] = {"true": True, "false": False, "null": None}
    if raw in literals:
        return literals[raw]
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        number = Decimal(raw)
    except InvalidOperation:
        return raw
    return number if number.is_finite() else raw


def _pairs(raw: tuple[str, ...], typed: bool) -> list[tuple[str, Any]]:
    pairs = []
    for item in raw:
        key, sep, value = item.partition("=")
        if not sep or not key:
            flag = "-F" if typed else "-f"
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint=flag)
        pairs.append((key, field_value(value) if typed else value))
    return pairs


def _split_path(path: str) -> tuple[str, list[tuple[str, str]]]:
    """The path below the API base and the query it carries (``/v1/x?a=b``)."""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not path.startswith("/"):
        # A full URL would send the credential wherever it points: only paths are taken.
        raise click.BadParameter(
            f"must start with / (a path below the API base), not {path!r}", param_hint="PATH"
        )
    return parts.path, parse_qsl(parts.query, keep_blank_values=True)


def _query_value(value: Any) -> str | int | bool:
    if value is None:
        return "null"
    return value if isinstance(value, (str, int, bool)) else str(value)


def _decoded(response: Any) -> Any:
    """The answer as data: JSON (amounts exact), else ``None`` (its bytes are raw)."""
    if not response.content:
        return None
    if "json" not in response.headers.get("content-type", "json"):
        return None
    try:
        return json.loads(response.content, parse_float=Decimal)
    except ValueError:
        return None


@click.command("api")
@click.argument("method", metavar="METHOD", type=click.Choice(_METHODS, case_sensitive=False))
@click.argument("path")
@click.option(
    "-f",
    "--raw-field",
    "raw_fields",
    multiple=True,
    metavar="KEY=VALUE",
    help="A text field: a query parameter of a GET/DELETE, else a JSON body field.",
)
@click.option(
    "-F",
    "--field",
    "typed_fields",
    multiple=True,
    metavar="KEY=VALUE",
    help="A typed field: true, false, null and numbers become JSON values.",
)
@click.option(
    "--input",
    "input_file",
    metavar="FILE",
    help="The request body: a JSON (or .yaml/.yml) file, - for stdin; fields then go "
    "into the query.",
)
@click.option(
    "--paginate",
    is_flag=True,
    default=False,
    help="GET every page (page=0, 1, ... until the last) and print one JSON array.",
)
@click.option("--accept", default="application/json", show_default=True, help="The Accept header.")
@dry_run_option
@api_base_option
@shared_options
def api(
    method: str,
    path: str,
    raw_fields: tuple[str, ...],
    typed_fields: tuple[str, ...],
    input_file: str | None,
    paginate: bool,
    accept: str,
    dry_run: bool,
    api_base: str | None,
) -> None:
    """Call any lexoffice endpoint, e.g. `api GET /v1/contacts -f name=Huber --paginate`.

    Authenticated with the profile's login or API key, paced (2 requests per second) and
    retried like every command. A JSON answer is printed indented (amounts exact), any
    other answer as its bytes. A failure exits with its class's status (docs/cli.md).
    """
    method = method.upper()
    if paginate and method != "GET":
        raise click.UsageError("--paginate needs GET")
    fields = _pairs(raw_fields, False) + _pairs(typed_fields, True)
    path, query = _split_path(path)
    body: Any = None
    params = [*query, *fields]
    if input_file is None and method not in _QUERY_METHODS:
        params = list(query)
        body = dict(fields) if fields else None
    query_params = {key: _query_value(value) for key, value in params}

    async def call(lx: Any) -> Any:
        if not paginate:
            response = await lx.request(
                method, path, params=query_params or None, json_body=body, accept=accept
            )
            return response
        items: list[Any] = []
        page = int(query_params.get("page", 0))
        while True:
            response = await lx.request(
                "GET", path, params={**query_params, "page": page}, accept=accept
            )
            data = _decoded(response)
            if not isinstance(data, dict) or not isinstance(data.get("content"), list):
                return items or data  # not a page (on page 0): print it as it is
            items.extend(data["content"])
            if data.get("last", True) or not data["content"]:
                return items
            page += 1

    async def main(state: State) -> None:
        nonlocal body
        if input_file is not None:
            body = read_document(input_file)  # inside run(): a bad file is one error line
        recorder = DryRun() if dry_run else None
        result = await with_client(state, api_base, call, dry_run=recorder)
        if recorder is not None:
            recorder.print(as_json=False)
            return
        if paginate:
            click.echo(json_text(result))
            return
        data = _decoded(result)
        if data is not None:
            click.echo(json_text(data))
        elif result.content:
            sys.stdout.buffer.write(result.content)
            sys.stdout.flush()

    run(main)
