"""``lexoffice-auth vouchers create``: a bookkeeping voucher, with its receipt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ._api_output import api_base_option, json_option
from ._context import shared_options
from ._writes import dry_run_option, item_from, show_written, write_command

__all__ = ["vouchers"]


@click.group()
def vouchers() -> None:
    """Bookkeeping vouchers: create (POST /v1/vouchers)."""


@vouchers.command("create")
@click.argument("file", metavar="FILE")
@click.option(
    "--receipt",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A PDF, JPG, PNG or XML file to attach to the new voucher (at most 5 MB).",
)
@dry_run_option
@api_base_option
@json_option
@shared_options
def vouchers_create(
    file: str, receipt: Path | None, dry_run: bool, api_base: str | None, as_json: bool
) -> None:
    """Create a voucher from a JSON or YAML file (lexoffice's fields); prints its id.

    The totals must be the items' sums (checked before sending). With --receipt the file
    is uploaded to the new voucher next; the printed version is then the voucher's as
    created (the upload changes it: read it again before an update).
    """

    async def call(lx: Any) -> Any:
        created = await lx.vouchers.create(item_from(file, lx.vouchers.model))
        if receipt is not None:
            await lx.vouchers.upload_file(created.id, receipt)
        return created

    write_command(api_base, as_json, dry_run, call, show_written("created voucher"))
