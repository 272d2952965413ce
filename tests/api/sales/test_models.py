"""Sales-voucher models: which fields each type has (reference §3b.1), read-only fields,
quotation lines, template dates; hypothesis over every model (arbitrary JSON parses or is
an ``ApiError``; amounts round-trip exactly)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lexoffice_auth.api import (
    CreditNote,
    DeliveryNote,
    DownPaymentInvoice,
    Dunning,
    Invoice,
    LexofficeModel,
    LineItem,
    OrderConfirmation,
    Quotation,
    QuotationLineItem,
    QuotationSubItem,
    RecurringTemplate,
    RecurringTemplateSettings,
    TotalPrice,
    UnitPrice,
)
from lexoffice_auth.api._json import decode_model, parse_model
from lexoffice_auth.errors import ApiError

from ..test_properties import json_values

SALES_MODELS: list[type[LexofficeModel]] = [
    Invoice,
    Quotation,
    OrderConfirmation,
    DeliveryNote,
    CreditNote,
    DownPaymentInvoice,
    Dunning,
    RecurringTemplate,
]

# §3b.1 per-type differences: the optional parts each type has (1) or lacks (0).
#            number  total  payment  shipping  delivery  due  date
PARTS = {
    Invoice: (1, 1, 1, 1, 1, 1, 1),
    Quotation: (1, 1, 1, 0, 0, 0, 1),
    OrderConfirmation: (1, 1, 1, 1, 1, 0, 1),
    DeliveryNote: (1, 0, 0, 1, 1, 0, 1),
    CreditNote: (1, 1, 0, 0, 0, 0, 1),
    DownPaymentInvoice: (1, 1, 1, 1, 1, 1, 1),
    Dunning: (0, 1, 0, 1, 0, 0, 1),
    RecurringTemplate: (0, 1, 1, 0, 0, 0, 0),
}
PART_FIELDS = (
    "voucher_number",
    "total_price",
    "payment_conditions",
    "shipping_conditions",
    "delivery_terms",
    "due_date",
    "voucher_date",
)


@pytest.mark.parametrize("model", SALES_MODELS, ids=lambda m: m.__name__)
def test_each_type_has_exactly_its_documented_parts(model: type[LexofficeModel]) -> None:
    has = tuple(int(name in model.model_fields) for name in PART_FIELDS)
    assert has == PARTS[model]  # type: ignore[index]
    for shared in ("address", "line_items", "tax_conditions", "related_vouchers", "title"):
        assert shared in model.model_fields


@pytest.mark.parametrize("model", SALES_MODELS, ids=lambda m: m.__name__)
def test_read_only_fields_are_fields_and_never_sent(model: type[LexofficeModel]) -> None:
    assert model.read_only <= set(model.model_fields)
    for name in ("id", "organization_id", "version", "related_vouchers", "created_date"):
        assert name in model.read_only
    for name in ("voucher_number", "voucher_status", "tax_amounts", "due_date", "files"):
        assert (name in model.read_only) == (name in model.model_fields)
    full = model.model_validate(
        {
            field.alias or name: None
            for name, field in model.model_fields.items()
            if field.default_factory is None  # the parts with a default are never null
        }
        | {"id": "x", "version": 3, "relatedVouchers": [], "surprise": {"kept": True}}
    )
    sent = full.to_api()
    assert not {model.model_fields[n].alias for n in model.read_only} & set(sent)
    assert sent["surprise"] == {"kept": True}


def test_required_parts_are_sent_by_default() -> None:
    # totalPrice.currency, taxConditions.taxType and (where required) shippingType.
    for model in (Invoice, OrderConfirmation, Dunning):
        sent = model().to_api()
        assert sent["totalPrice"] == {"currency": "EUR"}
        assert sent["taxConditions"] == {"taxType": "net"}
        assert sent["shippingConditions"] == {"shippingType": "none"}
    assert "shippingConditions" not in DeliveryNote().to_api()  # optional there
    assert "totalPrice" not in DeliveryNote().to_api()
    assert CreditNote().to_api() == {
        "lineItems": [],
        "totalPrice": {"currency": "EUR"},
        "taxConditions": {"taxType": "net"},
    }


def test_quotation_lines_optional_and_alternatives() -> None:
    quotation = Quotation(
        line_items=[
            QuotationLineItem(
                name="Wartung 12 Monate",
                quantity=1,
                unit_price=UnitPrice(net_amount="250.00", tax_rate_percentage=19),
                sub_items=[QuotationSubItem(name="Wartung 24 Monate", quantity=1)],
            ),
            QuotationLineItem(name="Abgasmessung", quantity=1, optional=True),
        ]
    )
    lines = quotation.to_api()["lineItems"]
    assert lines[0]["subItems"] == [
        {"type": "custom", "name": "Wartung 24 Monate", "quantity": Decimal(1), "alternative": True}
    ]
    assert lines[1]["optional"] is True and "alternative" not in lines[1]
    assert "optional" not in QuotationSubItem.model_fields
    assert "sub_items" not in QuotationSubItem.model_fields
    assert "alternative" not in QuotationLineItem.model_fields


def test_template_settings_are_days() -> None:
    schedule = RecurringTemplateSettings.model_validate(
        {"startDate": "2025-07-01", "endDate": None, "nextExecutionDate": "2025-10-01"}
    )
    assert schedule.start_date == date(2025, 7, 1) and schedule.end_date is None
    assert schedule.to_api() == {"startDate": "2025-07-01", "nextExecutionDate": "2025-10-01"}


def shaped_like(model: type[LexofficeModel]) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies with the model's own keys (and nested line items), any value in any field."""
    keys = {field.alias or name: json_values for name, field in model.model_fields.items()}
    line = st.fixed_dictionaries(
        {},
        optional={
            "unitPrice": json_values,
            "quantity": json_values,
            "subItems": st.lists(
                st.dictionaries(st.sampled_from(["alternative", "name"]), json_values)
            ),
            "optional": json_values,
        },
    )
    keys["lineItems"] = st.lists(line, max_size=3) | json_values
    return st.fixed_dictionaries({}, optional=keys)


# Eight models share this property, which tests/api/test_models.py also checks for every
# other model: a quarter of the profile's examples each (the nightly profile still scales it).
@pytest.mark.parametrize("model", SALES_MODELS, ids=lambda m: m.__name__)
@settings(max_examples=max(20, settings.default.max_examples // 4))
@given(data=st.data())
def test_arbitrary_json_parses_or_is_an_api_error(model: type[LexofficeModel], data: Any) -> None:
    body = data.draw(shaped_like(model) | json_values)
    try:
        parsed = parse_model("GET", "/v1/x", 200, json.dumps(body).encode(), model)
    except ApiError as exc:
        error = exc
    else:
        json.loads(parsed.to_json())  # what parses can be sent back
        return
    assert "/v1/x" in str(error)


amounts = st.decimals(
    min_value=Decimal("-1e15"), max_value=Decimal("1e15"), allow_nan=False, allow_infinity=False
)


@pytest.mark.parametrize("model", SALES_MODELS, ids=lambda m: m.__name__)
@given(net=amounts, quantity=amounts, rate=amounts, discount=amounts)
def test_amounts_round_trip_exactly(
    model: type[LexofficeModel], net: Decimal, quantity: Decimal, rate: Decimal, discount: Decimal
) -> None:
    line = LineItem(
        quantity=quantity,
        unit_price=UnitPrice(net_amount=net, tax_rate_percentage=rate),
    )
    fields: dict[str, Any] = {"line_items": [line.model_dump()]}
    if "total_price" in model.model_fields:
        fields["total_price"] = TotalPrice(total_discount_absolute=discount)
    voucher = model.model_validate(fields)
    sent = voucher.to_json()
    assert f'"netAmount":{net:f}'.encode() in sent  # the digits as given, no exponent
    back = decode_model(model, sent)
    line_back = back.line_items[0]  # type: ignore[attr-defined]
    assert line_back.quantity == quantity
    assert line_back.unit_price.net_amount == net
    assert line_back.unit_price.tax_rate_percentage == rate
    if "total_price" in model.model_fields:
        assert back.total_price.total_discount_absolute == discount  # type: ignore[attr-defined]
    assert decode_model(model, back.to_json()) == back
