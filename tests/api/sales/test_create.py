"""Sales vouchers, create / pursue / finalize, against lexoffice's documented exchanges (§3c).

Every request is checked whole (method, URL with its query, headers, body digit for
digit); every answer is parsed and checked as the reference shows it. Both backends, and
both kinds of credential (API key, OAuth access token).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from lexoffice_auth.api import (
    CreditNote,
    DeliveryNote,
    Dunning,
    Invoice,
    LineItem,
    OrderConfirmation,
    PaymentConditions,
    Quotation,
    QuotationLineItem,
    ShippingConditions,
    TaxConditions,
    UnitPrice,
    VoucherAddress,
)
from lexoffice_auth.errors import ConfigurationError, InvalidBody, ValidationFailed

from .world import (
    CN,
    DN,
    DUN,
    HUBER,
    INV,
    OC,
    QUOTE,
    R,
    action_result,
    api,
    assert_json_request,
    exact,
    regular_error,
    sent,
    sent_all,
)

pytestmark = pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])

QUOTATION_BODY = """
{"voucherDate":"2025-09-15T00:00:00.000+02:00","expirationDate":"2025-10-15T00:00:00.000+02:00",
 "address":{"contactId":"HUBER"},
 "lineItems":[
  {"type":"custom","name":"Wartungsvertrag Heizungsanlage (12 Monate)","quantity":1,
   "unitName":"Pauschale","unitPrice":{"currency":"EUR","grossAmount":297.50,
   "taxRatePercentage":19}},
  {"type":"custom","name":"Abgasmessung","quantity":1,"unitName":"Pauschale",
   "unitPrice":{"currency":"EUR","grossAmount":59.50,"taxRatePercentage":19},"optional":true}],
 "totalPrice":{"currency":"EUR"},"taxConditions":{"taxType":"gross"},"title":"Angebot"}
"""

ORDER_CONFIRMATION_BODY = """
{"voucherDate":"2025-09-22T00:00:00.000+02:00","address":{"contactId":"HUBER"},
 "lineItems":[
  {"id":"ART_THERME","type":"material","name":"Gas-Brennwerttherme 25 kW","quantity":1,
   "unitName":"Stück","unitPrice":{"currency":"EUR","netAmount":3450.00,"taxRatePercentage":19},
   "discountPercentage":0},
  {"id":"ART_MONTAGE","type":"service","name":"Installation Heiztechnik","quantity":8,
   "unitName":"Stunde","unitPrice":{"currency":"EUR","netAmount":68.00,"taxRatePercentage":19},
   "discountPercentage":0}],
 "totalPrice":{"currency":"EUR"},"taxConditions":{"taxType":"net"},
 "paymentConditions":{"paymentTermLabel":"Zahlbar in 14 Tagen, rein netto",
   "paymentTermDuration":14},
 "shippingConditions":{"shippingDate":"2025-10-06T00:00:00.000+02:00","shippingType":"delivery"},
 "title":"Auftragsbestätigung","deliveryTerms":"Lieferung frei Baustelle"}
"""

DELIVERY_NOTE_BODY = """
{"voucherDate":"2025-10-06T00:00:00.000+02:00","address":{"contactId":"HUBER"},
 "lineItems":[{"id":"ART_THERME","type":"material","name":"Gas-Brennwerttherme 25 kW",
   "quantity":1,"unitName":"Stück"}],
 "taxConditions":{"taxType":"net"},"title":"Lieferschein",
   "deliveryTerms":"Lieferung frei Baustelle"}
"""

CREDIT_NOTE_BODY = """
{"voucherDate":"2025-09-24T00:00:00.000+02:00",
 "address":{"name":"Anna Schmidt","street":"Hauptstraße 5","zip":"10115","city":"Berlin",
   "countryCode":"DE"},
 "lineItems":[
  {"type":"custom","name":"Thermostatkopf (Rücknahme)","quantity":2,"unitName":"Stück",
   "unitPrice":{"currency":"EUR","netAmount":24.90,"taxRatePercentage":19}},
  {"type":"custom","name":"Fachbuch Heizungstechnik","quantity":1,"unitName":"Stück",
   "unitPrice":{"currency":"EUR","netAmount":39.00,"taxRatePercentage":7}}],
 "totalPrice":{"currency":"EUR"},"taxConditions":{"taxType":"net"},
 "title":"Gutschrift","introduction":"Gutschrift zu Ihrer Rücksendung vom 19.09.2025"}
"""

DUNNING_BODY = """
{"voucherDate":"2025-10-27T00:00:00.000+01:00","address":{"contactId":"HUBER"},
 "lineItems":[
  {"id":"ART_THERME","type":"material","name":"Gas-Brennwerttherme 25 kW","quantity":1,
   "unitName":"Stück","unitPrice":{"currency":"EUR","netAmount":3450.00,"taxRatePercentage":19}},
  {"id":"ART_MONTAGE","type":"service","name":"Installation Heiztechnik","quantity":8,
   "unitName":"Stunde","unitPrice":{"currency":"EUR","netAmount":68.00,"taxRatePercentage":19}}],
 "totalPrice":{"currency":"EUR"},"taxConditions":{"taxType":"net"},
 "shippingConditions":{"shippingDate":"2025-10-06T00:00:00.000+02:00","shippingType":"delivery"},
 "title":"1. Mahnung"}
"""

THERME = "bb9b16c2-8677-4b34-b3e3-1a63c88214f8"
MONTAGE = "2f21c1de-c781-4bb0-9e4d-1c3e64ddbc55"


def line(
    kind: type[LineItem],
    name: str,
    quantity: int,
    unit: str,
    *,
    net: str | None = None,
    gross: str | None = None,
    rate: int = 19,
    **fields: Any,
) -> LineItem:
    """A line of ``kind`` priced net or gross at ``rate`` %; ``fields``: any other field."""
    price = UnitPrice(net_amount=net, gross_amount=gross, tax_rate_percentage=rate)
    return kind(name=name, quantity=quantity, unit_name=unit, unit_price=price, **fields)


def heating_lines(*, discounts: bool) -> list[LineItem]:
    """The order's two lines: the boiler and eight hours of installation."""
    extra: dict[str, Any] = {"discount_percentage": Decimal(0)} if discounts else {}
    boiler = "Gas-Brennwerttherme 25 kW"
    return [
        line(LineItem, boiler, 1, "Stück", net="3450.00", id=THERME, type="material", **extra),
        line(
            LineItem,
            "Installation Heiztechnik",
            8,
            "Stunde",
            net="68.00",
            id=MONTAGE,
            type="service",
            **extra,
        ),
    ]


def delivered() -> ShippingConditions:
    return ShippingConditions(shipping_date=datetime(2025, 10, 6), shipping_type="delivery")


def a_quotation(*, expires: bool = True) -> Quotation:
    # Naive datetimes are German time: 15.09.2025 is summer time, +02:00.
    return Quotation(
        voucher_date=datetime(2025, 9, 15),
        expiration_date=datetime(2025, 10, 15) if expires else None,
        address=VoucherAddress(contact_id=HUBER),
        line_items=[
            line(
                QuotationLineItem,
                "Wartungsvertrag Heizungsanlage (12 Monate)",
                1,
                "Pauschale",
                gross="297.50",
            ),
            line(
                QuotationLineItem,
                "Abgasmessung",
                1,
                "Pauschale",
                gross="59.50",
                optional=True,
            ),
        ],
        tax_conditions=TaxConditions(tax_type="gross"),
        title="Angebot",
    )


def an_order_confirmation() -> OrderConfirmation:
    return OrderConfirmation(
        voucher_date=datetime(2025, 9, 22),
        address=VoucherAddress(contact_id=HUBER),
        line_items=heating_lines(discounts=True),
        payment_conditions=PaymentConditions(
            payment_term_label="Zahlbar in 14 Tagen, rein netto", payment_term_duration=14
        ),
        shipping_conditions=delivered(),
        title="Auftragsbestätigung",
        delivery_terms="Lieferung frei Baustelle",
    )


@pytest.mark.parametrize("auth", ["key", "oauth"])
async def test_a_quotation_is_created_as_a_draft(anyio_backend: str, auth: str) -> None:
    async with api(auth) as (lx, router):
        router.post("/v1/quotations").mock(return_value=action_result("QUOTE"))
        result = await lx.quotations.create(a_quotation())
    token = "key" if auth == "key" else "oauth-access-token"
    assert_json_request(sent(router), "POST", f"{R}/quotations", QUOTATION_BODY, token)
    assert result.id == QUOTE and result.version == 1
    assert result.resource_uri == f"{R}/quotations/{QUOTE}"


async def test_a_quotation_without_expiration_date_is_refused(anyio_backend: str) -> None:
    details = '[{"violation":"NOTNULL","field":"expirationDate","message":"darf nicht leer sein"}]'
    message = "Validation failed for request. Please see details list for specific causes."
    async with api() as (lx, router):
        route = router.post("/v1/quotations").mock(
            return_value=regular_error(406, "/v1/quotations", message, details)
        )
        with pytest.raises(InvalidBody) as local:  # the documented rule, checked first
            await lx.quotations.create(a_quotation(expires=False))
        assert not route.called
        assert local.value.details == (
            {"field": "expirationDate", "violation": "NOTNULL", "message": "required"},
        )
        body_sent = a_quotation(expires=False).to_api()
        with pytest.raises(ValidationFailed) as caught:  # what lexoffice says to such a body
            await lx.request("POST", "/v1/quotations", json_body=body_sent)
    body = exact(sent(router).content)
    assert "expirationDate" not in body and body["voucherDate"] == "2025-09-15T00:00:00.000+02:00"
    error = caught.value
    assert error.status_code == 406 and error.trace_id == "4c1f0a9e7d2b"
    assert error.details[0]["field"] == "expirationDate"
    assert error.details[0]["violation"] == "NOTNULL"


async def test_quotations_cannot_be_pursued(anyio_backend: str) -> None:
    async with api() as (lx, _):
        assert not hasattr(lx.quotations, "pursue")
        assert not hasattr(lx.quotations, "update") and not hasattr(lx.quotations, "delete")


async def test_a_quotation_with_an_optional_line_cannot_become_an_order(
    anyio_backend: str,
) -> None:
    async with api() as (lx, router):
        router.post("/v1/order-confirmations").mock(
            return_value=regular_error(406, "/v1/order-confirmations", "Ungültige Vorgängerbeleg")
        )
        with pytest.raises(ValidationFailed, match="406"):
            await lx.order_confirmations.pursue(QUOTE, an_order_confirmation())
    request = sent(router)
    assert str(request.url) == f"{R}/order-confirmations?precedingSalesVoucherId={QUOTE}"


async def test_an_order_confirmation_is_created_finalized(anyio_backend: str) -> None:
    async with api() as (lx, router):
        router.post("/v1/order-confirmations").mock(return_value=action_result("OC"))
        result = await lx.order_confirmations.create(an_order_confirmation(), finalize=True)
    assert_json_request(
        sent(router), "POST", f"{R}/order-confirmations?finalize=true", ORDER_CONFIRMATION_BODY
    )
    assert result.id == OC


async def test_a_delivery_note_follows_the_order_confirmation(anyio_backend: str) -> None:
    note = DeliveryNote(
        voucher_date=datetime(2025, 10, 6),
        address=VoucherAddress(contact_id=HUBER),
        line_items=[
            LineItem(
                id=THERME,
                type="material",
                name="Gas-Brennwerttherme 25 kW",
                quantity=1,
                unit_name="Stück",
            )
        ],
        title="Lieferschein",
        delivery_terms="Lieferung frei Baustelle",
    )
    async with api() as (lx, router):
        router.post("/v1/delivery-notes").mock(return_value=action_result("DN"))
        result = await lx.delivery_notes.pursue(OC, note)
    url = f"{R}/delivery-notes?precedingSalesVoucherId={OC}"
    assert_json_request(sent(router), "POST", url, DELIVERY_NOTE_BODY)
    assert result.id == DN


async def test_the_invoice_closes_the_chain_finalized(anyio_backend: str) -> None:
    oc = an_order_confirmation()
    invoice = Invoice(
        voucher_date=datetime(2025, 10, 6),
        address=oc.address,
        line_items=oc.line_items,
        tax_conditions=oc.tax_conditions,
        shipping_conditions=oc.shipping_conditions,
    )
    async with api() as (lx, router):
        router.post("/v1/invoices").mock(return_value=action_result("INV"))
        result = await lx.invoices.pursue(DN, invoice, finalize=True)
    request = sent(router)
    assert str(request.url) == f"{R}/invoices?precedingSalesVoucherId={DN}&finalize=true"
    body = exact(request.content)
    assert body["shippingConditions"]["shippingType"] == "delivery"
    assert body["lineItems"][0]["unitPrice"]["netAmount"] == ("number", "3450.00")
    assert "dueDate" not in body and "voucherNumber" not in body
    assert result.id == INV


async def test_a_standalone_credit_note_is_created_finalized(anyio_backend: str) -> None:
    note = CreditNote(
        voucher_date=datetime(2025, 9, 24),
        address=VoucherAddress(
            name="Anna Schmidt",
            street="Hauptstraße 5",
            zip="10115",
            city="Berlin",
            country_code="DE",
        ),
        line_items=[
            line(
                LineItem,
                "Thermostatkopf (Rücknahme)",
                2,
                "Stück",
                net="24.90",
            ),
            line(
                LineItem,
                "Fachbuch Heizungstechnik",
                1,
                "Stück",
                net="39.00",
                rate=7,
            ),
        ],
        title="Gutschrift",
        introduction="Gutschrift zu Ihrer Rücksendung vom 19.09.2025",
    )
    async with api("oauth") as (lx, router):
        router.post("/v1/credit-notes").mock(return_value=action_result("CN"))
        result = await lx.credit_notes.create(note, finalize=True)
    assert_json_request(
        sent(router),
        "POST",
        f"{R}/credit-notes?finalize=true",
        CREDIT_NOTE_BODY,
        "oauth-access-token",
    )
    assert result.id == CN and result.version == 1


async def test_a_credit_note_pursued_from_a_draft_invoice_is_refused(anyio_backend: str) -> None:
    note = CreditNote(voucher_date=datetime(2025, 10, 20), address=VoucherAddress(contact_id=HUBER))
    async with api() as (lx, router):
        router.post("/v1/credit-notes").mock(
            side_effect=[
                action_result("CN"),
                regular_error(406, "/v1/credit-notes", "Rechnung ist ein Entwurf"),
            ]
        )
        assert (await lx.credit_notes.pursue(INV, note, finalize=True)).id == CN
        with pytest.raises(ValidationFailed) as caught:
            await lx.credit_notes.pursue(INV, note)
    urls = [str(request.url) for request in sent_all(router)]
    assert urls == [
        f"{R}/credit-notes?precedingSalesVoucherId={INV}&finalize=true",
        f"{R}/credit-notes?precedingSalesVoucherId={INV}",
    ]
    assert "Entwurf" in str(caught.value)


async def test_a_dunning_follows_an_invoice_and_is_never_finalized(anyio_backend: str) -> None:
    dunning = Dunning(
        voucher_date=datetime(2025, 10, 27),  # winter time: +01:00
        address=VoucherAddress(contact_id=HUBER),
        line_items=heating_lines(discounts=False),
        shipping_conditions=delivered(),
        title="1. Mahnung",
    )
    async with api() as (lx, router):
        router.post("/v1/dunnings").mock(return_value=action_result("DUN"))
        assert not hasattr(lx.dunnings, "create")  # the preceding invoice is mandatory
        with pytest.raises(ConfigurationError, match="cannot be finalized"):
            await lx.dunnings.pursue(INV, dunning, finalize=True)
        assert router.calls.call_count == 0
        result = await lx.dunnings.pursue(INV, dunning)
    url = f"{R}/dunnings?precedingSalesVoucherId={INV}"
    assert_json_request(sent(router), "POST", url, DUNNING_BODY)
    assert result.id == DUN


async def test_read_only_fields_read_back_are_not_sent(anyio_backend: str) -> None:
    read_back = OrderConfirmation.model_validate(
        {
            **exact_free(ORDER_CONFIRMATION_BODY),
            "id": OC,
            "organizationId": "c88a9840-24b8-448c-997b-fef49ddb78d3",
            "createdDate": "2025-09-22T09:00:00.000+02:00",
            "updatedDate": "2025-09-22T09:00:00.000+02:00",
            "version": 1,
            "archived": False,
            "voucherStatus": "open",
            "voucherNumber": "AB1007",
            "electronicDocumentProfile": "NONE",
            "taxAmounts": [{"taxRatePercentage": 19, "taxAmount": 758.86, "netAmount": 3994.00}],
            "relatedVouchers": [],
            "files": {"documentFileId": "f"},
        }
    )
    assert read_back.line_items[0].unit_price is not None
    read_back.total_price.total_net_amount = Decimal("3994.00")
    read_back.line_items[0].line_item_amount = Decimal("3450.00")
    assert read_back.payment_conditions is not None
    read_back.payment_conditions.payment_term_label_template = "Zahlbar in {paymentRange} Tagen"
    async with api() as (lx, router):
        router.post("/v1/order-confirmations").mock(return_value=action_result("OC"))
        await lx.order_confirmations.create(read_back)
    assert_json_request(sent(router), "POST", f"{R}/order-confirmations", ORDER_CONFIRMATION_BODY)


def exact_free(text: str) -> dict[str, object]:
    """The reference body as plain JSON (amounts as Decimal), with the UUIDs swapped in."""
    import json

    from .world import world

    parsed: dict[str, object] = json.loads(world(text), parse_float=Decimal)
    return parsed
