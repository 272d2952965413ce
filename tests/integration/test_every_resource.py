"""Every resource x operation of ``LexofficeClient`` against the sandbox, with both auth kinds
on both event loops: what the client sends, the sandbox (strict like lexoffice) accepts, and
what it answers, the client parses."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from lexoffice_auth.api import (
    Article,
    ArticlePrice,
    Contact,
    ContactRole,
    ContactRoles,
    CreditNote,
    DeliveryNote,
    Dunning,
    Invoice,
    LexofficeClient,
    LineItem,
    OrderConfirmation,
    Person,
    Quotation,
    QuotationLineItem,
    UnitPrice,
    Voucher,
    VoucherAddress,
    VoucherItem,
)
from lexoffice_auth.errors import Conflict, NotFound
from lexoffice_auth.testing import FakeLexoffice

from .test_journeys import CONNECTIONS, Connect


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fake() -> FakeLexoffice:
    return FakeLexoffice(rate_limit=None, api_base="https://api.lexware.io")


CATEGORY = "8f8664a8-fd86-11e1-a21f-0800200c9a66"
PDF = b"%PDF-1.4\n% every resource\n%%EOF\n"


def line(item_type: str = "custom", **extra: object) -> dict[str, object]:
    return dict(
        type=item_type,
        name="Wartung",
        quantity=Decimal(1),
        unit_name="Pauschale",
        unit_price=UnitPrice(net_amount=Decimal("250.00"), tax_rate_percentage=Decimal(19)),
        **extra,
    )


@CONNECTIONS
async def test_reference_data_profile_and_ping(fake: FakeLexoffice, connect: Connect) -> None:
    async with connect(fake) as lx:
        assert (await lx.ping()).user_email
        profile = await lx.profile()
        assert profile.organization_id and profile.company_name
        countries = (await lx.countries.list()).content
        assert {"DE", "AT"} <= {c.country_code for c in countries}
        assert all(c.country_name_de for c in countries)
        defaults = [c async for c in lx.payment_conditions.list() if c.organization_default]
        assert len(defaults) == 1
        categories = (await lx.posting_categories.list()).content
        assert CATEGORY in {c.id for c in categories}
        assert [p.default async for p in lx.print_layouts.list()].count(True) == 1


@CONNECTIONS
async def test_articles_and_contacts(fake: FakeLexoffice, connect: Connect) -> None:
    async with connect(fake) as lx:
        price = ArticlePrice(net_price=Decimal("3450.00"), leading_price="NET", tax_rate=19)
        article = Article(
            title="Therme", type="PRODUCT", unit_name="Stück", article_number="HT-1", price=price
        )
        created = await lx.articles.create(article)
        read = await lx.articles.get(created.id)
        assert read.price is not None and read.price.gross_price == Decimal("4105.50")
        [found] = (await lx.articles.list(article_number="HT-1")).content
        assert found.id == created.id
        await lx.articles.modify(created.id, lambda a: setattr(a, "note", "5 Werktage"))
        stale = read.model_copy(update={"note": "old"})
        with pytest.raises(Conflict):
            await lx.articles.update(created.id, stale)  # version 0 is stale now
        await lx.articles.delete(created.id)
        with pytest.raises(NotFound):
            await lx.articles.get(created.id)

        person = Contact(
            roles=ContactRoles(customer=ContactRole()), person=Person(last_name="Lang")
        )
        contact = await lx.contacts.create(person)
        assert (await lx.contacts.get(contact.id)).roles.customer is not None
        await lx.contacts.modify(contact.id, lambda c: setattr(c, "note", "VIP"))
        assert [c.note async for c in lx.contacts.list(name="Lang")] == ["VIP"]


@CONNECTIONS
async def test_the_sales_chain_documents_and_lookups(fake: FakeLexoffice, connect: Connect) -> None:
    customer = fake.add_contact(name="Bäckerei Huber GmbH & Co. KG")
    address = VoucherAddress(contact_id=customer)
    day = datetime(2025, 9, 15)
    async with connect(fake) as lx:
        quote = await lx.quotations.create(
            Quotation(
                voucher_date=day,
                expiration_date=datetime(2025, 10, 15),
                address=address,
                line_items=[QuotationLineItem(**line())],  # type: ignore[arg-type]
            ),
            finalize=True,
        )
        order = await lx.order_confirmations.pursue(
            quote.id,
            OrderConfirmation(voucher_date=day, address=address, line_items=[LineItem(**line())]),  # type: ignore[arg-type]
            finalize=True,
        )
        note = await lx.delivery_notes.pursue(
            order.id,
            DeliveryNote(
                voucher_date=day,
                address=address,
                line_items=[LineItem(type="custom", name="Wartung", quantity=1, unit_name="Stück")],
            ),
            finalize=True,
        )
        invoice = await lx.invoices.pursue(
            note.id,
            Invoice(voucher_date=day, address=address, line_items=[LineItem(**line())]),  # type: ignore[arg-type]
            finalize=True,
        )
        credit = await lx.credit_notes.pursue(
            invoice.id,
            CreditNote(voucher_date=day, address=address, line_items=[LineItem(**line())]),  # type: ignore[arg-type]
            finalize=True,
        )
        billed = await lx.invoices.get(invoice.id)
        dunning = await lx.dunnings.pursue(
            invoice.id,
            Dunning(
                voucher_date=day,
                address=address,
                line_items=billed.line_items,
                tax_conditions=billed.tax_conditions,
            ),
        )
        chain = [
            (lx.order_confirmations, order.id, "quotation"),
            (lx.delivery_notes, note.id, "orderconfirmation"),
            (lx.invoices, invoice.id, "deliverynote"),
            (lx.credit_notes, credit.id, "invoice"),
            (lx.dunnings, dunning.id, "invoice"),
        ]
        for resource, item_id, before in chain:
            document = await resource.get(item_id)  # type: ignore[attr-defined]
            assert before in {v.voucher_type for v in document.related_vouchers or []}
            pdf = await resource.download(item_id)  # type: ignore[attr-defined]
            assert pdf.content.startswith(b"%PDF-") and pdf.media_type == "application/pdf"
        assert (await lx.quotations.download(quote.id)).content.startswith(b"%PDF-")
        assert (await lx.credit_notes.get(credit.id)).voucher_status == "paidoff"
        assert billed.voucher_number is not None
        assert (await lx.invoices.get_by_number(billed.voucher_number)).id == invoice.id
        quote_number = (await lx.quotations.get(quote.id)).voucher_number
        assert quote_number is not None
        assert (await lx.quotations.get_by_number(quote_number)).id == quote.id
        rows = [r.id async for r in lx.voucherlist.list(voucher_type=["quotation", "invoice"])]
        assert {quote.id, invoice.id} <= set(rows)
        assert [r.id async for r in lx.invoices.list()] == [invoice.id]  # paid by the credit note
        payment = await lx.payments.get(invoice.id)
        assert payment.currency == "EUR"

        down = fake.add_down_payment_invoice(contact_id=customer)
        assert (await lx.down_payment_invoices.get(down)).voucher_status == "open"
        assert (await lx.down_payment_invoices.download(down)).content.startswith(b"%PDF-")
        template = fake.add_recurring_template(contact_id=customer)
        [listed] = (await lx.recurring_templates.list(sort="nextExecutionDate,ASC")).content
        assert listed.id == template
        assert (await lx.recurring_templates.get(template)).recurring_template_settings


@CONNECTIONS
async def test_files_vouchers_and_subscriptions(fake: FakeLexoffice, connect: Connect) -> None:
    async with connect(fake) as lx:
        uploaded = await lx.files.upload(PDF, filename="beleg.pdf")
        assert uploaded.voucher_id
        assert (await lx.files.download(uploaded.id)).content == PDF
        created = await lx.vouchers.create(
            Voucher(
                type="salesinvoice",
                voucher_number="KA-1",
                voucher_date=date(2025, 9, 15),
                total_gross_amount=Decimal("119.00"),
                total_tax_amount=Decimal("19.00"),
                tax_type="gross",
                use_collective_contact=True,
                voucher_items=[
                    VoucherItem(
                        amount=Decimal("119.00"),
                        tax_amount=Decimal("19.00"),
                        tax_rate_percent=19,
                        category_id=CATEGORY,
                    )
                ],
            )
        )
        attached = await lx.vouchers.upload_file(created.id, b"%PDF-1.4\n% two\n", filename="b.pdf")
        await lx.vouchers.modify(created.id, lambda v: setattr(v, "remark", "geprüft"))
        voucher = await lx.vouchers.get(created.id)
        assert voucher.remark == "geprüft" and voucher.files == [attached.id]  # kept
        assert voucher.voucher_date == date(2025, 9, 15)
        assert (await lx.vouchers.get_by_number("KA-1")).id == created.id

        subscription = await lx.event_subscriptions.create(
            "invoice.created", "https://erp.example/hooks/lexware"
        )
        assert (await lx.event_subscriptions.get(subscription.id)).event_type == "invoice.created"
        assert [s.subscription_id async for s in lx.event_subscriptions.list()] == [subscription.id]
        await lx.event_subscriptions.delete(subscription.id)
        assert (await lx.event_subscriptions.list()).content == []


async def test_every_client_attribute_is_a_resource(fake: FakeLexoffice) -> None:
    names = [
        "articles",
        "contacts",
        "countries",
        "credit_notes",
        "delivery_notes",
        "down_payment_invoices",
        "dunnings",
        "event_subscriptions",
        "files",
        "invoices",
        "order_confirmations",
        "payment_conditions",
        "payments",
        "posting_categories",
        "print_layouts",
        "quotations",
        "recurring_templates",
        "voucherlist",
        "vouchers",
    ]
    client = LexofficeClient(
        __import__("lexoffice_auth").ApiKeyAuth("key-12345678"), http_client=fake.client()
    )
    for name in names:
        assert getattr(client, name).path.startswith("/v1/")
    assert not hasattr(client.dunnings, "create") and not hasattr(
        client.down_payment_invoices, "create"
    )
    assert not hasattr(client.invoices, "update") and not hasattr(client.vouchers, "delete")
