"""``overdue`` beside other statuses: split into lexoffice-legal queries, merged, no duplicates."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from lexoffice_auth.api import PaymentConditions
from lexoffice_auth.testing import FakeLexoffice

from .helpers import an_invoice, sandbox_client


def seed(fake: FakeLexoffice) -> dict[str, str]:
    """Two overdue, two open (not yet due) and one paid invoice, on five different days."""
    now = datetime.fromtimestamp(fake.clock(), timezone.utc)
    ids: dict[str, str] = {}
    for name, days_ago, term, status in (
        ("overdue-old", 60, 14, "open"),
        ("open-a", 40, 90, "open"),
        ("overdue-new", 30, 7, "open"),
        ("open-b", 2, 30, "open"),
        ("paid", 20, 14, "paid"),
    ):
        invoice = an_invoice()
        invoice.voucher_date = now - timedelta(days=days_ago)
        invoice.payment_conditions = PaymentConditions(payment_term_duration=term)
        ids[name] = fake.add_invoice(invoice, status=status)
    return ids


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
@pytest.mark.parametrize("sort", [None, "voucherDate,ASC", "voucherDate,DESC"])
async def test_open_and_overdue_give_the_union_once_in_the_requested_order(
    sort: str | None,
) -> None:
    fake = FakeLexoffice(rate_limit=None)
    ids = seed(fake)
    async with sandbox_client(fake) as client:
        rows = [
            r async for r in client.invoices.list(voucher_status=["open", "overdue"], sort=sort)
        ]
        page = await client.invoices.list(voucher_status="open,overdue", sort=sort, size=3)
        second = await client.invoices.list(
            voucher_status="open,overdue", sort=sort, size=3, page=1
        )
    by_age = [ids[n] for n in ("overdue-old", "open-a", "overdue-new", "open-b")]
    expected = by_age if sort == "voucherDate,ASC" else by_age[::-1]
    assert [r.id for r in rows] == expected  # paid left out, each id once, order kept
    assert {r.voucher_status for r in rows} == {"open", "overdue"}
    assert [r.id for r in page.content] == expected[:3]
    assert (page.total_elements, page.total_pages, page.last) == (4, 2, False)
    assert [r.id for r in second.content] == expected[3:] and second.last
    # lexoffice itself was only asked legal queries: overdue alone, the rest without it
    statuses = {r.url.params["voucherStatus"] for r in fake.requests if "voucherlist" in r.url.path}
    assert statuses == {"open", "overdue"}
