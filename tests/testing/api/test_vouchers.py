"""Bookkeeping vouchers: create, read back as timestamps, checks, status rules (§3b.19)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Lx
from .world import VOUCHER


async def test_create_and_read_back_dates_as_timestamps(lx: Lx) -> None:
    response = await lx.http.post("/v1/vouchers", json=VOUCHER)
    assert response.status_code == 201
    created = response.json()
    assert created["version"] == 1
    assert response.headers["location"] == created["resourceUri"]
    voucher = await lx.ok("GET", f"/v1/vouchers/{created['id']}")
    assert voucher["voucherStatus"] == "open"
    assert voucher["voucherDate"] == "2025-09-15T00:00:00.000+02:00"
    assert voucher["dueDate"] == "2025-09-15T00:00:00.000+02:00"
    assert (voucher["files"], voucher["version"]) == ([], 1)


@pytest.mark.parametrize(
    ("change", "source"),
    [
        ({"taxType": "net", "voucherStatus": "unchecked"}, "taxType"),
        ({"totalGrossAmount": 172.49}, "totalGrossAmount"),
        ({"totalTaxAmount": 22.0}, "totalTaxAmount"),
        ({"type": "invoice"}, "type"),
        ({"voucherDate": "2025-09-15T00:00:00.000+02:00"}, "voucherDate"),
        ({"voucherStatus": "paid"}, "voucherStatus"),
        ({"useCollectiveContact": False}, "contactId"),
        ({"files": ["6a42e54e-1466-40b5-8972-15d66de5c6d8"]}, "files"),
    ],
)
async def test_invalid_vouchers_are_406_issue_lists(
    lx: Lx, change: dict[str, Any], source: str
) -> None:
    refused = await lx.http.post("/v1/vouchers", json={**VOUCHER, **change})
    assert refused.status_code == 406
    assert source in [i["source"] for i in refused.json()["IssueList"]]


async def test_net_vouchers_add_the_tax_to_the_gross_total(lx: Lx) -> None:
    body = {
        **VOUCHER,
        "taxType": "net",
        "voucherItems": [
            {"amount": 100.00, "taxAmount": 19.00, "taxRatePercent": 19, "categoryId": "c"},
            {"amount": 50.00, "taxAmount": 3.50, "taxRatePercent": 7, "categoryId": "c"},
        ],
    }
    await lx.ok("POST", "/v1/vouchers", 201, json=body)


async def test_unchecked_needs_little_and_may_become_open_once(lx: Lx) -> None:
    unchecked = {"type": "purchaseinvoice", "taxType": "gross", "voucherStatus": "unchecked"}
    created = await lx.ok("POST", "/v1/vouchers", 201, json=unchecked)
    path = f"/v1/vouchers/{created['id']}"
    assert "dueDate" not in await lx.ok("GET", path)
    opened = await lx.ok("PUT", path, json={**VOUCHER, "version": 1})
    assert opened["version"] == 2
    assert (await lx.ok("GET", path))["voucherStatus"] == "open"
    back = await lx.http.put(path, json={**unchecked, "version": 2})
    assert back.status_code == 406


async def test_deprecated_voucher_number_search_decodes_html(lx: Lx) -> None:
    await lx.ok("POST", "/v1/vouchers", 201, json={**VOUCHER, "voucherNumber": "A&B-1"})
    found = await lx.ok("GET", "/v1/vouchers", params={"voucherNumber": "A&amp;B-1"})
    assert [v["voucherNumber"] for v in found["content"]] == ["A&B-1"]
    plain = await lx.ok("GET", "/v1/vouchers", params={"voucherNumber": "A&B-1"})
    assert plain["totalElements"] == 1  # a client that skips the HTML step finds it too
