"""Seeding the sandbox without API calls: ``FakeLexoffice.add_contact``, ``add_invoice``,
``add_quotation``, ... (one method per resource, each applying the API's own checks)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from . import _seed
from ._state import SandboxState
from .api import Api

__all__ = ["Seeding"]


class Seeding:
    """The ``add_*`` methods of ``FakeLexoffice`` (over its state, API store and lock)."""

    state: SandboxState
    api: Api
    _lock: threading.RLock

    def add_contact(
        self,
        contact: Mapping[str, Any] | Any = None,
        *,
        name: str = "Muster GmbH",
        email: str | None = None,
        customer: bool = True,
        vendor: bool = False,
    ) -> str:
        """Seed a contact without an API call (no rate limit, no request log); returns its id.

        ``contact`` is lexoffice's contact JSON or an ``lexoffice_auth.api.Contact``;
        without it a company contact named ``name`` (with ``email``, in the roles given)
        is made. The same checks as ``POST /v1/contacts`` apply.

        Example:
            >>> from lexoffice_auth.testing import FakeLexoffice
            >>> fake = FakeLexoffice()
            >>> cid = fake.add_contact(name="Acme AG", email="info@acme.example")
            >>> fake.api.contacts[cid].data["company"]["name"]
            'Acme AG'
        """
        if contact is None:
            roles: dict[str, Any] = {
                role: {} for role, on in (("customer", customer), ("vendor", vendor)) if on
            }
            body: dict[str, Any] = {"version": 0, "roles": roles, "company": {"name": name}}
            if email is not None:
                body["emailAddresses"] = {"business": [email]}
        else:
            body = _seed.as_json(contact)
        with self._lock:
            return _seed.seed_contact(self.state, body)

    def add_article(
        self,
        article: Mapping[str, Any] | None = None,
        *,
        title: str = "Sandbox Artikel",
        article_type: str = "PRODUCT",
        net_price: float | Decimal = 100,
        tax_rate: int = 19,
        article_number: str | None = None,
    ) -> str:
        """Seed an article (``POST /v1/articles`` checks apply); returns its id.

        Example:
            >>> from lexoffice_auth.testing import FakeLexoffice
            >>> fake = FakeLexoffice()
            >>> aid = fake.add_article(net_price=68, title="Montage", article_type="SERVICE")
            >>> fake.api.store("articles")[aid].data["price"]["grossPrice"]
            80.92
        """
        if article is None:
            article = {
                "title": title,
                "type": article_type,
                "unitName": "Stück",
                "price": {"netPrice": float(net_price), "leadingPrice": "NET", "taxRate": tax_rate},
                **({"articleNumber": article_number} if article_number else {}),
            }
        with self._lock:
            return _seed.seed_article(self.state, _seed.as_json(article))

    def add_invoice(
        self,
        invoice: Mapping[str, Any] | Any = None,
        *,
        contact_id: str | None = None,
        status: str = "open",
        voucher_date: datetime | str | None = None,
        net_amount: float | Decimal = 100,
    ) -> str:
        """Seed an invoice without an API call; returns its id.

        ``invoice`` is lexoffice's invoice JSON or an ``lexoffice_auth.api.Invoice``;
        without it a one-line net invoice of ``net_amount`` EUR (19 % VAT) is made for
        ``contact_id`` (or a one-off recipient), dated ``voucher_date`` (default now).
        ``status`` is the stored ``voucherStatus`` (``"draft"``, ``"open"``, ``"paid"``,
        ...). The same checks as ``POST /v1/invoices`` apply.
        """
        return self._add_sales(
            "invoices", invoice, contact_id, status, voucher_date, net_amount, None
        )

    def _add_sales(
        self,
        resource: str,
        body: Mapping[str, Any] | Any,
        contact_id: str | None,
        status: str | None,
        voucher_date: datetime | str | None,
        net_amount: float | Decimal,
        preceding_id: str | None,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        kind = _seed.sales_kind(resource)
        if body is None:
            data = _seed.default_sales_body(
                kind, contact_id=contact_id, voucher_date=voucher_date, net_amount=net_amount
            )
        else:
            data = _seed.as_json(body)
        with self._lock:
            return _seed.seed_sales(
                self.state, kind, data, status=status, preceding_id=preceding_id, extra=extra
            )

    def add_quotation(
        self,
        quotation: Mapping[str, Any] | Any = None,
        *,
        contact_id: str | None = None,
        status: str = "open",
        voucher_date: datetime | str | None = None,
        net_amount: float | Decimal = 100,
    ) -> str:
        """Seed a quotation (``open``, ``draft``, ``accepted``, ``rejected``); returns its id.

        Example:
            >>> from lexoffice_auth.testing import FakeLexoffice
            >>> fake = FakeLexoffice()
            >>> qid = fake.add_quotation(net_amount=250)
            >>> fake.api.store("quotations")[qid].data["totalPrice"]["totalGrossAmount"]
            297.5
        """
        return self._add_sales(
            "quotations", quotation, contact_id, status, voucher_date, net_amount, None
        )

    def add_order_confirmation(
        self,
        order_confirmation: Mapping[str, Any] | Any = None,
        *,
        contact_id: str | None = None,
        status: str = "open",
        voucher_date: datetime | str | None = None,
        net_amount: float | Decimal = 100,
        preceding_id: str | None = None,
    ) -> str:
        """Seed an order confirmation (optionally pursued from quotation ``preceding_id``)."""
        return self._add_sales(
            "order-confirmations",
            order_confirmation,
            contact_id,
            status,
            voucher_date,
            net_amount,
            preceding_id,
        )

    def add_delivery_note(
        self,
        delivery_note: Mapping[str, Any] | Any = None,
        *,
        contact_id: str | None = None,
        status: str = "open",
        voucher_date: datetime | str | None = None,
        preceding_id: str | None = None,
    ) -> str:
        """Seed a delivery note (``open`` or ``draft``); returns its id."""
        return self._add_sales(
            "delivery-notes", delivery_note, contact_id, status, voucher_date, 0, preceding_id
        )

    def add_credit_note(
        self,
        credit_note: Mapping[str, Any] | Any = None,
        *,
        contact_id: str | None = None,
        status: str = "open",
        voucher_date: datetime | str | None = None,
        net_amount: float | Decimal = 100,
        invoice_id: str | None = None,
    ) -> str:
        """Seed a credit note; with ``invoice_id`` it is linked to (and pays off) that invoice."""
        return self._add_sales(
            "credit-notes", credit_note, contact_id, status, voucher_date, net_amount, invoice_id
        )

    def add_down_payment_invoice(
        self,
        down_payment_invoice: Mapping[str, Any] | Any = None,
        *,
        contact_id: str | None = None,
        status: str = "open",
        voucher_date: datetime | str | None = None,
        net_amount: float | Decimal = 100,
        closing_invoice_id: str | None = None,
    ) -> str:
        """Seed a down-payment invoice (the API cannot create them); returns its id."""
        return self._add_sales(
            "down-payment-invoices",
            down_payment_invoice,
            contact_id,
            status,
            voucher_date,
            net_amount,
            None,
            {"closingInvoiceId": closing_invoice_id},
        )

    def add_dunning(
        self,
        invoice_id: str,
        dunning: Mapping[str, Any] | Any = None,
        *,
        voucher_date: datetime | str | None = None,
    ) -> str:
        """Seed a dunning (always a draft) for invoice or down-payment invoice ``invoice_id``.

        Without ``dunning`` its contact, tax conditions and lines are the invoice's.
        """
        if dunning is None:
            with self._lock:
                dunning = _seed.default_dunning_body(self.state, invoice_id, voucher_date)
        return self._add_sales("dunnings", dunning, None, None, None, 0, invoice_id)

    def add_voucher(
        self,
        voucher: Mapping[str, Any] | None = None,
        *,
        voucher_type: str = "salesinvoice",
        status: str = "open",
        voucher_number: str = "BELEG-1",
        voucher_date: str = "2026-01-02",
        gross_amount: float | Decimal = 119,
        tax_rate: int = 19,
        contact_id: str | None = None,
    ) -> str:
        """Seed a bookkeeping voucher (``POST /v1/vouchers`` checks apply); returns its id.

        Without ``voucher`` a one-item gross voucher of ``gross_amount`` EUR is made, for
        the collective contact unless ``contact_id`` is given.
        """
        if voucher is None:
            voucher = _seed.default_voucher_body(
                voucher_type=voucher_type,
                status=status,
                voucher_number=voucher_number,
                voucher_date=voucher_date,
                gross_amount=gross_amount,
                tax_rate=tax_rate,
                contact_id=contact_id,
            )
        with self._lock:
            voucher_id = _seed.seed_voucher(self.state, _seed.as_json(voucher))
            if status not in ("open", "unchecked"):
                self.api.store("vouchers")[voucher_id].data["voucherStatus"] = status
            return voucher_id

    def add_file(
        self,
        content: bytes = b"%PDF-1.4\n%sandbox\n",
        *,
        filename: str = "beleg.pdf",
        voucher_id: str | None = None,
    ) -> str:
        """Seed an uploaded file (as ``POST /v1/files``, or attached to ``voucher_id``).

        The upload checks (5 MB, pdf/jpg/png, xml with the ``"e-invoice"`` feature) and the
        checksum dedupe apply: the same bytes give the same id.
        """
        with self._lock:
            return _seed.seed_file(self.state, content, filename, voucher_id)

    def add_recurring_template(
        self,
        template: Mapping[str, Any] | None = None,
        *,
        contact_id: str | None = None,
        next_execution_date: str = "2026-02-01",
        execution_interval: str = "MONTHLY",
        net_amount: float | Decimal = 100,
    ) -> str:
        """Seed a recurring template (read-only in lexoffice's API); returns its id."""
        if template is None:
            template = _seed.default_template(
                contact_id=contact_id,
                next_execution_date=next_execution_date,
                execution_interval=execution_interval,
                net_amount=net_amount,
            )
        with self._lock:
            return _seed.seed_recurring_template(self.state, _seed.as_json(template))

    def add_payment(
        self,
        voucher_id: str,
        amount: float | Decimal,
        *,
        item_type: str = "partPaymentFinancialTransaction",
        posting_date: datetime | str | None = None,
    ) -> str:
        """Record a payment item on a voucher (``GET /v1/payments`` shows it); returns the id.

        A voucher paid in full turns ``paid`` (a credit note ``paidoff``).

        Example:
            >>> from lexoffice_auth.testing import FakeLexoffice
            >>> fake = FakeLexoffice()
            >>> iid = fake.add_invoice(net_amount=100)
            >>> _ = fake.add_payment(iid, 119)
            >>> fake.api.invoices[iid].data["voucherStatus"]
            'paid'
        """
        with self._lock:
            _seed.seed_payment(
                self.state, voucher_id, amount, item_type=item_type, posting_date=posting_date
            )
        return voucher_id.lower()
