"""``lexoffice-auth invoices``: list, show and download invoices."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from lexoffice_auth.errors import ConfigurationError

from ._api_output import api_base_option, api_command, fields, json_option, page_footer, table
from ._context import say, shared_options

__all__ = ["invoices"]


@click.group()
def invoices() -> None:
    """List, show and download invoices (GET /v1/voucherlist, /v1/invoices)."""


@invoices.command("list")
@click.option(
    "--status",
    default="any",
    show_default=True,
    help="Voucher status: draft, open, paid, voided, overdue, or any; comma-separated.",
)
@click.option("--type", "voucher_type", default="invoice", show_default=True)
@click.option("--contact-id", help="Only this contact's invoices.")
@click.option("--page", type=click.IntRange(0), default=0, show_default=True)
@click.option("--size", type=click.IntRange(1, 250), default=25, show_default=True)
@api_base_option
@json_option
@shared_options
def invoices_list(
    status: str,
    voucher_type: str,
    contact_id: str | None,
    page: int,
    size: int,
    api_base: str | None,
    as_json: bool,
) -> None:
    """List one page of invoices (lexoffice's voucherlist)."""

    def render(result: Any) -> None:
        table(
            ("ID", "NUMBER", "DATE", "STATUS", "CONTACT", "TOTAL", "OPEN", "CUR"),
            [
                (
                    r.id,
                    r.voucher_number,
                    r.voucher_date.date().isoformat() if r.voucher_date else None,
                    r.voucher_status,
                    r.contact_name,
                    r.total_amount,
                    r.open_amount,
                    r.currency,
                )
                for r in result.content
            ],
        )
        page_footer(result)

    api_command(
        api_base,
        as_json,
        lambda lx: lx.invoices.list(
            voucher_type=voucher_type,
            voucher_status=status,
            contact_id=contact_id,
            page=page,
            size=size,
        ),
        render,
    )


@invoices.command("get")
@click.argument("invoice_id")
@api_base_option
@json_option
@shared_options
def invoices_get(invoice_id: str, api_base: str | None, as_json: bool) -> None:
    """Show one invoice."""

    def render(invoice: Any) -> None:
        total = invoice.total_price
        fields(
            [
                ("ID", invoice.id),
                ("Number", invoice.voucher_number),
                ("Status", invoice.voucher_status),
                ("Date", invoice.voucher_date.isoformat() if invoice.voucher_date else None),
                ("Due", invoice.due_date.isoformat() if invoice.due_date else None),
                (
                    "Contact",
                    invoice.address.name or invoice.address.contact_id if invoice.address else None,
                ),
                ("Net", f"{total.total_net_amount} {total.currency}"),
                ("Gross", f"{total.total_gross_amount} {total.currency}"),
                ("Lines", len(invoice.line_items)),
            ]
        )

    api_command(api_base, as_json, lambda lx: lx.invoices.get(invoice_id), render)


def _safe_filename(name: str | None) -> str | None:
    if not name:
        return None
    base = Path(name.replace("\\", "/")).name
    if base in ("", ".", "..") or base.startswith("."):
        return None
    return base


@invoices.command("download")
@click.argument("invoice_id")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=True, allow_dash=True),
    help="File or directory to write to; - for stdout [default: lexoffice's file name in "
    "the current directory].",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["pdf", "xml"]),
    default="pdf",
    show_default=True,
    help="xml exists for XRechnung invoices only.",
)
@click.option("--force", is_flag=True, default=False, help="Overwrite an existing file.")
@api_base_option
@shared_options
def invoices_download(
    invoice_id: str, output: str | None, file_format: str, force: bool, api_base: str | None
) -> None:
    """Download an invoice's document (GET /v1/invoices/{id}/file)."""

    def render(document: Any) -> None:
        if output == "-":
            sys.stdout.buffer.write(document.content)
            sys.stdout.flush()
            return
        name = (
            _safe_filename(document.filename)
            or f"{_safe_filename(invoice_id) or 'invoice'}.{file_format}"
        )
        target = Path(output) if output else Path(name)
        if target.is_dir():
            target = target / name
        try:
            with target.open("wb" if force else "xb") as handle:
                handle.write(document.content)
        except FileExistsError:
            raise ConfigurationError(f"{target} exists; pass --force to overwrite it") from None
        except OSError as exc:
            raise ConfigurationError(f"cannot write {target}: {exc.strerror}") from None
        say(f"wrote {target} ({len(document.content)} bytes, {document.media_type})")
        click.echo(str(target))

    api_command(
        api_base, False, lambda lx: lx.invoices.download(invoice_id, format=file_format), render
    )
