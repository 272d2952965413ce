"""The reference lists, payments, profile, ping and voucherlist as §3c shows them; both auth
kinds (an API key; OAuth with a refresh on 401) and both backends (asyncio, trio)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest

from lexoffice_auth.api import (
    Country,
    LexofficeClient,
    PaymentCondition,
    PaymentConditionDiscount,
    PostingCategory,
    PrintLayout,
)
from lexoffice_auth.errors import ApiKeyRejected, ConfigurationError, Unauthorized, ValidationFailed
from tests.session.test_auth import fresh_auth
from tests.support.fake_provider import FakeProvider

from .books_helpers import (
    CN,
    CONN,
    HUBER,
    INV,
    LAYOUT1,
    LAYOUT2,
    ORG,
    PC1,
    PC2,
    USER,
    R,
    client,
    json_response,
    lexoffice,
)
from .helpers import FAST_RETRY

SUMMER = timezone(timedelta(hours=2))
WINTER = timezone(timedelta(hours=1))
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
PROFILE: dict[str, Any] = {
    "organizationId": ORG,
    "companyName": "Schneider Heiztechnik GmbH",
    "created": {
        "userId": USER,
        "userName": "Frau Julia Schneider",
        "userEmail": "julia.schneider@schneider-heiztechnik.de",
        "date": "2024-02-12T09:41:07.000+01:00",
    },
    "connectionId": CONN,
    "features": ["cashbox"],
    "businessFeatures": ["INVOICING", "INVOICING_PRO", "BOOKKEEPING"],
    "subscriptionStatus": "active",
    "taxType": "net",
    "distanceSalesPrinciple": "ORIGIN",
    "smallBusiness": False,
}
PING = {"userEmail": "julia.schneider@schneider-heiztechnik.de"}
UNAUTHORIZED = {"message": "Unauthorized"}


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


async def test_payments_open_and_paid_and_a_draft() -> None:
    open_invoice = (
        '{"openAmount":2752.86,"currency":"EUR","paymentStatus":"openRevenue",'
        '"voucherType":"invoice","voucherStatus":"open","paymentItems":[{"paymentItemType":'
        '"partPaymentFinancialTransaction","postingDate":"2025-10-15T00:00:00.000+02:00",'
        '"amount":2000.00,"currency":"EUR"}]}'
    )
    paid = (
        '{"openAmount":0.0,"currency":"EUR","paymentStatus":"balanced","voucherType":"invoice",'
        '"voucherStatus":"paid","paidDate":"2025-10-20T09:12:44.000+02:00","paymentItems":['
        '{"paymentItemType":"partPaymentFinancialTransaction","postingDate":'
        '"2025-10-20T00:00:00.000+02:00","amount":4657.80,"currency":"EUR"},'
        '{"paymentItemType":"cashDiscount","postingDate":"2025-10-20T00:00:00.000+02:00",'
        '"amount":95.06,"currency":"EUR"}]}'
    )
    draft = {
        "timestamp": "2025-10-01T10:00:00.000+02:00",
        "status": 406,
        "error": "Not Acceptable",
        "path": f"/v1/payments/{CN}",
        "traceId": "1a2b3c",
        "message": "Voucher is in draft state",
    }
    with lexoffice() as api:
        route = api.get(f"/v1/payments/{INV}").mock(
            side_effect=[json_response(200, open_invoice), json_response(200, paid)]
        )
        api.get(f"/v1/payments/{CN}").mock(return_value=json_response(406, draft))
        async with client() as lx:
            first = await lx.payments.get(INV)
            second = await lx.payments.get(INV)
            with pytest.raises(ValidationFailed) as caught:
                await lx.payments.get(CN)
    _assert_get(route.calls.last.request, f"{R}/payments/{INV}")
    assert first.open_amount == Decimal("2752.86") and first.paid_date is None
    assert first.payment_status == "openRevenue" and first.voucher_status == "open"
    assert first.payment_items is not None and first.payment_items[0].amount == Decimal("2000")
    assert first.payment_items[0].posting_date == datetime(2025, 10, 15, tzinfo=SUMMER)
    assert second.open_amount == 0 and second.payment_status == "balanced"
    assert second.paid_date == datetime(2025, 10, 20, 9, 12, 44, tzinfo=SUMMER)
    assert second.payment_items is not None
    amounts = [i.amount for i in second.payment_items]
    assert amounts == [Decimal("4657.80"), Decimal("95.06")]
    assert sum(a for a in amounts if a is not None) == Decimal("4752.86")
    error = caught.value
    assert error.status_code == 406 and error.trace_id == "1a2b3c"
    assert "Voucher is in draft state" in error.message
    assert "no payment data for this voucher; drafts (finalize them first)" in error.message


async def test_a_payments_error_other_than_406_is_left_as_it_is() -> None:
    with lexoffice() as api:
        api.get(f"/v1/payments/{INV}").mock(return_value=json_response(400, {"message": "bad"}))
        async with client() as lx:
            with pytest.raises(ValidationFailed) as caught:
                await lx.payments.get(INV)
    assert caught.value.message == f"GET /v1/payments/{INV}: HTTP 400: bad"


async def test_profile_with_and_without_a_distance_sales_principle_and_ping() -> None:
    without = {k: v for k, v in PROFILE.items() if k != "distanceSalesPrinciple"}
    with lexoffice() as api:
        profile_route = api.get("/v1/profile").mock(
            side_effect=[json_response(200, PROFILE), json_response(200, without)]
        )
        ping_route = api.get("/v1/ping").mock(return_value=json_response(200, PING))
        async with client() as lx:
            profile = await lx.profile()
            second = await lx.profile()
            ping = await lx.ping()
    _assert_get(profile_route.calls.last.request, f"{R}/profile")
    _assert_get(ping_route.calls.last.request, f"{R}/ping")
    assert profile.organization_id == ORG and profile.connection_id == CONN
    assert profile.company_name == "Schneider Heiztechnik GmbH"
    assert profile.created is not None and profile.created.user_id == USER
    assert profile.created.date == datetime(2024, 2, 12, 9, 41, 7, tzinfo=WINTER)
    assert profile.business_features == ["INVOICING", "INVOICING_PRO", "BOOKKEEPING"]
    assert profile.distance_sales_principle == "ORIGIN" and profile.small_business is False
    assert profile.tax_type == "net"
    # Fields the field table does not list are kept.
    assert profile.model_extra == {"features": ["cashbox"], "subscriptionStatus": "active"}
    assert second.distance_sales_principle is None and second.tax_type == "net"
    assert ping.user_email == "julia.schneider@schneider-heiztechnik.de"


class _PlainBearer(httpx.Auth):
    """A bearer that lets a 401 through (no refresh, no error of its own)."""

    api_origins = ("https://api.lexware.io",)

    def auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = "Bearer key"
        yield request


async def test_a_rejected_credential_on_ping_is_unauthorized() -> None:
    with lexoffice() as api:
        api.get("/v1/ping").mock(return_value=json_response(401, UNAUTHORIZED))
        async with LexofficeClient(_PlainBearer(), rate_limit=None, retry=FAST_RETRY) as lx:
            with pytest.raises(Unauthorized) as caught:
                await lx.ping()
        assert caught.value.message == "GET /v1/ping: HTTP 401: Unauthorized"
        assert caught.value.status_code == 401
        async with client() as lx:  # an API key cannot be renewed: its own error says so
            with pytest.raises(ApiKeyRejected, match="create a new key"):
                await lx.ping()


async def _oauth_client() -> tuple[LexofficeClient, FakeProvider]:
    """A client over OAuth tokens at-0 (refresh token rt-0), refreshed by a fake provider."""
    _, provider, auth, _ = await fresh_auth()
    return LexofficeClient(auth, rate_limit=None, retry=FAST_RETRY), provider


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_oauth_refreshes_on_401_and_a_second_401_is_unauthorized(anyio_backend: str) -> None:
    lx, provider = await _oauth_client()
    with lexoffice() as api:
        ping = api.get("/v1/ping").mock(
            side_effect=[
                json_response(401, UNAUTHORIZED),  # at-0 revoked early: refresh, retry
                json_response(200, PING),  # at-1 accepted
                json_response(401, UNAUTHORIZED),  # at-1 revoked later: refresh again
                json_response(401, UNAUTHORIZED),  # at-2 rejected as soon as issued
            ]
        )
        async with lx:
            assert (await lx.ping()).user_email == PING["userEmail"]
            with pytest.raises(Unauthorized):
                await lx.ping()
    tokens = [c.request.headers["Authorization"] for c in ping.calls]
    assert tokens == ["Bearer at-0", "Bearer at-1", "Bearer at-1", "Bearer at-2"]
    # A token the API had accepted is refreshed when rejected (hardening round 2, item 4);
    # one it never accepted is not refreshed again: no 401 loop.
    assert provider.calls == 2


async def test_oauth_reads_the_books_too() -> None:
    lx, _ = await _oauth_client()
    with lexoffice() as api:
        route = api.get("/v1/print-layouts").mock(return_value=json_response(200, PRINT_LAYOUTS))
        async with lx:
            layouts = await lx.print_layouts.list()
    _assert_get(route.calls.last.request, f"{R}/print-layouts", token="at-0")
    assert [layout.id for layout in layouts.content] == [LAYOUT1, LAYOUT2]


VOUCHERLIST = (
    f'{{"content":[{{"id":"{INV}","voucherType":"invoice","voucherStatus":"open",'
    '"voucherNumber":"RE1042","voucherDate":"2025-10-06T00:00:00.000+02:00",'
    '"createdDate":"2025-10-06T16:02:11.000+02:00","updatedDate":"2025-10-15T08:30:02.000+02:00",'
    f'"dueDate":"2025-10-20T00:00:00.000+02:00","contactId":"{HUBER}",'
    '"contactName":"Bäckerei Huber GmbH & Co. KG","totalAmount":4752.86,"openAmount":2752.86,'
    f'"currency":"EUR","archived":false}},{{"id":"{CN}","voucherType":"creditnote",'
    '"voucherStatus":"open","voucherNumber":"GS1003","voucherDate":"2025-09-24T00:00:00.000+02:00",'
    '"createdDate":"2025-09-24T10:15:40.000+02:00","updatedDate":"2025-09-24T10:15:40.000+02:00",'
    '"dueDate":null,"contactId":null,"contactName":"Anna Schmidt","totalAmount":100.99,'
    '"openAmount":100.99,"currency":"EUR","archived":false}],"first":true,"last":true,'
    '"totalPages":1,"totalElements":2,"numberOfElements":2,"size":250,"number":0,'
    '"sort":[{"property":"voucherdate","direction":"DESC","ignoreCase":false,'
    '"nullHandling":"NATIVE","ascending":false}]}'
)


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_voucherlist_sends_the_documented_query_and_reads_the_rows(
    anyio_backend: str,
) -> None:
    with lexoffice() as api:
        route = api.get("/v1/voucherlist").mock(return_value=json_response(200, VOUCHERLIST))
        async with client() as lx:
            page = await lx.voucherlist.list(
                voucher_type=["invoice", "creditnote"],
                voucher_status="open",
                voucher_date_from="2025-09-01",
                voucher_date_to=date(2025, 10, 31),
                sort="voucherDate,DESC",
                size=250,
            )
    assert str(route.calls.last.request.url) == (
        f"{R}/voucherlist?voucherType=invoice%2Ccreditnote&voucherStatus=open"
        "&voucherDateFrom=2025-09-01&voucherDateTo=2025-10-31&sort=voucherDate%2CDESC"
        "&page=0&size=250"
    )
    _assert_get(route.calls.last.request, str(route.calls.last.request.url))
    first, second = page.content
    assert first.id == INV and first.contact_id == HUBER and first.voucher_number == "RE1042"
    assert first.total_amount == Decimal("4752.86") and first.open_amount == Decimal("2752.86")
    assert first.voucher_date == datetime(2025, 10, 6, tzinfo=SUMMER)
    assert second.contact_id is None and second.due_date is None  # the one-time address
    assert second.contact_name == "Anna Schmidt" and second.archived is False


async def test_voucherlist_every_filter() -> None:
    with lexoffice() as api:
        route = api.get("/v1/voucherlist").mock(return_value=json_response(200, VOUCHERLIST))
        async with client() as lx:
            await lx.voucherlist.list()
            await lx.voucherlist.list(
                voucher_type="purchaseinvoice",
                voucher_status=["unchecked", "open"],
                archived=False,
                contact_id=HUBER,
                voucher_number="RE & <1>",
                created_date_from=datetime(2025, 1, 2, 23, 30),
                created_date_to="2025-01-03",
                updated_date_from=date(2025, 2, 1),
                updated_date_to=date(2025, 2, 1),
                sort="voucherNumber",
                page=3,
                size=1,
            )
            await lx.voucherlist.list(voucher_status="overdue", sort="updatedDate, desc")
    urls = [str(c.request.url) for c in route.calls]
    assert urls == [
        f"{R}/voucherlist?voucherType=any&voucherStatus=any&page=0&size=25",
        f"{R}/voucherlist?voucherType=purchaseinvoice&voucherStatus=unchecked%2Copen"
        f"&archived=false&contactId={HUBER}&voucherNumber=RE%20%26amp%3B%20%26lt%3B1%26gt%3B"
        "&createdDateFrom=2025-01-02&createdDateTo=2025-01-03&updatedDateFrom=2025-02-01"
        "&updatedDateTo=2025-02-01&sort=voucherNumber%2CASC&page=3&size=1",
        f"{R}/voucherlist?voucherType=any&voucherStatus=overdue&sort=updatedDate%2CDESC"
        "&page=0&size=25",
    ]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"voucher_type": []}, "voucher_type must be a non-empty string"),
        ({"voucher_status": ""}, "voucher_status must be a non-empty string"),
        ({"size": 251}, "size must be an int from 1 to 250"),
        ({"page": -1}, "page must be an int >= 0"),
        ({"archived": "yes"}, "archived must be True, False or None"),
        ({"contact_id": "a/b"}, "not a contact id"),
        ({"voucher_number": ""}, "voucher_number must be a non-empty string"),
        ({"voucher_date_from": "1.9.2025"}, "voucherDateFrom must be a date or 'yyyy-MM-dd'"),
        (
            {"updated_date_from": "2025-02-02", "updated_date_to": "2025-02-01"},
            "start date is after",
        ),
        ({"sort": "totalAmount,DESC"}, "sort must be one of"),
        ({"sort": "voucherDate,UP"}, "sort must be one of"),
        ({"split_by": "dueDate"}, "split_by must be one of"),
    ],
)
async def test_voucherlist_refuses_what_lexoffice_would(
    options: dict[str, Any], message: str
) -> None:
    with lexoffice():
        async with client() as lx:
            with pytest.raises(ConfigurationError, match=message):
                lx.voucherlist.list(**options)
