"""Contacts (``/v1/contacts``): a company or a person, with roles, addresses and numbers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pydantic import Field

from ._base import LexofficeModel

__all__ = [
    "Address",
    "Addresses",
    "Company",
    "Contact",
    "ContactPerson",
    "ContactRole",
    "ContactRoles",
    "EmailAddresses",
    "Person",
    "PhoneNumbers",
    "XRechnung",
]


class ContactRole(LexofficeModel):
    """A contact's role; the customer/vendor number is assigned by lexoffice."""

    read_only = frozenset({"number"})
    number: int | None = None


class ContactRoles(LexofficeModel):
    """``{"customer": {}}`` and/or ``{"vendor": {}}``."""

    customer: ContactRole | None = None
    vendor: ContactRole | None = None


class ContactPerson(LexofficeModel):
    """A contact person of a company."""

    salutation: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    primary: bool | None = None
    email_address: str | None = None
    phone_number: str | None = None


class Company(LexofficeModel):
    """The company part of a contact (``name`` is required)."""

    required: ClassVar[tuple[str, ...]] = ("name",)
    name: str | None = None
    tax_number: str | None = None
    vat_registration_id: str | None = None
    allow_tax_free_invoices: bool | None = None
    contact_persons: list[ContactPerson] | None = None


class Person(LexofficeModel):
    """The person part of a contact (``last_name`` is required)."""

    max_lengths: ClassVar[Mapping[str, int]] = {"salutation": 25}
    required: ClassVar[tuple[str, ...]] = ("last_name",)
    salutation: str | None = None
    first_name: str | None = None
    last_name: str | None = None


class Address(LexofficeModel):
    """A billing or shipping address of a contact."""

    supplement: str | None = None
    street: str | None = None
    zip: str | None = None
    city: str | None = None
    country_code: str | None = None


class Addresses(LexofficeModel):
    """A contact's addresses (at most one of each kind can be updated through the API)."""

    billing: list[Address] | None = None
    shipping: list[Address] | None = None


class XRechnung(LexofficeModel):
    """XRechnung data of a contact or an invoice."""

    buyer_reference: str | None = None
    vendor_number_at_customer: str | None = None


class EmailAddresses(LexofficeModel):
    """A contact's e-mail addresses by kind."""

    business: list[str] | None = None
    office: list[str] | None = None
    private: list[str] | None = None
    other: list[str] | None = None


class PhoneNumbers(LexofficeModel):
    """A contact's phone numbers by kind."""

    business: list[str] | None = None
    office: list[str] | None = None
    mobile: list[str] | None = None
    private: list[str] | None = None
    fax: list[str] | None = None
    other: list[str] | None = None


class Contact(LexofficeModel):
    """A lexoffice contact: exactly one of ``company`` or ``person``, and ``roles``.

    Example:
        >>> c = Contact(roles=ContactRoles(customer=ContactRole()), person=Person(last_name="Lang"))
        >>> c.to_api()
        {'version': 0, 'roles': {'customer': {}}, 'person': {'lastName': 'Lang'}}
    """

    read_only = frozenset({"id", "organization_id", "archived"})
    id: str | None = None
    organization_id: str | None = None
    version: int = 0
    roles: ContactRoles = Field(default_factory=ContactRoles)
    company: Company | None = None
    person: Person | None = None
    addresses: Addresses | None = None
    x_rechnung: XRechnung | None = None
    email_addresses: EmailAddresses | None = None
    phone_numbers: PhoneNumbers | None = None
    note: str | None = None
    archived: bool | None = None

    max_lengths: ClassVar[Mapping[str, int]] = {"note": 1000}

    def extra_problems(self, prefix: str, *, complete: bool) -> list[dict[str, str]]:
        """Roles, and exactly one of ``company`` and ``person`` (§3)."""
        if not complete:
            return []
        found = []
        if self.roles.customer is None and self.roles.vendor is None:
            found.append(
                {"field": "roles", "violation": "NOTNULL", "message": "customer and/or vendor"}
            )
        if (self.company is None) == (self.person is None):
            found.append(
                {
                    "field": "company",
                    "violation": "INVALID",
                    "message": "exactly one of company and person",
                }
            )
        return found
