"""The small lists: countries, payment conditions, posting categories, print layouts
(plain JSON arrays, §3b.3, §3b.12-14)."""

from __future__ import annotations

from pydantic import Field

from ._base import LexofficeModel, Money

__all__ = [
    "Country",
    "PaymentCondition",
    "PaymentConditionDiscount",
    "PostingCategory",
    "PrintLayout",
]


class Country(LexofficeModel):
    """A country lexoffice knows: ``tax_classification`` is ``de``, ``intraCommunity`` or
    ``thirdPartyCountry`` (and may change as countries join or leave the EU)."""

    country_code: str
    # lexoffice capitalises the language codes, which camelCase would not.
    country_name_de: str | None = Field(default=None, alias="countryNameDE")
    country_name_en: str | None = Field(default=None, alias="countryNameEN")
    tax_classification: str | None = None


class PaymentConditionDiscount(LexofficeModel):
    """The early-payment discount of a payment condition."""

    discount_percentage: Money | None = None
    discount_range: int | None = None


class PaymentCondition(LexofficeModel):
    """A payment condition (sales vouchers take its values, not its id)."""

    id: str
    organization_default: bool | None = None
    payment_term_label_template: str | None = None
    payment_term_duration: int | None = None
    payment_discount_conditions: PaymentConditionDiscount | None = None


class PostingCategory(LexofficeModel):
    """A posting category: ``type`` ``income`` (sales vouchers) or ``outgo`` (purchases)."""

    id: str
    name: str | None = None
    type: str | None = None
    contact_required: bool | None = None
    split_allowed: bool | None = None
    group_name: str | None = None


class PrintLayout(LexofficeModel):
    """A print layout for sales vouchers."""

    id: str
    name: str | None = None
    default: bool | None = None
