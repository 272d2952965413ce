"""hypothesis over the bookkeeping and reference models: any JSON gives a model or an
``ApiError``; amounts survive ``to_json()`` and ``decode_model`` exactly."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lexoffice_auth.api import (
    Article,
    ArticlePrice,
    Country,
    FileUpload,
    LexofficeModel,
    Payment,
    PaymentCondition,
    PaymentConditionDiscount,
    PaymentItem,
    Ping,
    PostingCategory,
    PrintLayout,
    Profile,
    Voucher,
    VoucherItem,
    VoucherListItem,
)
from lexoffice_auth.api._client import parse_model
from lexoffice_auth.api._json import decode_model
from lexoffice_auth.errors import ApiError

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
