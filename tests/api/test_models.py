"""Models: lexoffice's datetime format, Decimal money, aliases, read-only fields."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from lexoffice_auth.api import (
    Contact,
    Invoice,
    LineItem,
    ShippingConditions,
    TotalPrice,
    UnitPrice,
    format_lexoffice_datetime,
)
from lexoffice_auth.testing import FakeLexoffice

from .helpers import sandbox_client


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (
            datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=timezone.utc),
            "2024-05-01T10:00:00.123+00:00",
        ),
        (
            datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
            "2024-01-02T03:04:05.000-05:30",
        ),
        (datetime(2024, 7, 1, 12, 0), "2024-07-01T12:00:00.000+02:00"),  # naive: Berlin, summer
        (datetime(2024, 12, 1, 12, 0), "2024-12-01T12:00:00.000+01:00"),  # naive: Berlin, winter
    ],
)
def test_datetimes_are_sent_in_lexoffice_format(value: datetime, text: str) -> None:
    assert format_lexoffice_datetime(value) == text
    body = Invoice(voucher_date=value, shipping_conditions=ShippingConditions(shipping_date=value))
    sent = body.to_api()
    assert sent["voucherDate"] == text and sent["shippingConditions"]["shippingDate"] == text


def test_money_is_decimal_in_and_a_json_number_out() -> None:
    item = LineItem.model_validate(
        {
            "name": "x",
            "quantity": "1.2500",
            "unitPrice": {"netAmount": 0.1, "grossAmount": "1337.00"},
        }
    )
    assert item.quantity == Decimal("1.2500")
    assert item.unit_price is not None and item.unit_price.net_amount == Decimal("0.1")
    text = item.to_json().decode()
    # The digits go out as they came in: no float in between, trailing zeros kept.
    assert '"quantity":1.2500' in text and '"netAmount":0.1' in text
    assert '"grossAmount":1337.00' in text
    assert json.loads(text, parse_float=Decimal)["unitPrice"]["grossAmount"] == Decimal("1337")
    with pytest.raises(ValueError, match="finite"):
        UnitPrice(net_amount=Decimal("NaN"))


def test_read_only_fields_are_never_sent_but_unknown_ones_are() -> None:
    invoice = Invoice.model_validate(
        {
            "id": "i",
            "organizationId": "o",
            "version": 2,
            "voucherStatus": "open",
            "voucherNumber": "RE1",
            "createdDate": "2024-05-01T10:00:00.000+02:00",
            "totalPrice": {"currency": "EUR", "totalGrossAmount": 119},
            "lineItems": [{"name": "a", "lineItemAmount": 100, "newThing": True}],
            "taxAmounts": [{"taxAmount": 19}],
            "brandNew": [1],
        }
    )
    assert invoice.to_api() == {
        "lineItems": [{"type": "custom", "name": "a", "newThing": True}],
        "totalPrice": {"currency": "EUR"},
        "taxConditions": {"taxType": "net"},
        "shippingConditions": {"shippingType": "none"},
        "brandNew": [1],
    }
    assert TotalPrice(total_net_amount=Decimal(1)).to_api() == {"currency": "EUR"}
    assert Contact(first_name_typo=1).to_api() == {"version": 0, "roles": {}, "first_name_typo": 1}


async def test_modify_accepts_an_async_change_returning_a_new_contact() -> None:
    fake = FakeLexoffice(rate_limit=None)
    cid = fake.add_contact(name="Alt GmbH")

    async def replace(contact: Contact) -> Contact:
        return contact.model_copy(update={"note": "neu"}, deep=True)

    async with sandbox_client(fake) as client:
        result = await client.contacts.modify(cid, replace)
        assert result.version == 1
        assert (await client.contacts.get(cid)).note == "neu"
