"""The two journeys a lexoffice integration makes, end to end against the sandbox.

1. A receipt: ``files.upload`` (a PDF) makes a bookkeeping voucher; it is filled in with
   ``vouchers.modify`` (the file stays attached), a second voucher is created with
   ``vouchers.create`` and gets a file with ``vouchers.upload_file``; both are found in
   ``voucherlist.list(...)``, and ``files.download`` gives back the very bytes uploaded.
2. The sales chain: quotation -> order confirmation -> delivery note -> invoice (finalized)
   -> credit note and dunning, each made with ``pursue`` and linked to its predecessor
   (``related_vouchers``).

Each runs on asyncio and trio, with an API key and with an OAuth login through the
sandbox's provider. The sandbox's rate limit and the client's pacing are off (no waiting).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lexoffice_auth import ApiKeyAuth, LexofficeAuth, MemoryTokenStore, OAuthClient
from lexoffice_auth.api import (
    CreditNote,
    DeliveryNote,
    Dunning,
    Invoice,
    LexofficeClient,
    LineItem,
    OrderConfirmation,
    Quotation,
    QuotationLineItem,
    ShippingConditions,
    TaxConditions,
    TotalPrice,
    UnitPrice,
    Voucher,
    VoucherAddress,
    VoucherItem,
)
from lexoffice_auth.testing import API_BASE_URL, FakeLexoffice

pytestmark = pytest.mark.anyio

REDIRECT = "http://127.0.0.1/callback"
CATEGORY = "8f8664a8-fd86-11e1-a21f-0800200c9a66"  # "Warenverkäufe" (reference §3c)
RECEIPT = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% ER-2025-0917\n%%EOF\n"
KASSENBON = b"%PDF-1.4\n% kassenbon-2025-09-15\n%%EOF\n"


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


Connect = Callable[[FakeLexoffice], "AsyncIterator[LexofficeClient]"]


@asynccontextmanager
async def with_api_key(fake: FakeLexoffice) -> AsyncIterator[LexofficeClient]:
    auth = ApiKeyAuth(fake.add_api_key(), api_origins=[fake.api_base])
    async with fake.client() as http:
        yield LexofficeClient(auth, base_url=fake.api_base, http_client=http, rate_limit=None)


@asynccontextmanager
async def with_oauth(fake: FakeLexoffice) -> AsyncIterator[LexofficeClient]:
    async with fake.client() as http:
        oauth = OAuthClient(
            "sandbox-client", REDIRECT, issuer=fake.issuer, http_client=http, clock=fake.clock
        )
        pending = await oauth.start_login()
        tokens = await oauth.complete_login(fake.approve(pending.authorization_url), pending)
        auth = LexofficeAuth.from_oauth(
            oauth, "schneider", MemoryTokenStore(), api_origins=[fake.api_base]
        )
        await auth.source.save(tokens)
        yield LexofficeClient(auth, base_url=fake.api_base, http_client=http, rate_limit=None)


CONNECTIONS = pytest.mark.parametrize(
    "connect", [with_api_key, with_oauth], ids=["api-key", "oauth"]
)


@pytest.fixture
def fake() -> FakeLexoffice:
    return FakeLexoffice(api_base=API_BASE_URL, rate_limit=None)


def _kassenbon() -> Voucher:
    """The cash-register voucher of the reference's §3c (vouchers, step 1)."""
    return Voucher(
        type="salesinvoice",
        voucher_number="KA-2025-0915",
        voucher_date=date(2025, 9, 15),
        due_date=date(2025, 9, 15),
        total_gross_amount=Decimal("172.50"),
        total_tax_amount=Decimal("22.50"),
        tax_type="gross",
        use_collective_contact=True,
        contact_name="Barverkauf Ladengeschäft",
        remark="Tagesumsatz Ersatzteile 15.09.2025",
        voucher_items=[
            VoucherItem(
                amount=Decimal("119.00"),
                tax_amount=Decimal("19.00"),
                tax_rate_percent=Decimal(19),
                category_id=CATEGORY,
            ),
            VoucherItem(
                amount=Decimal("53.50"),
                tax_amount=Decimal("3.50"),
                tax_rate_percent=Decimal(7),
                category_id=CATEGORY,
            ),
        ],
    )


@CONNECTIONS
async def test_receipt_upload_voucher_voucherlist_download(
    fake: FakeLexoffice, connect: Callable[..., object], tmp_path: Path
) -> None:
    receipt = tmp_path / "ER-2025-0917.pdf"
    receipt.write_bytes(RECEIPT)
    async with connect(fake) as lx:  # type: ignore[attr-defined]
        # 1. The receipt becomes a file and a (blank) voucher; the same bytes again give the
        # same ids (lexoffice deduplicates by checksum).
        uploaded = await lx.files.upload(receipt)
        assert uploaded.voucher_id is not None
        assert await lx.files.upload(receipt) == uploaded

        # 2a. Fill in the voucher the upload made. The new body names no files: the SDK
        # carries the attached one over (a PUT without it would delete it for good).
        await lx.vouchers.modify(uploaded.voucher_id, lambda blank: _kassenbon())
        filled_in = await lx.vouchers.get(uploaded.voucher_id)
        assert filled_in.files == [uploaded.id]
        assert filled_in.total_gross_amount == Decimal("172.50")

        # 2b. Or create the voucher first and attach the receipt to it.
        created = await lx.vouchers.create(
            _kassenbon().model_copy(update={"voucher_number": "KA-2"})
        )
        attached = await lx.vouchers.upload_file(created.id, KASSENBON, filename="kassenbon.pdf")
        assert (await lx.vouchers.get(created.id)).files == [attached.id]

        # 3. Both are in the voucherlist.
        rows = [r async for r in lx.voucherlist.list(voucher_type="salesinvoice", size=250)]
        by_id = {r.id: r for r in rows}
        assert by_id[uploaded.voucher_id].voucher_number == "KA-2025-0915"
        assert by_id[created.id].voucher_number == "KA-2"
        assert by_id[created.id].total_amount == Decimal("172.50")

        # 4. The files come back byte for byte, in memory or streamed to a path.
        assert (await lx.files.download(uploaded.id)).content == RECEIPT
        copy = tmp_path / "copy.pdf"
        streamed = await lx.files.download(attached.id, to=copy)
        assert copy.read_bytes() == KASSENBON and streamed.size == len(KASSENBON)


def _lines(kind: type[LineItem] = LineItem) -> list[Any]:
    """The two lines of the reference's order confirmation (net 3994.00, gross 4752.86)."""
    return [
        kind(
            type="custom",
            name="Gas-Brennwerttherme 25 kW",
            quantity=Decimal(1),
            unit_name="Stück",
            unit_price=UnitPrice(net_amount=Decimal("3450.00"), tax_rate_percentage=Decimal(19)),
        ),
        kind(
            type="custom",
            name="Installation Heiztechnik",
            quantity=Decimal(8),
            unit_name="Stunde",
            unit_price=UnitPrice(net_amount=Decimal("68.00"), tax_rate_percentage=Decimal(19)),
        ),
    ]


def _on(day: int, month: int = 10) -> datetime:
    return datetime(2025, month, day, tzinfo=timezone.utc)


@CONNECTIONS
async def test_quotation_to_invoice_credit_note_and_dunning(
    fake: FakeLexoffice, connect: Callable[..., object]
) -> None:
    huber = fake.add_contact(name="Bäckerei Huber GmbH & Co. KG")
    address = VoucherAddress(contact_id=huber)
    common = {
        "address": address,
        "line_items": _lines(),
        "total_price": TotalPrice(currency="EUR"),
        "tax_conditions": TaxConditions(tax_type="net"),
    }
    shipping = ShippingConditions(shipping_date=_on(6), shipping_type="delivery")
    async with connect(fake) as lx:  # type: ignore[attr-defined]
        quote = await lx.quotations.create(
            Quotation(
                voucher_date=_on(15, 9),
                expiration_date=_on(15),
                title="Angebot",
                **{**common, "line_items": _lines(QuotationLineItem)},
            ),
            finalize=True,
        )
        confirmation = await lx.order_confirmations.pursue(
            quote.id,
            OrderConfirmation(voucher_date=_on(22, 9), shipping_conditions=shipping, **common),
            finalize=True,
        )
        delivery = await lx.delivery_notes.pursue(
            confirmation.id,
            DeliveryNote(
                voucher_date=_on(6),
                address=address,
                line_items=_lines(),
                tax_conditions=TaxConditions(tax_type="net"),
            ),
            finalize=True,
        )
        invoice = await lx.invoices.pursue(
            delivery.id,
            Invoice(voucher_date=_on(6), shipping_conditions=shipping, **common),
            finalize=True,
        )
        finalized = await lx.invoices.get(invoice.id)
        assert finalized.voucher_status == "open" and finalized.voucher_number
        assert finalized.total_price is not None
        assert finalized.total_price.total_gross_amount == Decimal("4752.86")

        credit = await lx.credit_notes.pursue(
            invoice.id, CreditNote(voucher_date=_on(24), **common), finalize=True
        )
        dunning = await lx.dunnings.pursue(
            invoice.id, Dunning(voucher_date=_on(27), shipping_conditions=shipping, **common)
        )

        chain = [
            (lx.order_confirmations, confirmation.id, quote.id, "quotation"),
            (lx.delivery_notes, delivery.id, confirmation.id, "orderconfirmation"),
            (lx.invoices, invoice.id, delivery.id, "deliverynote"),
            (lx.credit_notes, credit.id, invoice.id, "invoice"),
            (lx.dunnings, dunning.id, invoice.id, "invoice"),
        ]
        for resource, document_id, preceding_id, preceding_type in chain:
            document = await resource.get(document_id)
            related = {(r.id, r.voucher_type) for r in document.related_vouchers or []}
            assert (preceding_id, preceding_type) in related, (resource, related)

        assert (await lx.credit_notes.get(credit.id)).voucher_status == "paidoff"
        reminder = await lx.dunnings.get(dunning.id)
        assert reminder.voucher_status == "draft"
        assert (await lx.dunnings.download(dunning.id)).content.startswith(b"%PDF")
        listed = [
            r.voucher_type
            async for r in lx.voucherlist.list(
                voucher_type=["quotation", "orderconfirmation", "deliverynote", "invoice"]
            )
        ]
        assert sorted(listed) == ["deliverynote", "invoice", "orderconfirmation", "quotation"]
