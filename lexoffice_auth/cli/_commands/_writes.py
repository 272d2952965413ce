"""What the commands that send data share: ``--dry-run``, input files and their output.

A dry run goes through the SDK exactly as a real one does (the same checks, the same
request), but on a client whose transport only records each request and answers it
itself: nothing leaves the machine, and no credential is read.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

import click
import httpx

from lexoffice_auth.errors import ConfigurationError, InvalidBody

from ._api_output import as_json_text, json_text, with_client
from ._context import State, run, say

__all__ = [
    "DRY_RUN_ID",
    "DryRun",
    "dry_run_option",
    "item_from",
    "parse_as",
    "read_document",
    "show_written",
    "write_command",
]

T = TypeVar("T")

DRY_RUN_ID = "00000000-0000-0000-0000-000000000000"
"""The id a dry run's made-up answers carry (so a follow-up request can be shown)."""

dry_run_option = click.option(
    "--dry-run",
    is_flag=True,
    default=False,
    help="Print the request(s) instead of sending them (the credential as ***).",
)

_SHOWN_HEADERS = ("accept", "authorization", "content-type")


class DryRun:
    """Records the requests a command would send; answers each with a made-up success."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def transport(self) -> httpx.MockTransport:
        """An httpx transport that records and answers instead of sending."""

        def answer(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return httpx.Response(200, json={"id": DRY_RUN_ID, "version": 0})

        return httpx.MockTransport(answer)

    def described(self) -> list[dict[str, Any]]:
        """Each request as ``method``, ``url``, ``headers`` (credential redacted), ``body``."""
        shown = []
        for request in self.requests:
            headers = {
                name.title(): ("Bearer ***" if name == "authorization" else value)
                for name, value in request.headers.items()
                if name in _SHOWN_HEADERS
            }
            content = request.read()
            body: Any = None
            if content and headers.get("Content-Type") == "application/json":
                body = json.loads(content, parse_float=Decimal)
            elif content:
                body = (
                    f"<{headers.get('Content-Type', 'binary').split(';')[0]}, {len(content)} bytes>"
                )
            shown.append(
                {
                    "method": request.method,
                    "url": str(request.url),
                    "headers": headers,
                    "body": body,
                }
            )
        return shown

    def print(self, *, as_json: bool) -> None:
        """Print the recorded requests on stdout (JSON, or as HTTP would show them)."""
        described = self.described()
        if as_json:
            click.echo(json_text(described))
        else:
            for number, request in enumerate(described):
                if number:
                    click.echo()
                click.echo(f"{request['method']} {request['url']}")
                for name, value in request["headers"].items():
                    click.echo(f"{name}: {value}")
                body = request["body"]
                if body is not None:
                    click.echo()
                    click.echo(body if isinstance(body, str) else json_text(body))
        say(f"dry run: {len(described)} request(s) shown, nothing sent")


def read_document(path: str) -> Any:
    """The data in a JSON or YAML file (``.yaml``/``.yml``; ``-``: JSON from stdin).

    Amounts are read as ``Decimal``, never as floats. A file that cannot be read or
    parsed is a ``ConfigurationError`` naming it.
    """
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ConfigurationError(f"cannot read {path}: {reason}") from None
    if Path(path).suffix.lower() in (".yaml", ".yml"):
        import yaml  # only for YAML input: the cli extra has it, the library does not need it

        class _ExactLoader(yaml.SafeLoader):
            """YAML's safe loader with numbers like 19.90 read as exact decimals."""

        def exact(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
            text = str(loader.construct_scalar(node)).replace("_", "")
            try:
                number = Decimal(text)
            except InvalidOperation:
                return loader.construct_yaml_float(node)  # .inf, .nan and the like
            return number if number.is_finite() else loader.construct_yaml_float(node)

        _ExactLoader.add_constructor("tag:yaml.org,2002:float", exact)
        try:
            return yaml.load(text, Loader=_ExactLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            raise ConfigurationError(f"{path} is not valid YAML: {exc}") from None
    try:
        return json.loads(text, parse_float=Decimal)
    except ValueError as exc:
        raise ConfigurationError(f"{path} is not valid JSON: {exc}") from None


def parse_as(model: type[T], data: Any, source: str) -> T:
    """``data`` as ``model``; a mismatch is ``InvalidBody``
    naming each field (in lexoffice's JSON names, e.g. ``lineItems[0].quantity``)."""
    from pydantic import ValidationError

    if not isinstance(data, dict):
        raise InvalidBody(f"{source}: expected a JSON object, not {type(data).__name__}")
    try:
        return model.model_validate(data)  # type: ignore[attr-defined,no-any-return]
    except ValidationError as exc:
        found = [
            {
                "field": _json_path(error["loc"]),
                "violation": error["type"],
                "message": error["msg"],
            }
            for error in exc.errors(include_url=False, include_input=False)
        ]
        listed = "; ".join(f"{p['field']}: {p['message']}" for p in found[:5])
        more = f" (and {len(found) - 5} more)" if len(found) > 5 else ""
        raise InvalidBody(f"{source}: {listed}{more}", details=tuple(found)) from None


def item_from(path: str, model: type[T]) -> T:
    """The ``model`` in a JSON or YAML file: ``read_document``, then ``parse_as``."""
    return parse_as(model, read_document(path), path)


def _json_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(the document)"


def write_command(
    api_base: str | None,
    as_json: bool,
    dry_run: bool,
    call: Callable[[Any], Awaitable[T]],
    render: Callable[[T], None],
) -> None:
    """One command that sends data: ``call`` on the profile's client, then the output.

    With ``dry_run`` the client records instead of sending, and the requests are printed.
    """

    async def main(state: State) -> None:
        recorder = DryRun() if dry_run else None
        result = await with_client(state, api_base, call, dry_run=recorder)
        if recorder is not None:
            recorder.print(as_json=as_json)
        elif as_json:
            click.echo(as_json_text(result))
        else:
            render(result)

    run(main)


def show_written(what: str) -> Callable[[Any], None]:
    """The output of a create or update: the id on stdout (for scripts), a line on stderr."""

    def render(result: Any) -> None:
        version = "" if result.version is None else f" (version {result.version})"
        say(f"{what} {result.id}{version}")
        click.echo(result.id)

    return render
