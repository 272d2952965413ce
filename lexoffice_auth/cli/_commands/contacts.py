"""``lexoffice-auth contacts``: list and show contacts."""

from __future__ import annotations

from typing import Any

import click

from ._api_output import (
    api_base_option,
    api_command,
    csv_option,
    fields,
    json_option,
    page_footer,
    page_option,
    size_option,
    table,
)
from ._context import shared_options
from ._writes import dry_run_option, item_from, show_written, write_command

__all__ = ["contacts"]


def _contact_name(contact: Any) -> str:
    if contact.company is not None and contact.company.name:
        return str(contact.company.name)
    if contact.person is not None:
        parts = [contact.person.first_name, contact.person.last_name]
        return " ".join(p for p in parts if p)
    return ""


def _roles(contact: Any) -> str:
    roles = []
    if contact.roles.customer is not None:
        number = contact.roles.customer.number
        roles.append(f"customer {number}" if number is not None else "customer")
    if contact.roles.vendor is not None:
        number = contact.roles.vendor.number
        roles.append(f"vendor {number}" if number is not None else "vendor")
    return ", ".join(roles)


def _first_email(contact: Any) -> str:
    emails = contact.email_addresses
    if emails is None:
        return ""
    for kind in ("business", "office", "private", "other"):
        values = getattr(emails, kind) or []
        if values:
            return str(values[0])
    return ""


@click.group()
def contacts() -> None:
    """List, show, create and update contacts (/v1/contacts)."""


@contacts.command("list")
@click.option("--name", help="Name contains (at least 3 characters).")
@click.option("--email", help="E-mail contains (at least 3 characters).")
@click.option("--number", type=int, help="Customer or vendor number.")
@click.option("--customer/--no-customer", default=None, help="Only (or no) customers.")
@click.option("--vendor/--no-vendor", default=None, help="Only (or no) vendors.")
@page_option
@size_option
@api_base_option
@json_option
@csv_option
@shared_options
def contacts_list(
    name: str | None,
    email: str | None,
    number: int | None,
    customer: bool | None,
    vendor: bool | None,
    page: int,
    size: int,
    api_base: str | None,
    as_json: bool,
) -> None:
    """List one page of contacts, sorted by name."""

    def render(result: Any) -> None:
        table(
            ("ID", "NAME", "ROLES", "E-MAIL"),
            [(c.id, _contact_name(c), _roles(c), _first_email(c)) for c in result.content],
        )
        page_footer(result)

    api_command(
        api_base,
        as_json,
        lambda lx: lx.contacts.list(
            name=name,
            email=email,
            number=number,
            customer=customer,
            vendor=vendor,
            page=page,
            size=size,
        ),
        render,
    )


@contacts.command("get")
@click.argument("contact_id")
@api_base_option
@json_option
@shared_options
def contacts_get(contact_id: str, api_base: str | None, as_json: bool) -> None:
    """Show one contact."""

    def render(contact: Any) -> None:
        fields(
            [
                ("ID", contact.id),
                ("Name", _contact_name(contact)),
                ("Roles", _roles(contact)),
                ("E-mail", _first_email(contact)),
                ("Version", contact.version),
                ("Archived", contact.archived),
                ("Note", contact.note),
            ]
        )

    api_command(api_base, as_json, lambda lx: lx.contacts.get(contact_id), render)


@contacts.command("create")
@click.argument("file", metavar="FILE")
@dry_run_option
@api_base_option
@json_option
@shared_options
def contacts_create(file: str, dry_run: bool, api_base: str | None, as_json: bool) -> None:
    """Create a contact from a JSON or YAML file (lexoffice's fields); prints its id."""

    async def call(lx: Any) -> Any:
        return await lx.contacts.create(item_from(file, lx.contacts.model))

    write_command(api_base, as_json, dry_run, call, show_written("created contact"))


@contacts.command("update")
@click.argument("contact_id", metavar="ID")
@click.argument("file", metavar="FILE")
@dry_run_option
@api_base_option
@json_option
@shared_options
def contacts_update(
    contact_id: str, file: str, dry_run: bool, api_base: str | None, as_json: bool
) -> None:
    """Replace a contact with a JSON or YAML file, which carries the version read.

    A stale version (someone changed the contact meanwhile) exits with status 5: read
    the contact again (`contacts get ID --json`) and apply the change to that.
    """

    async def call(lx: Any) -> Any:
        return await lx.contacts.update(contact_id, item_from(file, lx.contacts.model))

    write_command(api_base, as_json, dry_run, call, show_written("updated contact"))
