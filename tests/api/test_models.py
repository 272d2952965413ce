"""``api/models``: lexoffice's datetime format, Decimal money, aliases, read-only fields, and
(hypothesis) any JSON is a model or an ``ApiError``, amounts round-trip exactly."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lexoffice_auth.api import (
    Article,
    ArticlePrice,
    Contact,
    Country,
    FileUpload,
    Invoice,
    LexofficeModel,
    LineItem,
    Payment,
    PaymentCondition,
    PaymentConditionDiscount,
    PaymentItem,
    Ping,
    PostingCategory,
    PrintLayout,
    Profile,
    ShippingConditions,
    TotalPrice,
    UnitPrice,
    Voucher,
    VoucherItem,
    VoucherListItem,
    format_lexoffice_datetime,
)
from lexoffice_auth.api._json import decode_model, parse_model
from lexoffice_auth.errors import ApiError
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


MODELS: list[type[LexofficeModel]] = [
    Article,
    Country,
    FileUpload,
    Payment,
    PaymentCondition,
    Ping,
    PostingCategory,
    PrintLayout,
    Profile,
    Voucher,
    VoucherListItem,
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["2025-09-15", "2025-09-15T00:00:00.000+02:00", "1e400", "NaN"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def _shaped(model: type[LexofficeModel]) -> st.SearchStrategy[Any]:
    """Objects with the model's own field names, any value in each."""
    names = [f.alias or n for n, f in model.model_fields.items()]
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, json_values))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
@given(data=st.data())
def test_any_json_is_a_model_or_an_api_error(model: type[LexofficeModel], data: Any) -> None:
    value = data.draw(_shaped(model) | json_values)
    body = (
        json.dumps(value).encode()
        if data.draw(st.booleans())
        else data.draw(st.binary(max_size=40))
    )
    error: ApiError | None = None
    try:
        parsed = parse_model("GET", "/v1/x", 200, body, model)
    except ApiError as exc:
        error = exc
    if error is not None:
        assert error.status_code == 200 and "/v1/x" in error.message
    else:
        assert isinstance(parsed, model)
        parsed.to_json()  # whatever was read can be sent back


amounts = st.decimals(
    allow_nan=False, allow_infinity=False, places=2, min_value=-(10**12), max_value=10**12
)
long_amounts = st.decimals(
    allow_nan=False, allow_infinity=False, min_value=-(10**20), max_value=10**20
)


@given(
    gross=amounts,
    tax=long_amounts,
    rate=st.sampled_from([Decimal(0), Decimal(5), Decimal(7), Decimal(16), Decimal(19)]),
)
def test_voucher_amounts_round_trip_exactly(gross: Decimal, tax: Decimal, rate: Decimal) -> None:
    voucher = Voucher(
        total_gross_amount=gross,
        total_tax_amount=tax,
        voucher_items=[VoucherItem(amount=gross, tax_amount=tax, tax_rate_percent=rate)],
    )
    back = decode_model(Voucher, voucher.to_json())
    assert back.total_gross_amount == gross and back.total_tax_amount == tax
    assert back.voucher_items is not None
    assert (back.voucher_items[0].amount, back.voucher_items[0].tax_amount) == (gross, tax)


@given(price=long_amounts, percent=amounts, amount=long_amounts)
def test_other_amounts_round_trip_exactly(
    price: Decimal, percent: Decimal, amount: Decimal
) -> None:
    article = Article(price=ArticlePrice(gross_price=price, leading_price="GROSS", tax_rate=19))
    assert decode_model(Article, article.to_json()).price == ArticlePrice(
        gross_price=price, leading_price="GROSS", tax_rate=Decimal(19)
    )
    condition = PaymentCondition(
        id="pc", payment_discount_conditions=PaymentConditionDiscount(discount_percentage=percent)
    )
    back = decode_model(PaymentCondition, condition.to_json())
    assert back.payment_discount_conditions == condition.payment_discount_conditions
    payment = Payment(open_amount=amount, payment_items=[PaymentItem(amount=amount)])
    assert decode_model(Payment, payment.to_json()) == payment
    row = VoucherListItem(id="v", total_amount=amount, open_amount=price)
    assert decode_model(VoucherListItem, row.to_json()) == row
