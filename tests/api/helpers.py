"""Shared pieces of the API client tests: a client on the sandbox, quick retries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

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


def mock_client(
    handler: Callable[[httpx.Request], httpx.Response], **options: Any
) -> LexofficeClient:
    options.setdefault("retry", FAST_RETRY)
    options.setdefault("rate_limit", None)
    return LexofficeClient(
        ApiKeyAuth("key"),
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        **options,
    )


def voucherlist_client(requests: list[dict[str, str]], *, window: int = 40) -> LexofficeClient:
    """A voucherlist with one row per day of 2024 that claims 10,000 rows for any date
    range holding more than ``window`` of them, so ``iter`` has to split it."""

    def api(request: httpx.Request) -> httpx.Response:
        query = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        requests.append(query)
        low = date.fromisoformat(query.get("voucherDateFrom", "1900-01-01"))
        high = date.fromisoformat(query.get("voucherDateTo", "2199-12-31"))
        rows = [d for d in DAYS if low <= d <= high]
        rows.sort(reverse=query.get("sort", "").endswith(",DESC"))
        page, size = int(query["page"]), int(query["size"])
        total = 10_000 if len(rows) > window else len(rows)
        content = [] if total >= 10_000 else rows[page * size : (page + 1) * size]
        pages = -(-total // size)
        return httpx.Response(
            200,
            json={
                "content": [{"id": d.isoformat()} for d in content],
                "first": page == 0,
                "last": page + 1 >= pages,
                "totalPages": pages,
                "totalElements": total,
                "numberOfElements": len(content),
                "size": size,
                "number": page,
            },
        )

    return LexofficeClient(
        ApiKeyAuth("key"),
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(api)),
        retry=FAST_RETRY,
        rate_limit=None,
    )


DAYS = [date(2024, 1, 1) + timedelta(days=i) for i in range(366)]  # one row per day of 2024


def recording_client() -> tuple[LexofficeClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id": "x", "version": 0})

    client = LexofficeClient(
        ApiKeyAuth("key"),
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(api)),
        retry=FAST_RETRY,
        rate_limit=None,
    )
    return client, seen
