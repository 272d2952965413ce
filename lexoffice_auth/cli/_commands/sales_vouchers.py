"""``lexoffice-auth invoices|quotations|...``: one command group per sales-voucher kind.

Every kind gets the same ``list`` (the voucherlist with the kind's ``voucherType``),
``get`` and ``download`` from ``KINDS``; a new kind is one row there. Dunnings are not
in the voucherlist, so their ``list`` only says so.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from lexoffice_auth.errors import ConfigurationError

from ._api_output import (
    api_base_option,
    api_command,
    csv_option,
    fields,
    json_option,
    json_text,
    money,
    page_footer,
    page_option,
    size_option,
    table,
)
from ._context import say, shared_options
from ._writes import dry_run_option, item_from, show_written, write_command

__all__ = ["KINDS", "SalesVoucherKind", "sales_voucher_groups"]


@dataclass(frozen=True)
class SalesVoucherKind:
    """One sales-voucher kind: its command, client attribute and voucherlist type."""

    command: str
    """The command group, e.g. ``"order-confirmations"``."""
    attribute: str
    """The ``LexofficeClient`` attribute, e.g. ``"order_confirmations"``."""
    noun: str
    """One document, in help texts and fallback file names, e.g. ``"order confirmation"``."""
    voucher_type: str | None
    """Its ``voucherType`` in the voucherlist; ``None``: lexoffice does not list it."""
    statuses: str = "draft, open, voided"
    """The statuses lexoffice documents for the kind (the ``--status`` help)."""
    xml: bool = False
    """Whether lexoffice renders an XRechnung's XML (``--format xml``)."""
    creatable: bool = False
    """Whether the group has ``create FILE [--finalize]`` (a standalone document)."""

    @property
    def path(self) -> str:
        """The API path, e.g. ``/v1/order-confirmations``."""
        return f"/v1/{self.command}"


KINDS: tuple[SalesVoucherKind, ...] = (
    SalesVoucherKind(
        command="invoices",
        attribute="invoices",
        noun="invoice",
        voucher_type="invoice",
        statuses="draft, open, paid, voided, overdue",
        xml=True,
        creatable=True,
    ),
    SalesVoucherKind(
        command="quotations",
        attribute="quotations",
        noun="quotation",
        voucher_type="quotation",
        statuses="draft, open, accepted, rejected",
        creatable=True,
    ),
    SalesVoucherKind(
        command="order-confirmations",
        attribute="order_confirmations",
        noun="order confirmation",
        voucher_type="orderconfirmation",
    ),
    SalesVoucherKind(
        command="delivery-notes",
        attribute="delivery_notes",
        noun="delivery note",
        voucher_type="deliverynote",
    ),
    SalesVoucherKind(
        command="credit-notes",
        attribute="credit_notes",
        noun="credit note",
        voucher_type="creditnote",
        statuses="draft, open, paidoff, voided",
        xml=True,
        creatable=True,
    ),
    SalesVoucherKind(
        command="down-payment-invoices",
        attribute="down_payment_invoices",
        noun="down-payment invoice",
        voucher_type="downpaymentinvoice",
        statuses="draft, open, paid, voided, overdue",
        xml=True,
    ),
    SalesVoucherKind(command="dunnings", attribute="dunnings", noun="dunning", voucher_type=None),
)
"""Every sales-voucher kind with a command group (help lists them sorted)."""


def _date(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _related(document: Any) -> str:
    related = getattr(document, "related_vouchers", None) or []
    return ", ".join(f"{r.voucher_type} {r.voucher_number or r.id}" for r in related)


def _render_list(result: Any) -> None:
    table(
        ("ID", "NUMBER", "DATE", "STATUS", "CONTACT", "TOTAL", "OPEN", "CUR"),
        [
            (
                r.id,
                r.voucher_number,
                r.voucher_date.date().isoformat() if r.voucher_date else None,
                r.voucher_status,
                r.contact_name,
                money(r.total_amount),
                money(r.open_amount),
                r.currency,
            )
            for r in result.content
        ],
    )
    page_footer(result)


def _render_document(document: Any) -> None:
    # Each kind's model has only the parts lexoffice documents for it (a delivery note
    # has no totals, a dunning no number), hence getattr with a default throughout.
    def part(name: str) -> Any:
        return getattr(document, name, None)

    total, address = part("total_price"), part("address")
    fields(
        [
            ("ID", document.id),
            ("Number", part("voucher_number")),
            ("Status", part("voucher_status")),
            ("Date", _date(part("voucher_date"))),
            ("Due", _date(part("due_date"))),
            ("Expires", _date(part("expiration_date"))),
            ("Contact", address.name or address.contact_id if address else None),
            ("Net", money(total.total_net_amount, total.currency) if total else None),
            ("Gross", money(total.total_gross_amount, total.currency) if total else None),
            ("Lines", len(part("line_items") or [])),
            ("Related", _related(document)),
        ]
    )


def _safe_filename(name: str | None) -> str | None:
    """lexoffice's suggested file name, without any directory part (or ``None``)."""
    if not name:
        return None
    base = Path(name.replace("\\", "/")).name
    if base in ("", ".", "..") or base.startswith("."):
        return None
    return base


async def _save(
    resource: Any, document_id: str, file_format: str, output: str | None, force: bool
) -> tuple[Path | None, Any]:
    """Stream the document to stdout (``-``), a file or a directory; never half a file.

    The name lexoffice suggests is known only once the answer starts, so a directory
    target gets a temporary file beside it, renamed when the download is complete.
    """
    if output == "-":
        if sys.stdout.isatty():
            raise ConfigurationError(
                "refusing to write a binary document to a terminal: pass -o FILE, or "
                "redirect stdout"
            )
        document = await resource.download(document_id, format=file_format, to=sys.stdout.buffer)
        sys.stdout.flush()
        return None, document
    chosen = Path(output) if output else Path.cwd()
    folder = chosen if output is None or chosen.is_dir() else chosen.parent
    try:
        fd, temp = tempfile.mkstemp(prefix=".lexoffice-", suffix=".part", dir=folder or ".")
    except OSError as exc:
        raise ConfigurationError(f"cannot write to {folder}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            document = await resource.download(document_id, format=file_format, to=handle)
        if chosen is folder:
            fallback = f"{_safe_filename(document_id) or 'document'}.{file_format}"
            target = folder / (_safe_filename(document.filename) or fallback)
        else:
            target = chosen
        if target.exists() and not force:
            raise ConfigurationError(f"{target} exists; pass --force to overwrite it")
        try:
            os.replace(temp, target)
        except OSError as exc:
            raise ConfigurationError(f"cannot write {target}: {exc.strerror}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)  # only left when the download or the rename failed
    return target, document


def _group(kind: SalesVoucherKind) -> click.Group:
    what = "show and download" if kind.voucher_type is None else "list, show and download"
    if kind.creatable:
        what = what.replace(" and ", ", create and ")
    group = click.Group(
        kind.command,
        help=f"{kind.noun.capitalize()}s: {what} ({kind.path}).",
    )
    group.add_command(_list_command(kind))
    group.add_command(_get_command(kind))
    group.add_command(_download_command(kind))
    if kind.creatable:
        group.add_command(_create_command(kind))
    return group


def _list_command(kind: SalesVoucherKind) -> click.Command:
    if kind.voucher_type is None:

        @click.command("list")
        @shared_options
        def unlisted() -> None:
            raise click.UsageError(
                f"lexoffice does not list {kind.command} (the voucherlist leaves them out): "
                f"use `{kind.command} get ID` with an id from the API or the app"
            )

        unlisted.help = f"Not available: lexoffice has no list of {kind.command}."
        return unlisted

    voucher_type = kind.voucher_type

    @click.command("list")
    @click.option(
        "--status",
        default="any",
        show_default=True,
        help=f"Voucher status: {kind.statuses}, or any; comma-separated.",
    )
    @click.option("--contact-id", help=f"Only this contact's {kind.noun}s.")
    @page_option
    @size_option
    @api_base_option
    @json_option
    @csv_option
    @shared_options
    def list_command(
        status: str,
        contact_id: str | None,
        page: int,
        size: int,
        api_base: str | None,
        as_json: bool,
        voucher_type: str = voucher_type,
    ) -> None:
        api_command(
            api_base,
            as_json,
            lambda lx: lx.voucherlist.list(
                voucher_type=voucher_type,
                voucher_status=status,
                contact_id=contact_id,
                page=page,
                size=size,
            ),
            _render_list,
        )

    list_command.help = f"List one page of {kind.noun}s (the voucherlist)."
    if kind.command == "invoices":
        # Kept from the first invoices command: other voucher types through the same table.
        list_command = click.option(
            "--type",
            "voucher_type",
            default="invoice",
            show_default=True,
            metavar="TYPE",
            help="Voucher type(s) to list, comma-separated: invoice, salesinvoice, "
            "creditnote, orderconfirmation, quotation, downpaymentinvoice, deliverynote, "
            "any (lexoffice's voucherType filter).",
        )(list_command)
    return list_command


def _get_command(kind: SalesVoucherKind) -> click.Command:
    @click.command("get")
    @click.argument("document_id", metavar="ID")
    @api_base_option
    @json_option
    @shared_options
    def get_command(document_id: str, api_base: str | None, as_json: bool) -> None:
        api_command(
            api_base,
            as_json,
            lambda lx: getattr(lx, kind.attribute).get(document_id),
            _render_document,
        )

    get_command.help = f"Show one {kind.noun}."
    return get_command


def _download_command(kind: SalesVoucherKind) -> click.Command:
    formats = ["pdf", "xml"] if kind.xml else ["pdf"]

    @click.command("download")
    @click.argument("document_id", metavar="ID")
    @click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=True, allow_dash=True),
        help="File or directory to write to; - for stdout (not a terminal) [default: "
        "lexoffice's file name in the current directory].",
    )
    @click.option(
        "--format",
        "file_format",
        type=click.Choice(formats),
        default="pdf",
        show_default=True,
        help="xml exists for XRechnung documents only." if kind.xml else "PDF only.",
    )
    @click.option("--force", is_flag=True, default=False, help="Overwrite an existing file.")
    @api_base_option
    @click.option(
        "--json",
        "as_json",
        is_flag=True,
        default=False,
        help="Print what was written as JSON (path, size, mediaType, filename).",
    )
    @shared_options
    def download_command(
        document_id: str,
        output: str | None,
        file_format: str,
        force: bool,
        api_base: str | None,
        as_json: bool,
    ) -> None:
        def render(saved: tuple[Path | None, Any]) -> None:
            target, document = saved
            if target is None:
                return
            say(f"wrote {target} ({document.size} bytes, {document.media_type})")
            if as_json:
                found = {"path": str(target), "size": document.size}
                found.update(mediaType=document.media_type, filename=document.filename)
                click.echo(json_text(found))
            else:
                click.echo(str(target))

        api_command(
            api_base,
            False,
            lambda lx: _save(getattr(lx, kind.attribute), document_id, file_format, output, force),
            render,
        )

    download_command.help = (
        f"Download a {kind.noun}'s document, streamed (GET {kind.path}/{{id}}/file)."
    )
    return download_command


def _create_command(kind: SalesVoucherKind) -> click.Command:
    @click.command("create")
    @click.argument("file", metavar="FILE")
    @click.option(
        "--finalize",
        is_flag=True,
        default=False,
        help="Create it open (numbered, final) instead of as a draft; cannot be undone.",
    )
    @dry_run_option
    @api_base_option
    @json_option
    @shared_options
    def create_command(
        file: str, finalize: bool, dry_run: bool, api_base: str | None, as_json: bool
    ) -> None:
        async def call(lx: Any) -> Any:
            resource = getattr(lx, kind.attribute)
            return await resource.create(item_from(file, resource.model), finalize=finalize)

        state = "finalized" if finalize else "draft"
        write_command(
            api_base, as_json, dry_run, call, show_written(f"created {state} {kind.noun}")
        )

    create_command.help = (
        f"Create a {kind.noun} from a JSON or YAML file (lexoffice's fields), as a draft "
        f"unless --finalize (POST {kind.path}); prints its id."
    )
    return create_command


def sales_voucher_groups() -> tuple[click.Group, ...]:
    """One command group per row of ``KINDS``."""
    return tuple(_group(kind) for kind in KINDS)
