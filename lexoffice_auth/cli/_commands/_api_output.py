"""What the API command groups share: options, the profile's client, tables and JSON."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AsyncExitStack
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import click

from .._profile import Profile
from ._context import State, run, say, secrets_of

__all__ = [
    "api_base_option",
    "api_command",
    "as_json_text",
    "fields",
    "json_option",
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


async def with_client(state: State, api_base: str | None, call: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``call`` on a ``LexofficeClient`` for the profile's login or API key."""
    from lexoffice_auth.api import LexofficeClient

    settings = state.settings(api_base=api_base)
    profile = await Profile.load(settings)
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
    datetimes in its format and amounts as the exact numbers it sent (never floats).

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

    text = json.dumps(plain(model.model_dump(by_alias=True, exclude_none=True)), indent=2)
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
    """Print ``rows`` as left-aligned columns under ``headers`` (on stdout)."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(v)) for w, v in zip(widths, row, strict=False)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()
    click.echo(line)
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=False)).rstrip())


def fields(pairs: Sequence[tuple[str, Any]]) -> None:
    """Print ``name: value`` lines, aligned, leaving out empty values."""
    width = max(len(k) for k, _ in pairs) + 1
    for key, value in pairs:
        if value is not None and value != "":
            click.echo(f"{(key + ':').ljust(width)} {value}")
