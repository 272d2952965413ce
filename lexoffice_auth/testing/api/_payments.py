"""``GET /v1/payments/{voucherId}`` and the payment items the sandbox records."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from httpx import Response

from lexoffice_auth.testing._responses import format_datetime, json_response
from lexoffice_auth.testing._state import Record, SandboxState
from lexoffice_auth.testing.api._amounts import money, number
from lexoffice_auth.testing.api._call import Call, Problem
from lexoffice_auth.testing.api._sales_body import gross_total

__all__ = ["find_payable", "get", "open_amount", "record_payment"]

PAYMENT_ITEM_TYPES = frozenset(
    {
        "partPaymentFinancialTransaction",
        "partPaymentCreditNote",
        "partPaymentCashBox",
        "manualPayment",
        "cashDiscount",
        "dunningCosts",
        "currencyConversion",
        "irrecoverableReceivable",
    }
)
# Payable vouchers: the store they live in and the voucherType the payments GET reports.
_PAYABLE = (
    ("invoices", "invoice"),
    ("down-payment-invoices", "downpaymentinvoice"),
    ("credit-notes", "creditnote"),
    ("vouchers", None),  # bookkeeping: the voucher's own type
)
_PAID = {"creditnote": "paidoff", "salescreditnote": "paidoff", "purchasecreditnote": "paidoff"}


def find_payable(state: SandboxState, voucher_id: str) -> tuple[Record, str] | None:
    """The record and payments ``voucherType`` of an invoice, credit note or voucher."""
    for resource, voucher_type in _PAYABLE:
        record = state.store(resource).get(voucher_id.lower())
        if record is not None:
            return record, voucher_type or str(record.data.get("type"))
    return None


def _total(record: Record) -> Decimal:
    if "totalGrossAmount" in record.data:  # a bookkeeping voucher
        return number(record.data["totalGrossAmount"]) or Decimal(0)
    return gross_total(record.data)


def open_amount(record: Record) -> Decimal:
    """Gross total minus the recorded payment items (0 once paid, paid off or voided)."""
    if record.data.get("voucherStatus") in ("paid", "paidoff", "voided"):
        return Decimal(0)
    paid = sum(
        (number(i["amount"]) or Decimal(0) for i in record.extra.get("payments", [])), Decimal(0)
    )
    return max(_total(record) - paid, Decimal(0))


def record_payment(
    state: SandboxState,
    record: Record,
    voucher_type: str,
    amount: Decimal,
    *,
    item_type: str,
    posting_date: str,
) -> None:
    """Add a payment item; a voucher paid in full turns ``paid`` (credit notes ``paidoff``)."""
    items: list[dict[str, Any]] = record.extra.setdefault("payments", [])
    items.append(
        {
            "paymentItemType": item_type,
            "postingDate": posting_date,
            "amount": money(amount),
            "currency": "EUR",
        }
    )
    if open_amount(record) == 0 and record.data.get("voucherStatus") in ("open", "sepadebit"):
        record.data["voucherStatus"] = _PAID.get(voucher_type, "paid")
        record.extra["paid_at"] = state.now()
    record.updated = state.now()
    state.emit("payment.changed", record.data["id"])


def get(call: Call) -> Response:
    """``GET /v1/payments/{voucherId}``: open amount, status and items; 406 for drafts."""
    found = find_payable(call.state, call.args[0])
    if found is None:
        other = any(
            call.args[0].lower() in call.state.store(r)
            for r in ("quotations", "order-confirmations", "delivery-notes", "dunnings")
        )
        if other:
            raise Problem(406, "This voucher type has no payment data")
        raise Problem(404, "Resource not found")
    record, voucher_type = found
    status = record.data.get("voucherStatus")
    if status in ("draft", "blank", "unchecked"):
        raise Problem(406, "Payment data is not available for a draft voucher")
    if record.extra.get("linked_invoice"):
        raise Problem(406, "A credit note linked to an invoice has no payment data of its own")
    left = open_amount(record)
    revenue = not voucher_type.startswith("purchase")
    body: dict[str, Any] = {
        "openAmount": money(left),
        "currency": "EUR",
        "paymentStatus": "balanced" if left == 0 else "openRevenue" if revenue else "openExpense",
        "voucherType": voucher_type,
        "voucherStatus": status,
    }
    if status in ("paid", "paidoff") and "paid_at" in record.extra:
        body["paidDate"] = format_datetime(record.extra["paid_at"])
    body["paymentItems"] = list(record.extra.get("payments", []))
    return json_response(200, body)
