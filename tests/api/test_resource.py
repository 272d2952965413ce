"""``Resource`` (``api/_resource.py``): plain arrays as one page, the shared page-size rule."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from lexoffice_auth.api import (
    Country,
    PaymentCondition,
    PaymentConditionDiscount,
    PostingCategory,
    PrintLayout,
)
from lexoffice_auth.errors import ConfigurationError

from .books_helpers import (
    LAYOUT1,
    LAYOUT2,
    PC1,
    PC2,
    R,
    client,
    json_response,
    lexoffice,
)
from .helpers import recording_client

COUNTRIES = (
    '[{"countryCode":"DE","countryNameDE":"Deutschland","countryNameEN":"Germany",'
    '"taxClassification":"de"},{"countryCode":"AT","countryNameDE":"Österreich",'
    '"countryNameEN":"Austria","taxClassification":"intraCommunity"},{"countryCode":"CH",'
    '"countryNameDE":"Schweiz","countryNameEN":"Switzerland",'
    '"taxClassification":"thirdPartyCountry"}]'
)
PAYMENT_CONDITIONS = (
    f'[{{"id":"{PC1}","paymentTermLabelTemplate":"Zahlbar in {{paymentRange}} Tagen, rein '
    f'netto","paymentTermDuration":14,"organizationDefault":true}},{{"id":"{PC2}",'
    '"paymentTermLabelTemplate":"{discountRange} Tage -{discount}, {paymentRange} Tage netto",'
    '"paymentTermDuration":30,"paymentDiscountConditions":{"discountPercentage":2.00,'
    '"discountRange":10},"organizationDefault":false}]'
)
POSTING_CATEGORIES = (
    '[{"id":"8f8664a8-fd86-11e1-a21f-0800200c9a66","name":"Warenverkäufe","type":"income",'
    '"contactRequired":false,"splitAllowed":true,"groupName":"Einnahmen"},'
    '{"id":"8f8664a0-fd86-11e1-a21f-0800200c9a66","name":"Dienstleistung","type":"income",'
    '"contactRequired":false,"splitAllowed":true,"groupName":"Einnahmen"},'
    '{"id":"3620798f-ae06-4492-b775-1c87eb99247c","name":"Fahrtkosten MA","type":"outgo",'
    '"contactRequired":false,"splitAllowed":true,"groupName":"Reisen"}]'
)
PRINT_LAYOUTS = (
    f'[{{"id":"{LAYOUT1}","name":"Standard","default":true}},'
    f'{{"id":"{LAYOUT2}","name":"Briefpapier mit Logo","default":false}}]'
)


def _assert_get(request: httpx.Request, url: str, token: str = "key") -> None:
    assert request.method == "GET" and str(request.url) == url and request.content == b""
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Authorization"] == f"Bearer {token}"


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_the_plain_arrays_are_read_as_one_page(anyio_backend: str) -> None:
    with lexoffice() as api:
        routes = {
            "countries": api.get("/v1/countries").mock(return_value=json_response(200, COUNTRIES)),
            "payment-conditions": api.get("/v1/payment-conditions").mock(
                return_value=json_response(200, PAYMENT_CONDITIONS)
            ),
            "posting-categories": api.get("/v1/posting-categories").mock(
                return_value=json_response(200, POSTING_CATEGORIES)
            ),
            "print-layouts": api.get("/v1/print-layouts").mock(
                return_value=json_response(200, PRINT_LAYOUTS)
            ),
        }
        async with client() as lx:
            countries = await lx.countries.list()
            conditions = [c async for c in lx.payment_conditions.list()]
            categories = (await lx.posting_categories.list()).content
            layouts = [layout async for layout in lx.print_layouts.list()]
    for name, route in routes.items():
        assert route.call_count == 1
        _assert_get(route.calls.last.request, f"{R}/{name}")
    assert countries.total_elements == 3 and countries.last and countries.total_pages == 1
    assert countries.content[1] == Country(
        country_code="AT",
        country_name_de="Österreich",
        country_name_en="Austria",
        tax_classification="intraCommunity",
    )
    assert conditions == [
        PaymentCondition(
            id=PC1,
            payment_term_label_template="Zahlbar in {paymentRange} Tagen, rein netto",
            payment_term_duration=14,
            organization_default=True,
        ),
        PaymentCondition(
            id=PC2,
            payment_term_label_template=(
                "{discountRange} Tage -{discount}, {paymentRange} Tage netto"
            ),
            payment_term_duration=30,
            payment_discount_conditions=PaymentConditionDiscount(
                discount_percentage=Decimal("2.00"), discount_range=10
            ),
            organization_default=False,
        ),
    ]
    assert [c.organization_default for c in conditions].count(True) == 1
    assert categories[2] == PostingCategory(
        id="3620798f-ae06-4492-b775-1c87eb99247c",
        name="Fahrtkosten MA",
        type="outgo",
        contact_required=False,
        split_allowed=True,
        group_name="Reisen",
    )
    assert [c.name for c in categories] == ["Warenverkäufe", "Dienstleistung", "Fahrtkosten MA"]
    assert layouts == [
        PrintLayout(id=LAYOUT1, name="Standard", default=True),
        PrintLayout(id=LAYOUT2, name="Briefpapier mit Logo", default=False),
    ]


async def test_a_list_that_is_no_array_is_an_api_error() -> None:
    from lexoffice_auth.errors import ApiError

    with lexoffice() as api:
        api.get("/v1/countries").mock(return_value=json_response(200, {"content": []}))
        async with client() as lx:
            with pytest.raises(ApiError, match="not a valid"):
                await lx.countries.list()


@pytest.mark.parametrize("size", [0, 251, True, 2.0])
async def test_contacts_and_invoices_share_the_page_size_rule(size: Any) -> None:
    client, seen = recording_client()
    for call in (client.contacts.list, client.invoices.list):
        with pytest.raises(ConfigurationError, match="size must be an int from 1 to 250"):
            await call(size=size)
        with pytest.raises(ConfigurationError, match="page must be an int >= 0"):
            await call(page=-1)
    assert seen == []


# --- the page walks -------------------------------------------------------------------------
