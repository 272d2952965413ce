"""The sales-voucher kinds and how they differ (reference §3b.1), as one small table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["KINDS", "SalesKind", "kind_of_type"]


@dataclass(frozen=True)
class SalesKind:
    """What sets one sales-voucher resource apart from the others."""

    resource: str
    """Path segment and store name, e.g. ``"credit-notes"``."""
    voucher_type: str
    """The voucherlist / ``relatedVouchers`` spelling, e.g. ``"creditnote"``."""
    event: str
    """Webhook event prefix, e.g. ``"credit-note"``."""
    prefix: str | None
    """Voucher-number sequence (``RE``, ``GS``, ...); None: no number (dunnings)."""
    shipping: Literal["required", "optional", "none"] = "required"
    priced: bool = True
    sources: frozenset[str] = frozenset()
    """voucher types it may be pursued from (``precedingSalesVoucherId``)."""
    pursue_required: bool = False
    always_draft: bool = False
    e_invoice: bool = False
    """``/file`` may answer XML (XRechnung)."""
    draft_has_file: bool = False
    due_date: bool = False
    discounts: bool = True
    creatable: bool = True
    document: bool = True
    """The deprecated ``/document`` route exists."""


KINDS: tuple[SalesKind, ...] = (
    SalesKind(
        "invoices",
        "invoice",
        "invoice",
        "RE",
        sources=frozenset({"quotation", "orderconfirmation", "deliverynote"}),
        e_invoice=True,
        due_date=True,
    ),
    SalesKind(
        "credit-notes",
        "creditnote",
        "credit-note",
        "GS",
        shipping="none",
        sources=frozenset({"invoice"}),
        e_invoice=True,
        discounts=False,
    ),
    SalesKind(
        "delivery-notes",
        "deliverynote",
        "delivery-note",
        "LS",
        shipping="optional",
        priced=False,
        sources=frozenset({"quotation", "orderconfirmation", "invoice"}),
    ),
    SalesKind(
        "down-payment-invoices",
        "downpaymentinvoice",
        "down-payment-invoice",
        "RE",  # down-payment invoices share the invoices' sequence (RE1040, RE1042 in §3c)
        e_invoice=True,
        due_date=True,
        creatable=False,
        document=False,
    ),
    SalesKind(
        "dunnings",
        "dunning",
        "dunning",
        None,
        sources=frozenset({"invoice", "downpaymentinvoice"}),
        pursue_required=True,
        always_draft=True,
        draft_has_file=True,
    ),
    SalesKind(
        "order-confirmations",
        "orderconfirmation",
        "order-confirmation",
        "AB",
        sources=frozenset({"quotation"}),
    ),
    SalesKind("quotations", "quotation", "quotation", "AG", shipping="none"),
)

_BY_TYPE = {kind.voucher_type: kind for kind in KINDS}


def kind_of_type(voucher_type: str) -> SalesKind | None:
    """The kind whose voucher type is ``voucher_type`` (``"invoice"``, ...), if any."""
    return _BY_TYPE.get(voucher_type)
