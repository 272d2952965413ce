"""The voucherlist: every voucher kind, the filters, overdue, sort, paging (§3b.18)."""

from __future__ import annotations

import pytest

from lexoffice_auth.testing._state import Record

from .conftest import Lx
from .world import CREDIT_NOTE, HUBER_NAME, VOUCHER, add_huber


async def test_the_reference_query_lists_invoice_and_credit_note(lx: Lx) -> None:
    huber = add_huber(lx.fake)
    inv = lx.fake.add_invoice(
        contact_id=huber, net_amount=3994, voucher_date="2025-10-06T00:00:00.000+02:00"
    )
    lx.fake.add_payment(inv, 2000)
    note = lx.fake.add_credit_note(CREDIT_NOTE)
    lx.fake.add_quotation(contact_id=huber, voucher_date="2025-10-01T00:00:00.000+02:00")
    lx.fake.add_invoice(contact_id=huber, voucher_date="2025-08-31T00:00:00.000+02:00")
    query = (
        "voucherType=invoice,creditnote&voucherStatus=open&voucherDateFrom=2025-09-01"
        "&voucherDateTo=2025-10-31&sort=voucherDate,DESC&page=0&size=250"
    )
    body = await lx.ok("GET", f"/v1/voucherlist?{query}")
    first, second = body["content"]
    assert (first["id"], second["id"]) == (inv, note)
    assert first["contactName"] == HUBER_NAME
    assert (first["totalAmount"], first["openAmount"]) == (4752.86, 2752.86)
    assert (second["contactId"], second["contactName"], second["dueDate"]) == (
        None,
        "Anna Schmidt",
        None,
    )
    assert (second["totalAmount"], second["openAmount"]) == (100.99, 100.99)
    assert set(first) == {
        "id", "voucherType", "voucherStatus", "voucherNumber", "voucherDate", "createdDate",
        "updatedDate", "dueDate", "contactId", "contactName", "totalAmount", "openAmount",
        "currency", "archived",
    }  # fmt: skip
    assert (body["first"], body["last"], body["totalPages"], body["totalElements"]) == (
        True,
        True,
        1,
        2,
    )
    assert body["sort"][0]["property"] == "voucherdate" and body["sort"][0]["direction"] == "DESC"


async def test_any_lists_every_sales_kind_and_bookkeeping_voucher_but_no_dunning(lx: Lx) -> None:
    huber = add_huber(lx.fake)
    inv = lx.fake.add_invoice(contact_id=huber)
    lx.fake.add_quotation(contact_id=huber)
    lx.fake.add_order_confirmation(contact_id=huber)
    lx.fake.add_delivery_note(contact_id=huber)
    lx.fake.add_credit_note(contact_id=huber)
    lx.fake.add_down_payment_invoice(contact_id=huber)
    lx.fake.add_dunning(inv)
    lx.fake.add_voucher(VOUCHER)
    lx.fake.add_invoice(status="paid")
    body = await lx.ok("GET", "/v1/voucherlist?voucherType=any&voucherStatus=any")
    paid = next(r for r in body["content"] if r["voucherStatus"] == "paid")
    assert (paid["totalAmount"], paid["openAmount"]) == (119.0, 0.0)
    assert sorted(r["voucherType"] for r in body["content"]) == [
        "creditnote",
        "deliverynote",
        "downpaymentinvoice",
        "invoice",
        "invoice",
        "orderconfirmation",
        "quotation",
        "salesinvoice",
    ]
    salesinvoice = next(r for r in body["content"] if r["voucherType"] == "salesinvoice")
    assert (salesinvoice["contactName"], salesinvoice["totalAmount"]) == (
        "Barverkauf Ladengeschäft",
        172.5,
    )


async def test_overdue_is_queried_alone_and_also_found_as_open(lx: Lx) -> None:
    due = {"paymentTermLabel": "14 Tage", "paymentTermDuration": 14}
    body = {
        "voucherDate": "2025-08-01T00:00:00.000+02:00",
        "address": {"name": "Kunde", "countryCode": "DE"},
        "lineItems": [
            {"type": "custom", "name": "x", "quantity": 1, "unitName": "Stück",
             "unitPrice": {"currency": "EUR", "netAmount": 10, "taxRatePercentage": 19}},
        ],
        "totalPrice": {"currency": "EUR"},
        "taxConditions": {"taxType": "net"},
        "shippingConditions": {"shippingType": "none"},
        "paymentConditions": due,
    }  # fmt: skip
    late = lx.fake.add_invoice(body)
    on_time = lx.fake.add_invoice()
    overdue = await lx.ok("GET", "/v1/voucherlist?voucherType=invoice&voucherStatus=overdue")
    assert [r["id"] for r in overdue["content"]] == [late]
    assert overdue["content"][0]["voucherStatus"] == "overdue"
    opened = await lx.ok("GET", "/v1/voucherlist?voucherType=invoice&voucherStatus=open")
    assert {r["id"] for r in opened["content"]} == {late, on_time}
    combined = await lx.http.get("/v1/voucherlist?voucherType=invoice&voucherStatus=open,overdue")
    assert combined.status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "voucherStatus=open",
        "voucherType=invoice",
        "voucherType=dunning&voucherStatus=open",
        "voucherType=invoice&voucherStatus=late",
        "voucherType=invoice&voucherStatus=open&voucherDateFrom=2025-09-01T00:00:00.000+02:00",
        "voucherType=invoice&voucherStatus=open&size=251",
        "voucherType=invoice&voucherStatus=open&page=-1",
        "voucherType=invoice&voucherStatus=open&sort=totalAmount,ASC",
        "voucherType=invoice&voucherStatus=open&archived=maybe",
    ],
)
async def test_bad_queries_are_regular_400s(lx: Lx, query: str) -> None:
    refused = await lx.http.get(f"/v1/voucherlist?{query}")
    assert refused.status_code == 400
    assert refused.json()["status"] == 400 and refused.json()["path"] == "/v1/voucherlist"


async def test_paging_sorting_and_filters(lx: Lx) -> None:
    huber = add_huber(lx.fake)
    days = ["2025-09-03", "2025-09-01", "2025-09-02"]
    ids = [
        lx.fake.add_invoice(contact_id=huber, voucher_date=f"{d}T10:00:00.000+02:00") for d in days
    ]
    lx.fake.add_invoice(voucher_date="2025-09-02T10:00:00.000+02:00")
    base = f"/v1/voucherlist?voucherType=invoice&voucherStatus=open&contactId={huber}"
    page = await lx.ok("GET", f"{base}&sort=voucherDate,ASC&size=2&page=1")
    assert [r["id"] for r in page["content"]] == [ids[0]]
    assert (page["first"], page["last"], page["totalPages"], page["number"]) == (False, True, 2, 1)
    window = await lx.ok("GET", f"{base}&voucherDateFrom=2025-09-02&voucherDateTo=2025-09-02")
    assert [r["id"] for r in window["content"]] == [ids[2]]
    by_number = await lx.ok("GET", f"{base}&sort=voucherNumber,DESC")
    assert [r["voucherNumber"] for r in by_number["content"]] == ["RE0003", "RE0002", "RE0001"]
    found = await lx.ok(
        "GET",
        "/v1/voucherlist",
        params={"voucherType": "any", "voucherStatus": "any", "voucherNumber": "RE0002"},
    )
    assert [r["id"] for r in found["content"]] == [ids[1]]


async def test_contact_search_decodes_url_then_html(lx: Lx) -> None:
    huber = add_huber(lx.fake)
    # The reference's own example: "&" HTML-escaped, then URL-encoded.
    query = "name=B%C3%A4ckerei%20Huber%20GmbH%20%26amp%3B%20Co.%20KG&customer=true"
    page = await lx.ok("GET", f"/v1/contacts?{query}")
    assert [c["id"] for c in page["content"]] == [huber]
    assert page["content"][0]["roles"]["customer"]["number"] == 10001
    skipped = await lx.ok("GET", "/v1/contacts", params={"name": "Huber GmbH & Co"})
    assert [c["id"] for c in skipped["content"]] == [huber]


async def test_at_most_10000_hits_are_counted_and_paged(lx: Lx) -> None:
    contacts = lx.fake.api.contacts
    for n in range(10_001):
        cid = f"00000000-0000-4000-8000-{n:012d}"
        data = {"id": cid, "version": 0, "roles": {}, "company": {"name": f"K{n:05d}"}}
        contacts[cid] = Record(data, 0.0, 0.0)
    last = await lx.ok("GET", "/v1/contacts?page=39&size=250")
    assert (last["totalElements"], last["totalPages"], last["last"]) == (10_000, 40, True)
    beyond = await lx.http.get("/v1/contacts?page=40&size=250")
    assert beyond.status_code == 400
    assert beyond.json()["IssueList"][0]["source"] == "Maximum search window size exceeded"
