"""``client.payments`` (``api/_payments.py``): open, paid and draft vouchers, its errors."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import httpx
import pytest

from lexoffice_auth.errors import ValidationFailed

from .books_helpers import (
    CN,
    INV,
    R,
    client,
    json_response,
    lexoffice,
)

SUMMER = timezone(timedelta(hours=2))


def _assert_get(request: httpx.Request, url: str, token: str = "key") -> None:
    assert request.method == "GET" and str(request.url) == url and request.content == b""
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Authorization"] == f"Bearer {token}"


async def test_payments_open_and_paid_and_a_draft() -> None:
    open_invoice = (
        '{"openAmount":2752.86,"currency":"EUR","paymentStatus":"openRevenue",'
        '"voucherType":"invoice","voucherStatus":"open","paymentItems":[{"paymentItemType":'
        '"partPaymentFinancialTransaction","postingDate":"2025-10-15T00:00:00.000+02:00",'
        '"amount":2000.00,"currency":"EUR"}]}'
    )
    paid = (
        '{"openAmount":0.0,"currency":"EUR","paymentStatus":"balanced","voucherType":"invoice",'
        '"voucherStatus":"paid","paidDate":"2025-10-20T09:12:44.000+02:00","paymentItems":['
        '{"paymentItemType":"partPaymentFinancialTransaction","postingDate":'
        '"2025-10-20T00:00:00.000+02:00","amount":4657.80,"currency":"EUR"},'
        '{"paymentItemType":"cashDiscount","postingDate":"2025-10-20T00:00:00.000+02:00",'
        '"amount":95.06,"currency":"EUR"}]}'
    )
    draft = {
        "timestamp": "2025-10-01T10:00:00.000+02:00",
        "status": 406,
        "error": "Not Acceptable",
        "path": f"/v1/payments/{CN}",
        "traceId": "1a2b3c",
        "message": "Voucher is in draft state",
    }
    with lexoffice() as api:
        route = api.get(f"/v1/payments/{INV}").mock(
            side_effect=[json_response(200, open_invoice), json_response(200, paid)]
        )
        api.get(f"/v1/payments/{CN}").mock(return_value=json_response(406, draft))
        async with client() as lx:
            first = await lx.payments.get(INV)
            second = await lx.payments.get(INV)
            with pytest.raises(ValidationFailed) as caught:
                await lx.payments.get(CN)
    _assert_get(route.calls.last.request, f"{R}/payments/{INV}")
    assert first.open_amount == Decimal("2752.86") and first.paid_date is None
    assert first.payment_status == "openRevenue" and first.voucher_status == "open"
    assert first.payment_items is not None and first.payment_items[0].amount == Decimal("2000")
    assert first.payment_items[0].posting_date == datetime(2025, 10, 15, tzinfo=SUMMER)
    assert second.open_amount == 0 and second.payment_status == "balanced"
    assert second.paid_date == datetime(2025, 10, 20, 9, 12, 44, tzinfo=SUMMER)
    assert second.payment_items is not None
    amounts = [i.amount for i in second.payment_items]
    assert amounts == [Decimal("4657.80"), Decimal("95.06")]
    assert sum(a for a in amounts if a is not None) == Decimal("4752.86")
    error = caught.value
    assert error.status_code == 406 and error.trace_id == "1a2b3c"
    assert "Voucher is in draft state" in error.message
    assert "no payment data for this voucher; drafts (finalize them first)" in error.message


async def test_a_payments_error_other_than_406_is_left_as_it_is() -> None:
    with lexoffice() as api:
        api.get(f"/v1/payments/{INV}").mock(return_value=json_response(400, {"message": "bad"}))
        async with client() as lx:
            with pytest.raises(ValidationFailed) as caught:
                await lx.payments.get(INV)
    assert caught.value.message == f"GET /v1/payments/{INV}: HTTP 400: bad"
