"""Shared pieces of the API client tests: a client on the sandbox, quick retries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from lexoffice_auth import ApiKeyAuth
from lexoffice_auth.api import (
    Contact,
    ContactRole,
    ContactRoles,
    Invoice,
    InvoiceAddress,
    LexofficeClient,
    LineItem,
    Person,
    RetryPolicy,
    UnitPrice,
)
from lexoffice_auth.testing import FakeLexoffice

FAST_RETRY = RetryPolicy(wait_initial=0.001, wait_max=0.01, wait_jitter=0.0)


def sandbox_client(
    fake: FakeLexoffice, *, rate_limit: float | None = None, **options: Any
) -> LexofficeClient:
    """A client with an API key of ``fake``, over its MockTransport."""
    auth = ApiKeyAuth(fake.add_api_key(), api_origins=[fake.api_base])
    options.setdefault("retry", FAST_RETRY)
    return LexofficeClient(
        auth,
        base_url=fake.api_base,
        http_client=httpx.AsyncClient(transport=fake.transport()),
        rate_limit=rate_limit,
        **options,
    )


def a_person(last_name: str = "Lang") -> Contact:
    return Contact(
        roles=ContactRoles(customer=ContactRole()),
        person=Person(first_name="Eva", last_name=last_name),
    )


def an_invoice(contact_id: str | None = None) -> Invoice:
    from datetime import datetime, timezone

    address = (
        InvoiceAddress(contact_id=contact_id)
        if contact_id
        else InvoiceAddress(name="Muster GmbH", country_code="DE")
    )
    return Invoice(
        voucher_date=datetime(2024, 5, 1, 10, 30, tzinfo=timezone.utc),
        address=address,
        line_items=[
            LineItem(
                type="custom",
                name="Beratung",
                quantity=Decimal("1.5"),
                unit_name="Stunde",
                unit_price=UnitPrice(net_amount=Decimal("99.99"), tax_rate_percentage=Decimal(19)),
            )
        ],
    )
