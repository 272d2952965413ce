"""Sales vouchers: reference §3c's numbers, the pursue chain, the document downloads."""

from __future__ import annotations

from typing import Any

import pytest

from lexoffice_auth.errors import ConfigurationError

from .conftest import Lx
from .world import (
    CREDIT_NOTE,
    HUBER_NAME,
    add_huber,
    delivery_note,
    dunning,
    invoice,
    order_confirmation,
    quotation,
)


async def test_credit_note_of_two_tax_rates_matches_the_reference(lx: Lx) -> None:
    created = await lx.ok("POST", "/v1/credit-notes?finalize=true", 201, json=CREDIT_NOTE)
    assert created["version"] == 1
    note = await lx.ok("GET", f"/v1/credit-notes/{created['id']}")
    assert note["voucherStatus"] == "open"
    assert note["voucherNumber"] == "GS0001"
    assert note["electronicDocumentProfile"] == "NONE"
    first, second = note["lineItems"]
    assert (first["unitPrice"]["grossAmount"], first["lineItemAmount"]) == (29.631, 49.80)
    assert (second["unitPrice"]["grossAmount"], second["lineItemAmount"]) == (41.73, 39.00)
    assert note["totalPrice"] == {
        "currency": "EUR",
        "totalNetAmount": 88.80,
        "totalGrossAmount": 100.99,
        "totalTaxAmount": 12.19,
    }
    assert note["taxAmounts"] == [
        {"taxRatePercentage": 7, "taxAmount": 2.73, "netAmount": 39.00},
        {"taxRatePercentage": 19, "taxAmount": 9.46, "netAmount": 49.80},
    ]
    assert note["relatedVouchers"] == []


async def test_order_confirmation_matches_the_reference(lx: Lx) -> None:
    huber = add_huber(lx.fake)
    response = await lx.http.post(
        "/v1/order-confirmations?finalize=true", json=order_confirmation(huber)
    )
    assert response.status_code == 201
    created = response.json()
    assert response.headers["location"] == created["resourceUri"]
    assert created["resourceUri"].endswith(f"/v1/order-confirmations/{created['id']}")
    oc = await lx.ok("GET", f"/v1/order-confirmations/{created['id']}")
    assert (oc["voucherStatus"], oc["voucherNumber"]) == ("open", "AB0001")
    assert [i["unitPrice"]["grossAmount"] for i in oc["lineItems"]] == [4105.5, 80.92]
    assert [i["lineItemAmount"] for i in oc["lineItems"]] == [3450.0, 544.0]
    assert oc["totalPrice"] == {
        "currency": "EUR",
        "totalNetAmount": 3994.00,
        "totalGrossAmount": 4752.86,
        "totalTaxAmount": 758.86,
    }
    assert oc["taxAmounts"] == [{"taxRatePercentage": 19, "taxAmount": 758.86, "netAmount": 3994.0}]
    assert oc["paymentConditions"]["paymentTermLabelTemplate"] == "Zahlbar in 14 Tagen, rein netto"
    assert oc["address"]["name"] == HUBER_NAME  # filled from the contact


async def test_quotation_excludes_its_optional_line_and_cannot_be_pursued(lx: Lx) -> None:
    huber = add_huber(lx.fake)
    created = await lx.ok("POST", "/v1/quotations", 201, json=quotation(huber))
    quote = await lx.ok("GET", f"/v1/quotations/{created['id']}")
    assert quote["voucherStatus"] == "draft"
    assert quote["totalPrice"] == {
        "currency": "EUR",
        "totalNetAmount": 250.00,
        "totalGrossAmount": 297.50,
        "totalTaxAmount": 47.50,
    }
    refused = await lx.http.post(
        f"/v1/order-confirmations?precedingSalesVoucherId={created['id']}",
        json=order_confirmation(huber),
    )
    assert refused.status_code == 406
    assert refused.json()["status"] == 406  # the regular shape


async def test_quotation_without_expiration_date_is_a_406_with_details(lx: Lx) -> None:
    body = quotation(add_huber(lx.fake))
    del body["expirationDate"]
    refused = await lx.http.post("/v1/quotations", json=body)
    assert refused.status_code == 406
    error = refused.json()
    assert error["path"] == "/v1/quotations"
    assert error["error"] == "Not Acceptable"
    assert {
        "violation": "NOTNULL",
        "field": "expirationDate",
        "message": "darf nicht leer sein",
    } in (error["details"])


async def test_the_pursue_chain_links_every_step_both_ways(lx: Lx) -> None:
    huber = add_huber(lx.fake)
    quote = await lx.ok(
        "POST", "/v1/quotations?finalize=true", 201, json=quotation(huber, optional_line=False)
    )
    oc = await lx.ok(
        "POST",
        f"/v1/order-confirmations?precedingSalesVoucherId={quote['id']}&finalize=true",
        201,
        json=order_confirmation(huber),
    )
    dn = await lx.ok(
        "POST",
        f"/v1/delivery-notes?precedingSalesVoucherId={oc['id']}&finalize=true",
        201,
        json=delivery_note(huber),
    )
    inv = await lx.ok(
        "POST",
        f"/v1/invoices?precedingSalesVoucherId={dn['id']}&finalize=true",
        201,
        json=invoice(huber),
    )
    cn_body = {**CREDIT_NOTE, "address": {"contactId": huber}}
    cn = await lx.ok(
        "POST",
        f"/v1/credit-notes?precedingSalesVoucherId={inv['id']}&finalize=true",
        201,
        json=cn_body,
    )
    dun = await lx.ok(
        "POST", f"/v1/dunnings?precedingSalesVoucherId={inv['id']}", 201, json=dunning(huber)
    )

    async def related(resource: str, item: dict[str, Any]) -> list[tuple[str, str | None]]:
        got = await lx.ok("GET", f"/v1/{resource}/{item['id']}")
        return [(r["voucherType"], r["voucherNumber"]) for r in got["relatedVouchers"]]

    assert await related("quotations", quote) == [("orderconfirmation", "AB0001")]
    assert await related("order-confirmations", oc) == [
        ("quotation", "AG0001"),
        ("deliverynote", "LS0001"),
    ]
    assert await related("delivery-notes", dn) == [
        ("orderconfirmation", "AB0001"),
        ("invoice", "RE0001"),
    ]
    assert await related("invoices", inv) == [
        ("deliverynote", "LS0001"),
        ("creditnote", "GS0001"),
        ("dunning", None),
    ]
    assert await related("credit-notes", cn) == [("invoice", "RE0001")]
    assert await related("dunnings", dun) == [("invoice", "RE0001")]

    final = await lx.ok("GET", f"/v1/invoices/{inv['id']}")
    assert (final["voucherStatus"], final["voucherNumber"]) == ("open", "RE0001")
    assert final["totalPrice"]["totalGrossAmount"] == 4752.86
    assert [i["lineItemAmount"] for i in final["lineItems"]] == [3450.0, 544.0]
    note = await lx.ok("GET", f"/v1/credit-notes/{cn['id']}")
    assert note["voucherStatus"] == "paidoff"
    reminder = await lx.ok("GET", f"/v1/dunnings/{dun['id']}")
    assert reminder["voucherStatus"] == "draft" and "voucherNumber" not in reminder
    assert reminder["totalPrice"]["totalGrossAmount"] == 4752.86
    assert reminder["address"]["name"] == HUBER_NAME
    payment = await lx.ok("GET", f"/v1/payments/{inv['id']}")
    assert payment["openAmount"] == 4651.87  # 4752.86 - the credit note's 100.99
    assert payment["paymentItems"][0]["paymentItemType"] == "partPaymentCreditNote"
    # Only one credit note per invoice.
    again = await lx.http.post(
        f"/v1/credit-notes?precedingSalesVoucherId={inv['id']}&finalize=true", json=cn_body
    )
    assert again.status_code == 406


@pytest.mark.parametrize(
    ("target", "source_status", "source"),
    [
        ("credit-notes", "draft", "invoice"),
        ("invoices", "draft", "order-confirmation"),
        ("invoices", "draft", "delivery-note"),
        ("order-confirmations", "open", "invoice"),
        ("quotations", "open", "invoice"),
        ("dunnings", "open", "quotation"),
    ],
)
async def test_rejected_chains_are_406(
    lx: Lx, target: str, source_status: str, source: str
) -> None:
    huber = add_huber(lx.fake)
    seeders = {
        "invoice": lx.fake.add_invoice,
        "order-confirmation": lx.fake.add_order_confirmation,
        "delivery-note": lx.fake.add_delivery_note,
        "quotation": lx.fake.add_quotation,
    }
    source_id = seeders[source](contact_id=huber, status=source_status)
    bodies = {
        "credit-notes": {**CREDIT_NOTE, "address": {"contactId": huber}},
        "invoices": invoice(huber),
        "order-confirmations": order_confirmation(huber),
        "quotations": quotation(huber),
        "dunnings": dunning(huber),
    }
    refused = await lx.http.post(
        f"/v1/{target}?precedingSalesVoucherId={source_id}", json=bodies[target]
    )
    assert refused.status_code == 406, refused.text


async def test_a_dunning_needs_its_invoice_and_the_invoice_contact(lx: Lx) -> None:
    huber = add_huber(lx.fake)
    other = lx.fake.add_contact(name="Andere GmbH")
    inv = lx.fake.add_invoice(contact_id=huber)
    missing = await lx.http.post("/v1/dunnings", json=dunning(huber))
    assert missing.status_code == 406
    assert missing.json()["details"][0]["field"] == "precedingSalesVoucherId"
    wrong = await lx.http.post(f"/v1/dunnings?precedingSalesVoucherId={inv}", json=dunning(other))
    assert wrong.status_code == 406
    dpi = lx.fake.add_down_payment_invoice(contact_id=huber)
    await lx.ok(
        "POST",
        f"/v1/dunnings?precedingSalesVoucherId={dpi}&finalize=true",
        201,
        json=dunning(huber),
    )


async def test_delivery_note_file_is_a_pdf_and_xml_or_a_draft_is_refused(lx: Lx) -> None:
    huber = add_huber(lx.fake)
    dn = await lx.ok("POST", "/v1/delivery-notes?finalize=true", 201, json=delivery_note(huber))
    got = await lx.ok("GET", f"/v1/delivery-notes/{dn['id']}")
    assert "totalPrice" not in got
    pdf = await lx.http.get(
        f"/v1/delivery-notes/{dn['id']}/file", headers={"Accept": "application/pdf"}
    )
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == 'attachment; filename="LS0001.pdf"'
    assert int(pdf.headers["content-length"]) == len(pdf.content)
    assert pdf.content.startswith(b"%PDF-")
    xml = await lx.http.get(
        f"/v1/delivery-notes/{dn['id']}/file", headers={"Accept": "application/xml"}
    )
    assert xml.status_code == 406
    draft = lx.fake.add_delivery_note(contact_id=huber, status="draft")
    assert (await lx.http.get(f"/v1/delivery-notes/{draft}/file")).status_code == 409


async def test_dunning_file_exists_for_the_draft(lx: Lx) -> None:
    huber = add_huber(lx.fake)
    dun = lx.fake.add_dunning(lx.fake.add_invoice(contact_id=huber))
    pdf = await lx.http.get(f"/v1/dunnings/{dun}/file")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("xrechnung", "accept", "status", "content_type"),
    [
        (True, "*/*", 200, "application/xml;charset=UTF-8"),
        (True, "application/xml", 200, "application/xml;charset=UTF-8"),
        (True, "application/pdf", 200, "application/pdf"),
        (False, "*/*", 200, "application/pdf"),
        (False, "application/xml", 404, None),
        (False, "application/pdf", 200, "application/pdf"),
        (False, "text/html", 406, None),
        (False, "application/json", 406, None),
    ],
)
async def test_invoice_file_accept_matrix(
    lx: Lx, xrechnung: bool, accept: str, status: int, content_type: str | None
) -> None:
    extra = {"xRechnung": {"buyerReference": "04011000-12345-67"}} if xrechnung else {}
    huber = add_huber(lx.fake, **extra)
    inv = lx.fake.add_invoice(contact_id=huber)
    got = await lx.ok("GET", f"/v1/invoices/{inv}")
    assert got["electronicDocumentProfile"] == ("XRechnung" if xrechnung else "NONE")
    response = await lx.http.get(f"/v1/invoices/{inv}/file", headers={"Accept": accept})
    assert response.status_code == status, response.text
    if content_type:
        assert response.headers["content-type"] == content_type
        suffix = "xml" if "xml" in content_type else "pdf"
        assert response.headers["content-disposition"] == f'attachment; filename="RE0001.{suffix}"'
    else:
        assert response.json()["status"] == status


async def test_credit_note_of_an_xrechnung_contact_downloads_as_xml(lx: Lx) -> None:
    huber = add_huber(lx.fake, xRechnung={"buyerReference": "04011000-12345-67"})
    note = lx.fake.add_credit_note(contact_id=huber)
    got = await lx.http.get(f"/v1/credit-notes/{note}/file")
    assert got.headers["content-type"] == "application/xml;charset=UTF-8"
    quote = lx.fake.add_quotation(contact_id=huber)  # PDF-only kinds never are XRechnung
    assert (await lx.http.get(f"/v1/quotations/{quote}/file")).headers["content-type"] == (
        "application/pdf"
    )


async def test_invoice_draft_file_is_409_and_document_is_406(lx: Lx) -> None:
    draft = lx.fake.add_invoice(status="draft")
    assert (await lx.http.get(f"/v1/invoices/{draft}/file")).status_code == 409
    assert (await lx.http.get(f"/v1/invoices/{draft}/document")).status_code == 406


async def test_deprecated_document_then_files_route(lx: Lx) -> None:
    extra = {"xRechnung": {"buyerReference": "04011000-12345-67"}}
    inv = lx.fake.add_invoice(contact_id=add_huber(lx.fake, **extra))
    first = await lx.ok("GET", f"/v1/invoices/{inv}/document")
    again = await lx.ok("GET", f"/v1/invoices/{inv}/document")
    assert first == again and set(first) == {"documentFileId"}
    file_url = f"/v1/files/{first['documentFileId']}"
    # Through the deprecated route an XRechnung's */* is the PDF, and XML is asked for.
    pdf = await lx.http.get(file_url, headers={"Accept": "*/*"})
    assert pdf.headers["content-type"] == "application/pdf"
    xml = await lx.http.get(file_url, headers={"Accept": "application/xml"})
    assert xml.headers["content-type"] == "application/xml;charset=UTF-8"


@pytest.mark.parametrize(
    "stamp",
    [
        "2025-09-24",
        "2025-09-24T00:00:00+02:00",
        "2025-09-24T00:00:00.00+02:00",
        "2025-09-24T00:00:00.000+0200",
    ],
)
async def test_timestamps_must_have_lexoffices_exact_format(lx: Lx, stamp: str) -> None:
    refused = await lx.http.post("/v1/credit-notes", json={**CREDIT_NOTE, "voucherDate": stamp})
    assert refused.status_code == 406
    assert refused.json()["details"][0]["field"] == "voucherDate"


async def test_read_only_fields_sent_back_are_ignored(lx: Lx) -> None:
    body = {
        **CREDIT_NOTE,
        "id": "00000000-0000-0000-0000-000000000000",
        "organizationId": "someone-else",
        "version": 7,
        "voucherStatus": "paid",
        "voucherNumber": "X1",
        "taxAmounts": [{"taxRatePercentage": 19, "taxAmount": 1, "netAmount": 1}],
        "totalPrice": {"currency": "EUR", "totalGrossAmount": 1.0},
    }
    created = await lx.ok("POST", "/v1/credit-notes", 201, json=body)
    note = await lx.ok("GET", f"/v1/credit-notes/{created['id']}")
    assert note["id"] == created["id"] != body["id"]
    assert (note["voucherStatus"], note["version"]) == ("draft", 1)
    assert "voucherNumber" not in note
    assert note["organizationId"] == lx.fake.organization_id
    assert note["totalPrice"]["totalGrossAmount"] == 100.99


async def test_down_payment_invoices_are_read_only(lx: Lx) -> None:
    dpi = lx.fake.add_down_payment_invoice(net_amount=1000)
    got = await lx.ok("GET", f"/v1/down-payment-invoices/{dpi}")
    assert got["totalPrice"]["totalGrossAmount"] == 1190.0
    assert got["voucherNumber"] == "RE0001"  # the invoices' sequence
    assert got["closingInvoiceId"] is None
    refused = await lx.http.post("/v1/down-payment-invoices", json={})
    assert refused.status_code == 403 and "message" in refused.json()  # the gateway's answer


async def test_voucher_numbers_count_per_sequence(lx: Lx) -> None:
    numbers = []
    for _ in range(2):
        inv = lx.fake.add_invoice()
        numbers.append((await lx.ok("GET", f"/v1/invoices/{inv}"))["voucherNumber"])
    quote = lx.fake.add_quotation()
    numbers.append((await lx.ok("GET", f"/v1/quotations/{quote}"))["voucherNumber"])
    assert numbers == ["RE0001", "RE0002", "AG0001"]


async def test_seeding_follows_the_pursue_rules(lx: Lx) -> None:
    draft = lx.fake.add_invoice(status="draft")
    with pytest.raises(ConfigurationError, match="draft invoice"):
        lx.fake.add_credit_note(invoice_id=draft)
    with pytest.raises(ConfigurationError, match="no invoice"):
        lx.fake.add_dunning("00000000-0000-0000-0000-000000000000")
    inv = lx.fake.add_invoice()
    note = lx.fake.add_credit_note(invoice_id=inv, net_amount=100)
    assert lx.fake.api.store("credit-notes")[note].data["voucherStatus"] == "paidoff"
    assert lx.fake.api.invoices[inv].data["voucherStatus"] == "paid"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"shippingConditions": {"shippingType": "delivery"}}, "shippingConditions.shippingDate"),
        (
            {
                "shippingConditions": {
                    "shippingType": "serviceperiod",
                    "shippingDate": "2025-10-06T00:00:00.000+02:00",
                }
            },
            "shippingConditions.shippingEndDate",
        ),
        (
            {
                "shippingConditions": {
                    "shippingType": "deliveryperiod",
                    "shippingDate": "2025-10-06T00:00:00.000+02:00",
                    "shippingEndDate": "2025-10-05T00:00:00.000+02:00",
                }
            },
            "shippingConditions.shippingEndDate",
        ),
        ({"shippingConditions": None}, "shippingConditions.shippingType"),
        ({"title": "x" * 26}, "title"),
        ({"remark": "x" * 2001}, "remark"),
        ({"deliveryTerms": "x" * 256}, "deliveryTerms"),
        ({"address": {"name": "Ohne Land"}}, "address.countryCode"),
        ({"address": {"contactId": "00000000-0000-0000-0000-000000000000"}}, "address.contactId"),
        ({"lineItems": []}, "lineItems"),
        ({"totalPrice": {"currency": "USD"}}, "totalPrice.currency"),
        ({"taxConditions": {"taxType": "reverse"}}, "taxConditions.taxType"),
    ],
)
async def test_invoice_create_checks(lx: Lx, change: dict[str, Any], field: str) -> None:
    body = {**invoice(add_huber(lx.fake)), **change}
    refused = await lx.http.post("/v1/invoices", json=body)
    assert refused.status_code == 406
    assert field in [d["field"] for d in refused.json()["details"]]


async def test_a_vendor_only_contact_cannot_be_invoiced(lx: Lx) -> None:
    vendor = lx.fake.add_contact(customer=False, vendor=True)
    refused = await lx.http.post("/v1/invoices", json=invoice(vendor))
    assert refused.status_code == 406
