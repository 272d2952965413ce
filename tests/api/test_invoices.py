"""``client.invoices`` (``api/_invoices.py``): ``get_by_number`` through the voucherlist."""

from __future__ import annotations

import pytest

from lexoffice_auth.errors import ConfigurationError, NotFound
from lexoffice_auth.testing import FakeLexoffice

from .helpers import sandbox_client


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_an_invoice_is_found_by_its_number() -> None:
    fake = FakeLexoffice(rate_limit=None)
    first, second = fake.add_invoice(net_amount=100), fake.add_invoice(net_amount=200)
    async with sandbox_client(fake) as client:
        number = (await client.invoices.get(second)).voucher_number
        assert number is not None
        found = await client.invoices.get_by_number(number)
        assert found.id == second and found.id != first
        with pytest.raises(NotFound, match="no invoice with voucher number 'RE9999'"):
            await client.invoices.get_by_number("RE9999")
        with pytest.raises(ConfigurationError):
            await client.invoices.get_by_number("  ")
    asked = [r.url.params for r in fake.requests if r.url.path.endswith("/voucherlist")]
    assert asked[0]["voucherNumber"] == number and asked[0]["voucherType"] == "invoice"
