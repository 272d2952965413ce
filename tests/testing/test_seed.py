"""The sandbox's regular-shape endpoints refuse bodies that are not a JSON object alike."""

from __future__ import annotations

import pytest

from lexoffice_auth.testing import FakeLexoffice

pytestmark = pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])

ENDPOINTS = ["/v1/invoices", "/v1/event-subscriptions"]


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    ("content", "content_type", "status", "message"),
    [
        (b"{}", "text/plain", 415, "Content-Type must be application/json"),
        (b"{not json", "application/json", 400, "body is not valid JSON"),
        (b"[1]", "application/json; charset=utf-8", 400, "body must be a JSON object"),
    ],
)
async def test_a_body_that_is_no_json_object_is_a_regular_error(
    path: str, content: bytes, content_type: str, status: int, message: str
) -> None:
    fake = FakeLexoffice(rate_limit=None)
    key = fake.add_api_key()
    async with fake.client() as http:
        response = await http.post(
            f"{fake.api_base}{path}",
            content=content,
            headers={"Authorization": f"Bearer {key}", "Content-Type": content_type},
        )

    assert response.status_code == status
    body = response.json()
    assert body["status"] == status
    assert body["message"] == message
    assert body["path"] == path
    assert fake.api.invoices == {} and fake.events.subscriptions == {}


async def test_add_invoice_and_post_v1_invoices_store_alike() -> None:
    fake = FakeLexoffice(rate_limit=None)
    key = fake.add_api_key()
    seeded = fake.add_invoice(net_amount=100)
    body = {k: v for k, v in fake.api.invoices[seeded].data.items() if k in _WRITABLE}
    async with fake.client() as http:
        response = await http.post(
            f"{fake.api_base}/v1/invoices?finalize=true",
            json=body,
            headers={"Authorization": f"Bearer {key}"},
        )
    assert response.status_code == 201, response.text
    posted = fake.api.invoices[response.json()["id"]].data
    stored = fake.api.invoices[seeded].data
    assert posted["voucherStatus"] == stored["voucherStatus"] == "open"
    assert posted["totalPrice"] == stored["totalPrice"]
    assert posted["id"] != stored["id"]
    assert fake.add_invoice(status="paid") in fake.api.invoices
    assert [s.data["voucherStatus"] for s in fake.api.invoices.values()][-1] == "paid"
    assert fake.api.invoices[fake.add_invoice(status="draft")].data["voucherStatus"] == "draft"


_WRITABLE = (
    "voucherDate",
    "address",
    "lineItems",
    "totalPrice",
    "taxConditions",
    "shippingConditions",
)
