"""Sales vouchers read back: ``get`` of every type and the recurring templates' list, with
lexoffice's answers shaped as the reference shows them (§3c)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import respx

from lexoffice_auth.api import (
    CreditNote,
    DeliveryNote,
    DownPaymentInvoice,
    Dunning,
    Invoice,
    OrderConfirmation,
    Quotation,
    RecurringTemplate,
)
from lexoffice_auth.errors import ApiError, ConfigurationError, NotFound

from .world import (
    CN,
    DN,
    DPI,
    DUN,
    HUBER,
    INV,
    OC,
    QUOTE,
    RTPL,
    R,
    api,
    assert_json_request,
    json_response,
    regular_error,
    sent,
    sent_all,
)

pytestmark = pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])

CEST = timezone(timedelta(hours=2))
META = (
    '"organizationId":"ORG","createdDate":"2025-09-15T10:12:31.233+02:00",'
    '"updatedDate":"2025-09-15T10:12:31.233+02:00","version":1,"language":"de","archived":false,'
)
HUBER_ADDRESS = (
    '"address":{"contactId":"HUBER","name":"Bäckerei Huber GmbH & Co. KG",'
    '"street":"Lindenstraße 12","city":"München","zip":"80331","countryCode":"DE"},'
)
HEATING_LINES = """"lineItems":[
  {"id":"ART_THERME","type":"material","name":"Gas-Brennwerttherme 25 kW","quantity":1,
   "unitName":"Stück","unitPrice":{"currency":"EUR","netAmount":3450.00,"grossAmount":4105.50,
   "taxRatePercentage":19},"discountPercentage":0,"lineItemAmount":3450.00},
  {"id":"ART_MONTAGE","type":"service","name":"Installation Heiztechnik","quantity":8,
   "unitName":"Stunde","unitPrice":{"currency":"EUR","netAmount":68.00,"grossAmount":80.92,
   "taxRatePercentage":19},"discountPercentage":0,"lineItemAmount":544.00}],
 "totalPrice":{"currency":"EUR","totalNetAmount":3994.00,"totalGrossAmount":4752.86,
   "totalTaxAmount":758.86},
 "taxAmounts":[{"taxRatePercentage":19,"taxAmount":758.86,"netAmount":3994.00}],
 "taxConditions":{"taxType":"net"},"""

QUOTATION = (
    '{"id":"QUOTE",' + META + '"voucherStatus":"draft",'
    '"voucherDate":"2025-09-15T00:00:00.000+02:00",'
    '"expirationDate":"2025-10-15T00:00:00.000+02:00",'
    + HUBER_ADDRESS
    + """"electronicDocumentProfile":"NONE","lineItems":[
  {"type":"custom","name":"Wartungsvertrag Heizungsanlage (12 Monate)","quantity":1,
   "unitName":"Pauschale","unitPrice":{"currency":"EUR","netAmount":250.00,"grossAmount":297.50,
   "taxRatePercentage":19},"lineItemAmount":297.50,"optional":false,
   "subItems":[{"type":"custom","name":"Wartungsvertrag (24 Monate)","quantity":1,
     "unitName":"Pauschale","unitPrice":{"currency":"EUR","grossAmount":535.50,
     "taxRatePercentage":19},"lineItemAmount":535.50,"alternative":true}]},
  {"type":"custom","name":"Abgasmessung","quantity":1,"unitName":"Pauschale",
   "unitPrice":{"currency":"EUR","netAmount":50.00,"grossAmount":59.50,"taxRatePercentage":19},
   "lineItemAmount":59.50,"optional":true}],
 "totalPrice":{"currency":"EUR","totalNetAmount":250.00,"totalGrossAmount":297.50,
   "totalTaxAmount":47.50},
 "taxAmounts":[{"taxRatePercentage":19,"taxAmount":47.50,"netAmount":250.00}],
 "taxConditions":{"taxType":"gross"},"relatedVouchers":[],"title":"Angebot"}"""
)

ORDER_CONFIRMATION = (
    '{"id":"OC",' + META + '"voucherStatus":"open","voucherNumber":"AB1007",'
    '"voucherDate":"2025-09-22T00:00:00.000+02:00",'
    + HUBER_ADDRESS
    + '"electronicDocumentProfile":"NONE",'
    + HEATING_LINES
    + """"paymentConditions":{"paymentTermLabel":"Zahlbar in 14 Tagen, rein netto",
   "paymentTermLabelTemplate":"Zahlbar in {paymentRange} Tagen, rein netto",
   "paymentTermDuration":14},
 "shippingConditions":{"shippingDate":"2025-10-06T00:00:00.000+02:00","shippingType":"delivery"},
 "relatedVouchers":[{"id":"QUOTE","voucherNumber":"AG1011","voucherType":"quotation"}],
 "title":"Auftragsbestätigung","deliveryTerms":"Lieferung frei Baustelle"}"""
)

DELIVERY_NOTE = (
    '{"id":"DN",' + META + '"voucherStatus":"open","voucherNumber":"LS1005",'
    '"voucherDate":"2025-10-06T00:00:00.000+02:00",'
    + HUBER_ADDRESS
    + """"electronicDocumentProfile":"NONE",
 "lineItems":[{"id":"ART_THERME","type":"material","name":"Gas-Brennwerttherme 25 kW",
   "quantity":1,"unitName":"Stück"}],
 "taxConditions":{"taxType":"net"},
 "relatedVouchers":[{"id":"OC","voucherNumber":"AB1007","voucherType":"orderconfirmation"}],
 "title":"Lieferschein","deliveryTerms":"Lieferung frei Baustelle"}"""
)

CREDIT_NOTE = (
    '{"id":"CN",' + META + '"voucherStatus":"open","voucherNumber":"GS1003",'
    """"voucherDate":"2025-09-24T00:00:00.000+02:00",
 "address":{"name":"Anna Schmidt","street":"Hauptstraße 5","zip":"10115","city":"Berlin",
   "countryCode":"DE"},
 "electronicDocumentProfile":"NONE",
 "lineItems":[
  {"type":"custom","name":"Thermostatkopf (Rücknahme)","quantity":2,"unitName":"Stück",
   "unitPrice":{"currency":"EUR","netAmount":24.90,"grossAmount":29.631,"taxRatePercentage":19},
   "lineItemAmount":49.80},
  {"type":"custom","name":"Fachbuch Heizungstechnik","quantity":1,"unitName":"Stück",
   "unitPrice":{"currency":"EUR","netAmount":39.00,"grossAmount":41.73,"taxRatePercentage":7},
   "lineItemAmount":39.00}],
 "totalPrice":{"currency":"EUR","totalNetAmount":88.80,"totalGrossAmount":100.99,
   "totalTaxAmount":12.19},
 "taxAmounts":[{"taxRatePercentage":7,"taxAmount":2.73,"netAmount":39.00},
   {"taxRatePercentage":19,"taxAmount":9.46,"netAmount":49.80}],
 "taxConditions":{"taxType":"net"},"relatedVouchers":[],
 "title":"Gutschrift","introduction":"Gutschrift zu Ihrer Rücksendung vom 19.09.2025"}"""
)

DOWN_PAYMENT_INVOICE = """
{"id":"DPI","organizationId":"ORG","version":2,"language":"de","archived":false,
 "voucherStatus":"open","voucherNumber":"RE1040",
 "voucherDate":"2025-09-10T00:00:00.000+02:00","dueDate":"2025-09-24T00:00:00.000+02:00",
 "address":{"contactId":"HUBER","name":"Bäckerei Huber GmbH & Co. KG","street":"Lindenstraße 12",
   "city":"München","zip":"80331","countryCode":"DE"},
 "electronicDocumentProfile":"NONE",
 "lineItems":[{"type":"custom","name":"1. Abschlag Heizungsmodernisierung","quantity":1,
   "unitPrice":{"currency":"EUR","netAmount":1000.00,"grossAmount":1190.00,"taxRatePercentage":19},
   "lineItemAmount":1190.00}],
 "totalPrice":{"currency":"EUR","totalNetAmount":1000.00,"totalGrossAmount":1190.00,
   "totalTaxAmount":190.00},
 "taxAmounts":[{"taxRatePercentage":19,"taxAmount":190.00,"netAmount":1000.00}],
 "taxConditions":{"taxType":"gross"},
 "paymentConditions":{"paymentTermLabel":"Zahlbar in 14 Tagen, rein netto",
   "paymentTermLabelTemplate":"Zahlbar in {paymentRange} Tagen, rein netto",
   "paymentTermDuration":14},
 "shippingConditions":{"shippingType":"none"},"closingInvoiceId":null,"relatedVouchers":[],
 "title":"1. Abschlagsrechnung"}
"""

DUNNING = (
    '{"id":"DUN",' + META + '"voucherStatus":"draft",'
    '"voucherDate":"2025-10-27T00:00:00.000+01:00",'
    + HUBER_ADDRESS
    + HEATING_LINES
    + """"shippingConditions":{"shippingDate":"2025-10-06T00:00:00.000+02:00",
   "shippingType":"delivery"},
 "relatedVouchers":[{"id":"INV","voucherNumber":"RE1042","voucherType":"invoice"}],
 "title":"1. Mahnung"}"""
)

CLOSING_INVOICE = (
    '{"id":"INV",' + META + '"voucherStatus":"open","voucherNumber":"RE1042",'
    '"voucherDate":"2025-10-06T00:00:00.000+02:00","dueDate":"2025-10-20T00:00:00.000+02:00",'
    + HUBER_ADDRESS
    + '"electronicDocumentProfile":"NONE",'
    + HEATING_LINES
    + """"shippingConditions":{"shippingDate":"2025-10-06T00:00:00.000+02:00",
   "shippingType":"delivery"},
 "closingInvoice":true,"claimedGrossAmount":3562.86,
 "downPaymentDeductions":[{"id":"DPI","voucherType":"downpaymentinvoice",
   "title":"1. Abschlagsrechnung","voucherNumber":"RE1040",
   "voucherDate":"2025-09-10T00:00:00.000+02:00","receivedGrossAmount":1190.00,
   "receivedNetAmount":1000.00,"receivedTaxAmount":190.00,"taxRatePercentage":19}],
 "relatedVouchers":[{"id":"DN","voucherNumber":"LS1005","voucherType":"deliverynote"}]}"""
)

TEMPLATE_ROW = """{"id":"RTPL","organizationId":"ORG","title":"Rechnung",
 "createdDate":"2025-06-02T14:20:11.310+02:00","updatedDate":"2025-06-02T14:20:11.342+02:00",
 "address":{"contactId":"HUBER","name":"Bäckerei Huber GmbH & Co. KG"},
 "totalPrice":{"currency":"EUR","totalNetAmount":250.00,"totalGrossAmount":297.50},
 "paymentConditions":{"paymentTermLabel":"Zahlbar in 14 Tagen, rein netto",
   "paymentTermLabelTemplate":"Zahlbar in {paymentRange} Tagen, rein netto",
   "paymentTermDuration":14},
 "recurringTemplateSettings":{"id":"RTPLSET","startDate":"2025-07-01","endDate":"2026-06-30",
   "finalize":true,"shippingType":"serviceperiod","retroactiveInvoice":false,
   "executionInterval":"QUARTERLY","nextExecutionDate":"2025-10-01","lastExecutionFailed":false,
   "executionStatus":"ACTIVE"}}"""


def template_page(number: int, *, last: bool) -> str:
    """Page ``number`` of three templates, one per page (each its own id)."""
    row = TEMPLATE_ROW
    if number:
        row = row.replace('"id":"RTPL"', f'"id":"00000000-0000-4000-8000-00000000000{number}"')
    first = "true" if number == 0 else "false"
    return (
        f'{{"content":[{row}],"first":{first},"last":{"true" if last else "false"},'
        f'"totalPages":3,"totalElements":3,"numberOfElements":1,"size":1,"number":{number},'
        '"sort":[{"property":"nextExecutionDate","direction":"ASC","ignoreCase":false,'
        '"nullHandling":"NATIVE","ascending":true}]}'
    )


def serve_templates(router: respx.MockRouter, *pages: tuple[int, bool]) -> respx.Route:
    """Answer the template list with these (number, last) pages, one per request."""
    return router.get("/v1/recurring-templates").mock(
        side_effect=[json_response(template_page(n, last=last)) for n, last in pages]
    )


@pytest.mark.parametrize("auth", ["key", "oauth"])
async def test_a_quotation_reads_back_with_optional_and_alternative_lines(
    anyio_backend: str, auth: str
) -> None:
    async with api(auth) as (lx, router):
        router.get(f"/v1/quotations/{QUOTE}").mock(return_value=json_response(QUOTATION))
        quotation = await lx.quotations.get(QUOTE)
    token = "key" if auth == "key" else "oauth-access-token"
    assert_json_request(sent(router), "GET", f"{R}/quotations/{QUOTE}", None, token)
    assert isinstance(quotation, Quotation) and quotation.voucher_status == "draft"
    assert quotation.expiration_date == datetime(2025, 10, 15, tzinfo=CEST)
    assert quotation.total_price.total_gross_amount == Decimal("297.50")
    main, optional = quotation.line_items
    assert main.optional is False and optional.optional is True
    assert main.sub_items is not None and main.sub_items[0].alternative is True
    assert main.sub_items[0].line_item_amount == Decimal("535.50")
    assert quotation.related_vouchers == []
    assert not hasattr(quotation, "shipping_conditions")


async def test_an_order_confirmation_reads_back(anyio_backend: str) -> None:
    async with api() as (lx, router):
        router.get(f"/v1/order-confirmations/{OC}").mock(
            return_value=json_response(ORDER_CONFIRMATION)
        )
        oc = await lx.order_confirmations.get(OC)
    assert isinstance(oc, OrderConfirmation)
    assert (oc.voucher_status, oc.voucher_number) == ("open", "AB1007")
    assert [line.unit_price.gross_amount for line in oc.line_items if line.unit_price] == [
        Decimal("4105.50"),
        Decimal("80.92"),
    ]
    assert [line.line_item_amount for line in oc.line_items] == [
        Decimal("3450.00"),
        Decimal("544.00"),
    ]
    assert oc.total_price.total_net_amount == Decimal("3994.00")
    assert oc.total_price.total_tax_amount == Decimal("758.86")
    assert oc.tax_amounts is not None and oc.tax_amounts[0].tax_amount == Decimal("758.86")
    assert oc.payment_conditions is not None
    assert oc.payment_conditions.payment_term_label_template is not None
    assert oc.related_vouchers is not None and oc.related_vouchers[0].voucher_type == "quotation"
    assert oc.delivery_terms == "Lieferung frei Baustelle"


async def test_a_delivery_note_has_no_prices(anyio_backend: str) -> None:
    async with api() as (lx, router):
        router.get(f"/v1/delivery-notes/{DN}").mock(return_value=json_response(DELIVERY_NOTE))
        note = await lx.delivery_notes.get(DN)
    assert isinstance(note, DeliveryNote) and note.voucher_number == "LS1005"
    assert not hasattr(note, "total_price") and not hasattr(note, "payment_conditions")
    assert note.line_items[0].unit_price is None
    assert note.related_vouchers is not None
    assert note.related_vouchers[0].model_dump() == {
        "id": OC,
        "voucher_number": "AB1007",
        "voucher_type": "orderconfirmation",
    }


async def test_a_credit_note_reads_back_with_two_tax_rates(anyio_backend: str) -> None:
    async with api() as (lx, router):
        router.get(f"/v1/credit-notes/{CN}").mock(return_value=json_response(CREDIT_NOTE))
        note = await lx.credit_notes.get(CN)
    assert isinstance(note, CreditNote)
    assert (note.voucher_status, note.voucher_number) == ("open", "GS1003")
    assert note.electronic_document_profile == "NONE"
    first, second = note.line_items
    assert first.unit_price is not None and first.unit_price.gross_amount == Decimal("29.631")
    assert first.line_item_amount == Decimal("49.80")
    assert second.unit_price is not None and second.unit_price.gross_amount == Decimal("41.73")
    assert note.total_price.total_gross_amount == Decimal("100.99")
    assert note.tax_amounts is not None
    assert [(t.tax_rate_percentage, t.tax_amount) for t in note.tax_amounts] == [
        (Decimal(7), Decimal("2.73")),
        (Decimal(19), Decimal("9.46")),
    ]
    assert note.related_vouchers == []
    assert not hasattr(note, "payment_conditions") and not hasattr(note, "due_date")


async def test_a_down_payment_invoice_is_read_only(anyio_backend: str) -> None:
    async with api() as (lx, router):
        router.get(f"/v1/down-payment-invoices/{DPI}").mock(
            return_value=json_response(DOWN_PAYMENT_INVOICE)
        )
        dpi = await lx.down_payment_invoices.get(DPI)
        for operation in ("create", "pursue", "update", "delete", "list"):
            assert not hasattr(lx.down_payment_invoices, operation)
    assert isinstance(dpi, DownPaymentInvoice)
    assert (dpi.version, dpi.voucher_number, dpi.closing_invoice_id) == (2, "RE1040", None)
    assert dpi.due_date == datetime(2025, 9, 24, tzinfo=CEST)
    assert len(dpi.line_items) == 1
    assert dpi.line_items[0].line_item_amount == Decimal("1190.00")
    assert dpi.total_price.total_tax_amount == Decimal("190.00")
    assert dpi.shipping_conditions.shipping_type == "none"


async def test_a_dunning_is_a_draft_without_number(anyio_backend: str) -> None:
    async with api() as (lx, router):
        router.get(f"/v1/dunnings/{DUN}").mock(return_value=json_response(DUNNING))
        dunning = await lx.dunnings.get(DUN)
    assert isinstance(dunning, Dunning) and dunning.voucher_status == "draft"
    assert "voucher_number" not in type(dunning).model_fields
    assert dunning.total_price.total_gross_amount == Decimal("4752.86")
    assert dunning.voucher_date == datetime(2025, 10, 27, tzinfo=timezone(timedelta(hours=1)))
    assert dunning.related_vouchers is not None
    assert [(v.id, v.voucher_number, v.voucher_type) for v in dunning.related_vouchers] == [
        (INV, "RE1042", "invoice")
    ]


async def test_a_closing_invoice_reads_back_its_deductions(anyio_backend: str) -> None:
    async with api() as (lx, router):
        router.get(f"/v1/invoices/{INV}").mock(return_value=json_response(CLOSING_INVOICE))
        invoice = await lx.invoices.get(INV)
    assert isinstance(invoice, Invoice) and invoice.closing_invoice is True
    assert invoice.claimed_gross_amount == Decimal("3562.86")
    assert invoice.down_payment_deductions is not None
    deduction = invoice.down_payment_deductions[0]
    assert (deduction.id, deduction.voucher_type) == (DPI, "downpaymentinvoice")
    assert deduction.received_gross_amount == Decimal("1190.00")
    sendable = invoice.to_api()
    for read_only in ("closingInvoice", "claimedGrossAmount", "downPaymentDeductions", "dueDate"):
        assert read_only not in sendable


async def test_an_unknown_id_is_not_found_and_a_bad_id_is_never_sent(anyio_backend: str) -> None:
    async with api() as (lx, router):
        router.get(f"/v1/credit-notes/{CN}").mock(
            return_value=regular_error(404, f"/v1/credit-notes/{CN}", "Not Found")
        )
        with pytest.raises(NotFound):
            await lx.credit_notes.get(CN)
        with pytest.raises(ConfigurationError):
            await lx.quotations.get("../invoices")
        assert router.calls.call_count == 1


async def test_an_unusable_answer_is_an_api_error(anyio_backend: str) -> None:
    async with api() as (lx, router):
        router.get(f"/v1/dunnings/{DUN}").mock(
            return_value=json_response('{"id":"DUN","lineItems":[{"quantity":"viele"}]}')
        )
        with pytest.raises(ApiError, match="not a valid Dunning"):
            await lx.dunnings.get(DUN)


async def test_the_next_template_to_run_and_every_page_up_to_last(anyio_backend: str) -> None:
    async with api() as (lx, router):
        route = serve_templates(router, (0, False), (0, False), (1, False), (2, True))
        page = await lx.recurring_templates.list(sort="nextExecutionDate,ASC", size=1)
        rows = [
            row async for row in lx.recurring_templates.list(sort="nextExecutionDate,ASC", size=1)
        ]
        assert route.call_count == 4
    first = sent_all(router)[0]
    assert_json_request(
        first, "GET", f"{R}/recurring-templates?sort=nextExecutionDate%2CASC&page=0&size=1", None
    )
    assert [str(r.url.params["page"]) for r in sent_all(router)] == ["0", "0", "1", "2"]
    assert page.total_elements == 3 and page.last is False and len(rows) == 3
    template = page.content[0]
    assert isinstance(template, RecurringTemplate) and template.id == RTPL
    assert template.address is not None and template.address.contact_id == HUBER
    assert template.total_price.total_gross_amount == Decimal("297.50")
    settings = template.recurring_template_settings
    assert settings is not None
    assert (settings.start_date, settings.end_date, settings.next_execution_date) == (
        date(2025, 7, 1),
        date(2026, 6, 30),
        date(2025, 10, 1),
    )
    assert (settings.execution_interval, settings.execution_status) == ("QUARTERLY", "ACTIVE")
    assert settings.finalize is True and settings.retroactive_invoice is False


async def test_the_template_pager_stops_at_last_true(anyio_backend: str) -> None:
    # lexoffice's "last" wins over a totalPages that promises more.
    async with api() as (lx, router):
        route = serve_templates(router, (0, False), (1, True), (2, True))
        rows = [row async for row in lx.recurring_templates.list(size=1)]
        assert route.call_count == 2
    assert len(rows) == 2
    assert str(sent(router).url) == f"{R}/recurring-templates?page=1&size=1"


async def test_a_template_reads_back_in_full(anyio_backend: str) -> None:
    full = TEMPLATE_ROW.replace(
        '"title":"Rechnung",',
        '"title":"Rechnung","language":"de","archived":false,'
        '"lineItems":[{"type":"custom","name":"Wartung","quantity":1,"unitName":"Quartal",'
        '"unitPrice":{"currency":"EUR","netAmount":250.00,"grossAmount":297.50,'
        '"taxRatePercentage":19},"lineItemAmount":250.00}],"taxConditions":{"taxType":"net"},',
    )
    async with api() as (lx, router):
        router.get(f"/v1/recurring-templates/{RTPL}").mock(return_value=json_response(full))
        template = await lx.recurring_templates.get(RTPL)
        with pytest.raises(ConfigurationError):
            lx.recurring_templates.list(size=251)
        assert not hasattr(lx.recurring_templates, "create")
    assert template.line_items[0].unit_price is not None
    assert template.line_items[0].unit_price.net_amount == Decimal("250.00")
    for absent in ("voucher_date", "voucher_number", "voucher_status", "shipping_conditions"):
        assert absent not in RecurringTemplate.model_fields
    assert "recurringTemplateSettings" not in template.to_api()
