"""The client against the sandbox: round trips, paging, splitting, modify, models."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qs

import anyio
import httpx
import pytest

from lexoffice_auth import ApiKeyAuth, LexofficeAuth
from lexoffice_auth.api import (
    Contact,
    Invoice,
    LexofficeClient,
    RetryPolicy,
    TokenBucket,
    VoucherListItem,
)
from lexoffice_auth.errors import Conflict
from lexoffice_auth.testing import FakeLexoffice
from lexoffice_auth.testing._seed import sales_kind
from lexoffice_auth.testing.api._sales_body import violations

from ..api.helpers import a_person, an_invoice, sandbox_client
from ..support.virtual_time import loop_clock, virtual_backend

INVOICES = sales_kind("invoices")


async def _round_trip(client: LexofficeClient) -> None:
    created = await client.contacts.create(a_person("Roundtrip"))
    assert created.version == 0
    action = await client.invoices.create(an_invoice(created.id), finalize=True)
    contact = await client.contacts.get(created.id)
    invoice = await client.invoices.get(action.id)
    assert contact.person is not None and contact.person.last_name == "Roundtrip"
    assert contact.roles.customer is not None and contact.roles.customer.number is not None
    assert invoice.voucher_status == "open"
    assert invoice.address is not None and invoice.address.contact_id == created.id
    assert invoice.line_items[0].line_item_amount == Decimal("149.99")  # 1.5 x 99.99
    # Rounded per tax rate: net 149.99, tax 28.50 (19 % of 149.99), gross their sum.
    assert invoice.total_price.total_gross_amount == Decimal("178.49")
    document = await client.invoices.download(action.id)
    assert document.media_type == "application/pdf"
    assert document.content.startswith(b"%PDF")
    assert document.filename == f"{invoice.voucher_number}.pdf"


async def test_round_trip_with_api_key(fake_lexoffice: FakeLexoffice) -> None:
    fake = fake_lexoffice  # the fixture's realistic 2 requests/second
    auth = ApiKeyAuth(fake.add_api_key(), api_origins=[fake.api_base])
    async with httpx.AsyncClient(transport=fake.transport()) as http:
        async with LexofficeClient(auth, base_url=fake.api_base, http_client=http) as client:
            await _round_trip(client)
        assert not http.is_closed  # the user's client is theirs to close


async def test_round_trip_with_oauth(
    fake_lexoffice: FakeLexoffice, lexoffice_auth_logged_in: LexofficeAuth
) -> None:
    fake = fake_lexoffice
    async with (
        httpx.AsyncClient(transport=fake.transport()) as http,
        LexofficeClient(lexoffice_auth_logged_in, base_url=fake.api_base, http_client=http) as c,
    ):
        await _round_trip(c)
    assert fake.token_calls == {"authorization_code": 1}


# Ten seconds of pacing in virtual time: the sandbox's bucket and the client's share the
# loop's clock, so the test checks the same arithmetic without waiting it out.
@pytest.mark.parametrize(
    "anyio_backend", [virtual_backend("asyncio"), virtual_backend("trio")], ids=["asyncio", "trio"]
)
async def test_200_concurrent_gets_at_20_per_second_get_no_429() -> None:
    clock = loop_clock()
    fake = FakeLexoffice(rate_limit=20.0, rate_limit_capacity=2.0, clock=clock)
    ids = [fake.add_contact(name=f"Kunde {i:03d}") for i in range(200)]
    statuses: Counter[int] = Counter()

    def counted(request: httpx.Request) -> httpx.Response:
        response = fake.handle(request)
        statuses[response.status_code] += 1
        return response

    auth = ApiKeyAuth(fake.add_api_key(), api_origins=[fake.api_base])
    http = httpx.AsyncClient(transport=httpx.MockTransport(counted))
    # No retries at all: a single 429 would fail the test.
    client = LexofficeClient(
        auth,
        base_url=fake.api_base,
        http_client=http,
        limiter=TokenBucket(20.0, clock=clock),
        retry=RetryPolicy.never(),
    )
    found: list[Contact] = []

    async def get(contact_id: str) -> None:
        found.append(await client.contacts.get(contact_id))

    async with http, client, anyio.create_task_group() as tg:
        for contact_id in ids:
            tg.start_soon(get, contact_id)
    assert sorted(c.id or "" for c in found) == sorted(ids)
    assert statuses == {200: 200}


async def test_1000_contacts_iterate_in_pages_of_250() -> None:
    fake = FakeLexoffice(rate_limit=None)
    ids = {fake.add_contact(name=f"Firma {i:04d}") for i in range(1000)}
    async with sandbox_client(fake) as client:
        seen = [c.id async for c in client.contacts.list(size=250)]
    assert len(seen) == 1000 and set(seen) == ids
    assert fake.calls["contacts:list"] == 4
    sizes = {parse_qs(r.url.query.decode())["size"][0] for r in fake.requests}
    assert sizes == {"250"}


async def test_contact_filters_escape_wildcards_and_html() -> None:
    fake = FakeLexoffice(rate_limit=None)
    wanted = fake.add_contact(name="Johnson & Partner", email="ab_c@x.example")
    fake.add_contact(name="Johnson und Partner", email="abxc@x.example")
    fake.add_contact(name="Lieferant AG", customer=False, vendor=True)
    async with sandbox_client(fake) as client:
        by_name = await client.contacts.list(name="johnson & partner")
        assert [c.id for c in by_name.content] == [wanted]
        literal = await client.contacts.list(email="ab_c")
        assert [c.id for c in literal.content] == [wanted]
        wild = await client.contacts.list(email="ab_c", wildcards=True)
        assert len(wild.content) == 2
        vendors = [c async for c in client.contacts.list(vendor=True)]
        assert [c.company.name for c in vendors if c.company] == ["Lieferant AG"]
    query = fake.requests[0].url.query.decode()
    assert "name=johnson%20%26amp%3B%20partner" in query


async def test_voucherlist_past_10000_splits_the_date_range() -> None:
    fake = FakeLexoffice(rate_limit=None)
    start = datetime(2024, 1, 1, 12, tzinfo=timezone.utc)
    ids = {
        fake.add_invoice(voucher_date=start + timedelta(minutes=90 * i), net_amount=10)
        for i in range(10_300)
    }
    async with sandbox_client(fake) as client:
        rows: list[VoucherListItem] = [
            row
            async for row in client.invoices.list(
                voucher_status="any",
                voucher_date_from=date(2024, 1, 1),
                voucher_date_to=date(2025, 12, 31),
                sort="voucherDate,ASC",
                size=250,  # lexoffice's largest page: what a walk over 10,000 rows would use
            )
        ]
    assert len(rows) == len(ids) and {r.id for r in rows} == ids
    dates = [r.voucher_date for r in rows if r.voucher_date]
    assert dates == sorted(dates)  # windows in order, each sorted by lexoffice
    windows = {
        (q["voucherDateFrom"][0], q["voucherDateTo"][0])
        for r in fake.requests
        if (q := parse_qs(r.url.query.decode()))
    }
    assert len(windows) >= 3  # the full range, then its halves
    assert rows[0].total_amount == Decimal("11.9")


async def test_modify_retries_on_conflict() -> None:
    fake = FakeLexoffice(rate_limit=None)
    cid = fake.add_contact(name="Alt GmbH")
    calls = 0

    def rename(contact: Contact) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:  # someone else saves in between: our version is stale
            fake.api.contacts[cid].data["version"] += 1
        assert contact.company is not None
        contact.company.name = "Neu GmbH"

    async with sandbox_client(fake) as client:
        result = await client.contacts.modify(cid, rename)
        assert calls == 2 and result.version == 2
        assert (await client.contacts.get(cid)).company.name == "Neu GmbH"  # type: ignore[union-attr]

        def always_stale(contact: Contact) -> None:
            fake.api.contacts[cid].data["version"] += 1

        with pytest.raises(Conflict) as info:
            await client.contacts.modify(cid, always_stale, attempts=3)
        assert info.value.retried == 2


async def test_update_keeps_unknown_fields_and_drops_read_only_ones() -> None:
    fake = FakeLexoffice(rate_limit=None)
    cid = fake.add_contact(
        {
            "version": 0,
            "roles": {"vendor": {}},
            "company": {"name": "X AG"},
            "futureField": {"a": 1},
        }
    )
    async with sandbox_client(fake) as client:
        contact = await client.contacts.get(cid)
        assert contact.model_extra == {"futureField": {"a": 1}}
        contact.note = "hallo"
        await client.contacts.update(cid, contact)
    body = fake.requests[-1].content
    assert b'"futureField":{"a":1}' in body
    for read_only in (b'"id"', b'"organizationId"', b'"archived"', b'"number"'):
        assert read_only not in body
    assert fake.api.contacts[cid].data["roles"]["vendor"]["number"] == 70001


async def test_sandbox_json_matches_the_models_exactly() -> None:
    """Every field the sandbox sends is a declared model field (none lands in extras)."""
    fake = FakeLexoffice(rate_limit=None)
    cid = fake.add_contact(a_person())
    iid = fake.add_invoice(an_invoice(cid).to_api())
    async with sandbox_client(fake) as client:
        contact = await client.contacts.get(cid)
        invoice = await client.invoices.get(iid)
        rows = await client.invoices.list()
        created = await client.contacts.create(a_person())
    assert set(rows.model_extra or {}) == {"sort"}  # paging metadata kept, not modelled
    # lexoffice documents relatedVouchers on every sales voucher; the Invoice model does not
    # declare it yet, so it is the one field allowed to land in the extras.
    for model in (contact, invoice, created, *rows.content):
        assert set(model.model_extra or {}) <= {"relatedVouchers"}, model.model_extra
    for part in (invoice.total_price, invoice.tax_conditions, *invoice.line_items):
        assert not part.model_extra
    assert isinstance(invoice, Invoice) and invoice.voucher_date is not None
    # What the client sends is what the sandbox (strict like lexoffice) accepts.
    assert violations(INVOICES, json.loads(an_invoice(cid).to_json()), fake.state) == []
