"""What the API command groups share: options, the profile's client, tables and JSON."""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AsyncExitStack
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import click

from lexoffice_auth.rules import escape_controls

from .._profile import Profile
from ._context import State, out, run, say, secrets_of

if TYPE_CHECKING:
    from ._writes import DryRun

__all__ = [
    "api_base_option",
    "api_command",
    "as_json_text",
    "csv_option",
    "fields",
    "json_option",
    "json_text",
    "money",
    "page_footer",
    "page_option",
    "size_option",
    "table",
]

T = TypeVar("T")

api_base_option = click.option(
    "--api-base",
    metavar="URL",
    help="API base URL, e.g. the sandbox's [LEXOFFICE_API_BASE; default: the one given at "
    "login, else https://api.lexware.io].",
)
page_option = click.option(
    "--page", type=click.IntRange(0), default=0, show_default=True, help="Page to show, from 0."
)
size_option = click.option(
    "--size",
    type=click.IntRange(1, 250),
    default=25,
    show_default=True,
    help="Rows per page (lexoffice allows up to 250).",
)
json_option = click.option(
    "--json", "as_json", is_flag=True, default=False, help="Print JSON instead of a table."
)
_CSV = "lexoffice_auth.csv"


def _remember_csv(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.meta[_CSV] = True
    return value


csv_option = click.option(
    "--csv",
    is_flag=True,
    default=False,
    expose_value=False,
    callback=_remember_csv,
    help="Print the table as CSV (a header row, then one row per item).",
)
"""``--csv`` for a list command: ``table`` then writes CSV instead of columns."""


async def with_client(
    state: State,
    api_base: str | None,
    call: Callable[[Any], Awaitable[T]],
    *,
    dry_run: DryRun | None = None,
) -> T:
    """Run ``call`` on a ``LexofficeClient`` for the profile's login or API key.

    With ``dry_run`` the client only records its requests: no credential is read (a
    placeholder stands in) and nothing is sent.
    """
    from lexoffice_auth.api import LexofficeClient

    settings = state.settings(api_base=api_base)
    profile = await Profile.load(settings)
    if dry_run is not None:
        import httpx

        from lexoffice_auth import ApiKeyAuth

        base = profile.api_base(settings)
        async with (
            httpx.AsyncClient(transport=dry_run.transport()) as http,
            LexofficeClient(
                ApiKeyAuth("dry-run", api_origins=[base]),
                base_url=base,
                http_client=http,
                rate_limit=None,
            ) as client,
        ):
            return await call(client)
    if profile.tokens is not None:
        state.redact.add(secrets_of(profile.tokens))
    base = profile.api_base(settings)
    async with AsyncExitStack() as stack:
        oauth = None
        if not settings.api_key and profile.kind == "oauth":
            oauth = await stack.enter_async_context(profile.oauth(settings))
        auth = profile.auth(settings, base, oauth)
        client = await stack.enter_async_context(LexofficeClient(auth, base_url=base))
        return await call(client)


def as_json_text(model: Any) -> str:
    """A model as lexoffice's JSON, indented by two: its field names, no empty fields,
    datetimes in its format and amounts as the exact numbers it sent (never floats)."""
    return json_text(model.model_dump(by_alias=True, exclude_none=True))


def json_text(data: Any) -> str:
    """Plain data as JSON indented by two, every ``Decimal`` as its exact digits.

    ``json`` writes no ``Decimal`` as a number, so each goes in as a placeholder string
    (with a per-call nonce no data can guess) that is then replaced by its digits.
    """
    from lexoffice_auth.api import format_lexoffice_datetime

    amounts: list[str] = []
    nonce = secrets.token_hex(8)

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, Decimal):
            amounts.append(format(value, "f"))
            return f"{nonce}:{len(amounts) - 1}"
        if isinstance(value, datetime):
            return format_lexoffice_datetime(value)
        if isinstance(value, date):
            return value.isoformat()
        return value

    text = json.dumps(plain(data), indent=2)
    return re.sub(f'"{nonce}:(\\d+)"', lambda m: amounts[int(m.group(1))], text)


def api_command(
    api_base: str | None,
    as_json: bool,
    call: Callable[[Any], Awaitable[T]],
    render: Callable[[T], None],
) -> None:
    """One API command: ``call`` on the profile's ``LexofficeClient``, then the output.

    With ``as_json`` the result is printed as lexoffice's JSON, else ``render`` prints it;
    a failure in either is one line and a hint on stderr (exit 1), as for every command.
    """

    async def main(state: State) -> None:
        result = await with_client(state, api_base, call)
        if as_json:
            click.echo(as_json_text(result))
        else:
            render(result)

    run(main)


def money(amount: Decimal | float | None, currency: str | None = None) -> str | None:
    """An amount with two decimals (and its currency, when given), as people read money.

    Example:
        >>> money(Decimal("119"), "EUR"), money(2752.855), money(None)
        ('119.00 EUR', '2752.86', None)
    """
    if amount is None:
        return None
    text = f"{Decimal(str(amount)):.2f}"
    return f"{text} {currency}" if currency else text


def page_footer(page: Any) -> None:
    """Which page of how many, on stderr (so stdout stays the table)."""
    say(f"page {page.number + 1} of {max(page.total_pages, 1)}, {page.total_elements} in all")


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Print ``rows`` as left-aligned columns under ``headers`` (on stdout); with
    ``--csv`` (``csv_option``) as CSV."""
    cells = [[("" if v is None else escape_controls(str(v))) for v in row] for row in rows]
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.meta.get(_CSV):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows(cells)
        click.echo(buffer.getvalue(), nl=False)
        return
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(v)) for w, v in zip(widths, row, strict=False)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()
    out(line)
    for row in cells:
        out("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=False)).rstrip())


def fields(pairs: Sequence[tuple[str, Any]]) -> None:
    """Print ``name: value`` lines, aligned, leaving out empty values."""
    width = max(len(k) for k, _ in pairs) + 1
    for key, value in pairs:
        if value is not None and value != "":
            out(f"{(key + ':').ljust(width)} {value}")
