"""The read-only resources: plain arrays, profile, ping, recurring templates, payments."""

from __future__ import annotations

import pytest

from .conftest import Lx
from .world import add_huber


@pytest.mark.parametrize(
    ("path", "first"),
    [
        (
            "/v1/countries",
            {
                "countryCode": "DE",
                "countryNameDE": "Deutschland",
                "countryNameEN": "Germany",
                "taxClassification": "de",
            },
        ),
        (
            "/v1/print-layouts",
            {"id": "4d2e24ad-5668-4c88-ac25-acbfe9c9db99", "name": "Standard", "default": True},
        ),
        (
            "/v1/posting-categories",
            {
                "id": "8f8664a8-fd86-11e1-a21f-0800200c9a66",
                "name": "Warenverkäufe",
                "type": "income",
                "contactRequired": False,
                "splitAllowed": True,
                "groupName": "Einnahmen",
            },
        ),
    ],
)
async def test_plain_arrays_are_not_pages(lx: Lx, path: str, first: dict[str, object]) -> None:
    body = await lx.ok("GET", path)
    assert isinstance(body, list) and body[0] == first


async def test_payment_conditions_have_one_default(lx: Lx) -> None:
    conditions = await lx.ok("GET", "/v1/payment-conditions")
    assert [c["organizationDefault"] for c in conditions] == [True, False]
    assert conditions[1]["paymentDiscountConditions"] == {
        "discountPercentage": 2.0,
        "discountRange": 10,
    }


async def test_profile_and_ping(lx: Lx) -> None:
    profile = await lx.ok("GET", "/v1/profile")
    assert profile["organizationId"] == lx.fake.organization_id
    assert "distanceSalesPrinciple" not in profile  # absent until the user sets it
    assert (await lx.ok("GET", "/v1/ping")) == {"userEmail": "max.mustermann@example.com"}


async def test_recurring_templates_page_by_next_execution(lx: Lx) -> None:
    huber = add_huber(lx.fake)
    for day in ("2025-12-01", "2025-10-01", "2025-11-01"):
        lx.fake.add_recurring_template(contact_id=huber, next_execution_date=day)
    seen, page = [], 0
    while True:
        body = await lx.ok(
            "GET", f"/v1/recurring-templates?page={page}&size=1&sort=nextExecutionDate,ASC"
        )
        (row,) = body["content"]
        assert set(row["address"]) <= {"contactId", "name"}
        assert "lineItems" not in row  # rows are trimmed
        seen.append(row["recurringTemplateSettings"]["nextExecutionDate"])
        assert (body["totalPages"], body["totalElements"], body["number"]) == (3, 3, page)
        if body["last"]:
            break
        page += 1
    assert seen == ["2025-10-01", "2025-11-01", "2025-12-01"]
    full = await lx.ok("GET", f"/v1/recurring-templates/{body['content'][0]['id']}")
    assert full["lineItems"] and full["taxConditions"] == {"taxType": "net"}
    assert (await lx.http.get("/v1/recurring-templates?sort=title,ASC")).status_code == 400
    assert (await lx.http.get("/v1/recurring-templates?size=251")).status_code == 400


async def test_payments_of_a_part_paid_and_a_fully_paid_invoice(lx: Lx) -> None:
    huber = add_huber(lx.fake)
    part = lx.fake.add_invoice(contact_id=huber, net_amount=3994)
    lx.fake.add_payment(part, 2000, posting_date="2025-10-15T00:00:00.000+02:00")
    assert await lx.ok("GET", f"/v1/payments/{part}") == {
        "openAmount": 2752.86,
        "currency": "EUR",
        "paymentStatus": "openRevenue",
        "voucherType": "invoice",
        "voucherStatus": "open",
        "paymentItems": [
            {
                "paymentItemType": "partPaymentFinancialTransaction",
                "postingDate": "2025-10-15T00:00:00.000+02:00",
                "amount": 2000.00,
                "currency": "EUR",
            }
        ],
    }
    full = lx.fake.add_invoice(contact_id=huber, net_amount=3994)
    lx.fake.add_payment(full, 4657.80)
    lx.fake.add_payment(full, 95.06, item_type="cashDiscount")
    paid = await lx.ok("GET", f"/v1/payments/{full}")
    assert (paid["openAmount"], paid["paymentStatus"], paid["voucherStatus"]) == (
        0.0,
        "balanced",
        "paid",
    )
    assert paid["paidDate"] == "2025-09-01T09:14:05.211+02:00"
    assert [i["amount"] for i in paid["paymentItems"]] == [4657.80, 95.06]


async def test_payments_refuse_drafts_and_voucher_types_without_payments(lx: Lx) -> None:
    draft = lx.fake.add_invoice(status="draft")
    assert (await lx.http.get(f"/v1/payments/{draft}")).status_code == 406
    quote = lx.fake.add_quotation()
    assert (await lx.http.get(f"/v1/payments/{quote}")).status_code == 406
    unknown = "00000000-0000-0000-0000-000000000000"
    assert (await lx.http.get(f"/v1/payments/{unknown}")).status_code == 404
    voucher = lx.fake.add_voucher(voucher_type="purchaseinvoice", gross_amount=119)
    bookkeeping = await lx.ok("GET", f"/v1/payments/{voucher}")
    assert (bookkeeping["paymentStatus"], bookkeeping["voucherType"]) == (
        "openExpense",
        "purchaseinvoice",
    )
