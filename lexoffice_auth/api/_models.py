"""Pydantic models of lexoffice's contacts, invoices, voucherlist rows and paging.

* Python names are snake_case; the JSON names (camelCase) are the aliases. Both are
  accepted when building a model.
* Unknown fields are kept (``model_extra``) and sent back, so a field lexoffice adds
  later neither breaks parsing nor gets lost on an update.
* Money is :class:`~decimal.Decimal` (parsed from numbers or strings, sent as numbers).
* Datetimes are sent in lexoffice's strict ``yyyy-MM-ddTHH:mm:ss.SSSXXX``; a naive
  datetime is taken as German time (Europe/Berlin), as lexoffice does.
* Read-only fields (ids, dates, computed totals, ...) are never sent:
  :meth:`LexofficeModel.to_api` leaves them out.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import (
    AliasGenerator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    model_serializer,
)
from pydantic.alias_generators import to_camel

__all__ = [
    "ActionResult",
    "Address",
    "Addresses",
    "Company",
    "Contact",
    "ContactPerson",
    "ContactRole",
    "ContactRoles",
    "EmailAddresses",
    "Invoice",
    "InvoiceAddress",
    "InvoiceFile",
    "LexofficeModel",
    "LineItem",
    "Money",
    "Page",
    "PaymentConditions",
    "PaymentDiscountConditions",
    "Person",
    "PhoneNumbers",
    "ShippingConditions",
    "TaxAmount",
    "TaxConditions",
    "TotalPrice",
    "UnitPrice",
    "VoucherListItem",
    "XRechnung",
    "format_lexoffice_datetime",
]

try:
    from zoneinfo import ZoneInfo

    _BERLIN: tzinfo = ZoneInfo("Europe/Berlin")
except Exception:  # pragma: no cover - a system without time zone data
    _BERLIN = timezone(timedelta(hours=1))


def format_lexoffice_datetime(value: datetime) -> str:
    """``value`` as lexoffice requires it: ``2024-05-01T10:00:00.000+02:00``.

    Exactly three millisecond digits and an offset with a colon (``Z`` is written
    ``+00:00``). A naive datetime is taken as Europe/Berlin time.

    Example:
        >>> format_lexoffice_datetime(datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc))
        '2024-05-01T10:00:00.000+00:00'
    """
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=_BERLIN)
    offset = value.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}{sign}{hours:02d}:{mins:02d}"


def _money_out(value: Decimal) -> int | float:
    # JSON has no decimal type; lexoffice's amounts (at most 4 decimals) survive a float's
    # shortest round-trip representation exactly.
    return int(value) if value == value.to_integral_value() else float(value)


Money = Annotated[
    Decimal,
    Field(allow_inf_nan=False),
    PlainSerializer(_money_out, return_type=Any, when_used="json"),
]
"""An amount: a Decimal in Python, a JSON number on the wire."""

LexDateTime = Annotated[
    datetime,
    PlainSerializer(format_lexoffice_datetime, return_type=str, when_used="json"),
]
"""A datetime, sent in lexoffice's strict format."""

_API_CONTEXT = {"lexoffice_api": True}


class LexofficeModel(BaseModel):
    """Base of every lexoffice model: camelCase aliases, unknown fields kept.

    ``read_only`` names the fields (Python names) that :meth:`to_api` never sends.
    """

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        alias_generator=AliasGenerator(alias=to_camel),
        ser_json_inf_nan="strings",
    )
    read_only: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _drop_read_only(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> Any:
        data = handler(self)
        context = info.context
        if isinstance(data, dict) and isinstance(context, dict) and context.get("lexoffice_api"):
            for name in self.read_only:
                field = type(self).model_fields[name]
                data.pop(field.alias or name, None)
                data.pop(name, None)
        return data

    def to_api(self) -> dict[str, Any]:
        """The JSON body lexoffice expects: aliases, no ``None``s, no read-only fields."""
        result: dict[str, Any] = self.model_dump(
            mode="json", by_alias=True, exclude_none=True, context=_API_CONTEXT
        )
        return result


# --- contacts --------------------------------------------------------------------------


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

    name: str | None = None
    tax_number: str | None = None
    vat_registration_id: str | None = None
    allow_tax_free_invoices: bool | None = None
    contact_persons: list[ContactPerson] | None = None


class Person(LexofficeModel):
    """The person part of a contact (``last_name`` is required)."""

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


# --- invoices ----------------------------------------------------------------------------


class InvoiceAddress(LexofficeModel):
    """The invoice's recipient: a ``contact_id``, or ``name`` plus ``country_code``."""

    contact_id: str | None = None
    name: str | None = None
    supplement: str | None = None
    street: str | None = None
    city: str | None = None
    zip: str | None = None
    country_code: str | None = None
    contact_person: str | None = None


class UnitPrice(LexofficeModel):
    """A line item's unit price: ``net_amount`` (or ``gross_amount`` for ``gross`` tax)."""

    currency: str = "EUR"
    net_amount: Money | None = None
    gross_amount: Money | None = None
    tax_rate_percentage: Money | None = None


class LineItem(LexofficeModel):
    """One invoice line (``type``: service, material, custom or text)."""

    read_only = frozenset({"line_item_amount"})
    id: str | None = None
    type: str = "custom"
    name: str | None = None
    description: str | None = None
    quantity: Money | None = None
    unit_name: str | None = None
    unit_price: UnitPrice | None = None
    discount_percentage: Money | None = None
    line_item_amount: Money | None = None


class TotalPrice(LexofficeModel):
    """Totals; lexoffice computes every amount, only ``currency`` is sent."""

    read_only = frozenset(
        {
            "total_net_amount",
            "total_gross_amount",
            "total_tax_amount",
            "total_discount_absolute",
            "total_discount_percentage",
        }
    )
    currency: str = "EUR"
    total_net_amount: Money | None = None
    total_gross_amount: Money | None = None
    total_tax_amount: Money | None = None
    total_discount_absolute: Money | None = None
    total_discount_percentage: Money | None = None


class TaxAmount(LexofficeModel):
    """Tax per rate, computed by lexoffice."""

    tax_rate_percentage: Money | None = None
    tax_amount: Money | None = None
    net_amount: Money | None = None


class TaxConditions(LexofficeModel):
    """``tax_type``: net, gross, vatfree, intraCommunitySupply, ..."""

    tax_type: str = "net"
    tax_sub_type: str | None = None
    tax_type_note: str | None = None


class PaymentDiscountConditions(LexofficeModel):
    """Early-payment discount."""

    discount_percentage: Money | None = None
    discount_range: int | None = None


class PaymentConditions(LexofficeModel):
    """Payment terms."""

    payment_term_label: str | None = None
    payment_term_label_template: str | None = None
    payment_term_duration: int | None = None
    payment_discount_conditions: PaymentDiscountConditions | None = None


class ShippingConditions(LexofficeModel):
    """``shipping_type``: service, serviceperiod, delivery, deliveryperiod or none."""

    shipping_date: LexDateTime | None = None
    shipping_end_date: LexDateTime | None = None
    shipping_type: str = "none"


class Invoice(LexofficeModel):
    """A lexoffice invoice. On create, lexoffice needs ``voucher_date``, ``address``,
    ``line_items``, ``total_price.currency``, ``tax_conditions.tax_type`` and
    ``shipping_conditions.shipping_type``; everything it computes is read-only."""

    read_only = frozenset(
        {
            "id",
            "organization_id",
            "created_date",
            "updated_date",
            "version",
            "voucher_status",
            "voucher_number",
            "tax_amounts",
            "archived",
            "files",
        }
    )
    id: str | None = None
    organization_id: str | None = None
    created_date: LexDateTime | None = None
    updated_date: LexDateTime | None = None
    version: int | None = None
    language: str | None = None
    archived: bool | None = None
    voucher_status: str | None = None
    voucher_number: str | None = None
    voucher_date: LexDateTime | None = None
    due_date: LexDateTime | None = None
    address: InvoiceAddress | None = None
    x_rechnung: XRechnung | None = None
    electronic_document_profile: str | None = None
    line_items: list[LineItem] = Field(default_factory=list)
    total_price: TotalPrice = Field(default_factory=TotalPrice)
    tax_amounts: list[TaxAmount] | None = None
    tax_conditions: TaxConditions = Field(default_factory=TaxConditions)
    payment_conditions: PaymentConditions | None = None
    shipping_conditions: ShippingConditions = Field(default_factory=ShippingConditions)
    title: str | None = None
    introduction: str | None = None
    remark: str | None = None
    files: dict[str, Any] | None = None


class ActionResult(LexofficeModel):
    """What lexoffice answers to a create or update: the id and the new version."""

    id: str
    resource_uri: str | None = None
    created_date: LexDateTime | None = None
    updated_date: LexDateTime | None = None
    version: int | None = None


class Profile(LexofficeModel):
    """``GET /v1/profile``: the organisation behind the credential (more fields are kept)."""

    organization_id: str | None = None
    company_name: str | None = None
    connection_id: str | None = None
    """The OAuth connection (``token.revoked`` events name it as their ``resourceId``)."""
    tax_type: str | None = None
    small_business: bool | None = None


class VoucherListItem(LexofficeModel):
    """One row of ``/v1/voucherlist``."""

    id: str
    voucher_type: str | None = None
    voucher_status: str | None = None
    voucher_number: str | None = None
    voucher_date: LexDateTime | None = None
    created_date: LexDateTime | None = None
    updated_date: LexDateTime | None = None
    due_date: LexDateTime | None = None
    contact_id: str | None = None
    contact_name: str | None = None
    total_amount: Money | None = None
    open_amount: Money | None = None
    currency: str | None = None
    archived: bool | None = None


class InvoiceFile(LexofficeModel):
    """A downloaded invoice document."""

    content: bytes
    media_type: str
    filename: str | None = None


T = TypeVar("T", bound=LexofficeModel)


class Page(LexofficeModel, Generic[T]):
    """One page of a paged resource (``number`` is 0-based)."""

    content: list[T]
    first: bool = True
    last: bool = True
    total_pages: int = 0
    total_elements: int = 0
    number_of_elements: int = 0
    size: int = 0
    number: int = 0
