"""The sandbox's lexoffice API: contacts, invoices, voucherlist, profile, ping.

Shapes follow lexoffice's public documentation; where the docs are silent (error keys,
version numbers after create) the sandbox picks one plausible behaviour and says so.
"""

from __future__ import annotations

import copy
import html
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from httpx import Request, Response

from ._events import is_loopback_url
from ._pdf import tiny_pdf
from ._ratelimit import TokenBucket
from ._responses import (
    format_datetime,
    gateway_error,
    json_response,
    legacy_error,
    page_envelope,
    parse_datetime,
    regular_error,
)

if TYPE_CHECKING:
    from ._fake import FakeLexoffice
    from ._model import FakeUser

__all__ = ["Api", "Credential"]

_UUID = r"[0-9a-fA-F-]{36}"
_ROUTES: list[tuple[re.Pattern[str], dict[str, str]]] = [
    (re.compile(r"^/v1/contacts/?$"), {"GET": "contacts:list", "POST": "contacts:create"}),
    (re.compile(rf"^/v1/contacts/({_UUID})$"), {"GET": "contacts:get", "PUT": "contacts:update"}),
    (re.compile(r"^/v1/invoices/?$"), {"POST": "invoices:create"}),
    (re.compile(rf"^/v1/invoices/({_UUID})$"), {"GET": "invoices:get"}),
    (re.compile(rf"^/v1/invoices/({_UUID})/file$"), {"GET": "invoices:file"}),
    (re.compile(r"^/v1/voucherlist/?$"), {"GET": "voucherlist"}),
    (re.compile(r"^/v1/profile/?$"), {"GET": "profile"}),
    (
        re.compile(r"^/v1/event-subscriptions/?$"),
        {"GET": "subscriptions:list", "POST": "subscriptions:create"},
    ),
    (
        re.compile(rf"^/v1/event-subscriptions/({_UUID})$"),
        {"GET": "subscriptions:get", "DELETE": "subscriptions:delete"},
    ),
    (re.compile(r"^/v1/ping/?$"), {"GET": "ping"}),
]
# Used only with ``enforce_api_scopes=True``; lexoffice's partner scopes follow this pattern.
_SCOPES = {
    "contacts:list": "contacts.read",
    "contacts:get": "contacts.read",
    "contacts:create": "contacts.write",
    "contacts:update": "contacts.write",
    "invoices:create": "invoices.write",
    "invoices:get": "invoices.read",
    "invoices:file": "invoices.read",
    "voucherlist": "vouchers.read",
    "profile": "profile.read",
}
_MAX_SIZE = 250
_TAX_TYPES = {
    "net",
    "gross",
    "vatfree",
    "intraCommunitySupply",
    "constructionService13b",
    "externalService13b",
    "thirdPartyCountryService",
    "thirdPartyCountryDelivery",
    "photovoltaicEquipment",
}
_SHIPPING_TYPES = {"service", "serviceperiod", "delivery", "deliveryperiod", "none"}
_LINE_TYPES = {"service", "material", "custom", "text"}
_INVOICE_READ_ONLY = ("id", "organizationId", "createdDate", "updatedDate", "voucherStatus")
_VOUCHER_TYPES = {
    "salesinvoice",
    "salescreditnote",
    "purchaseinvoice",
    "purchasecreditnote",
    "invoice",
    "downpaymentinvoice",
    "creditnote",
    "orderconfirmation",
    "quotation",
    "deliverynote",
}
_VOUCHER_STATUSES = {
    "draft",
    "open",
    "overdue",
    "paid",
    "paidoff",
    "voided",
    "transferred",
    "sepadebit",
    "accepted",
    "rejected",
    "unchecked",
}
_VOUCHER_SORT = {"voucherDate", "voucherNumber", "createdDate", "updatedDate"}
_CENT = Decimal("0.01")
_MULTI_ENTRY_LISTS = (
    ("addresses", "billing"),
    ("addresses", "shipping"),
    *(("emailAddresses", k) for k in ("business", "office", "private", "other")),
    *(("phoneNumbers", k) for k in ("business", "office", "mobile", "private", "fax", "other")),
    ("company", "contactPersons"),
)


@dataclass(frozen=True)
class Credential:
    """Who is calling: an OAuth grant or an API key."""

    key: str
    user: FakeUser
    connection_id: str
    scopes: frozenset[str] | None  # None: an API key, allowed everything


class _BadQuery(Exception):
    pass


def _num(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return Decimal(str(value))


def _money(value: Decimal) -> float:
    return float(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def _like(pattern: str) -> re.Pattern[str]:
    """lexoffice's search: HTML-unescaped, ``_``/``%`` wildcards, ``\\`` escapes, any case."""
    text = html.unescape(pattern)
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(re.escape(text[i + 1]))
            i += 2
            continue
        out.append("." if ch == "_" else ".*" if ch == "%" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


@dataclass
class _Stored:
    data: dict[str, Any]
    created: float
    updated: float
    extra: dict[str, Any] = field(default_factory=dict)


class Api:
    """The lexoffice-API half of a :class:`FakeLexoffice` (which owns the lock)."""

    def __init__(self, fake: FakeLexoffice) -> None:
        self.fake = fake
        self.contacts: dict[str, _Stored] = {}
        self.invoices: dict[str, _Stored] = {}
        self.buckets: dict[str, TokenBucket] = {}
        self._customer_numbers = 10000
        self._vendor_numbers = 70000
        self._invoice_numbers = 0

    # --- dispatch ------------------------------------------------------------------------

    def route(self, method: str, path: str) -> tuple[str | None, tuple[str, ...], bool]:
        """(endpoint name, path arguments, path known) for an API path below the base."""
        for pattern, methods in _ROUTES:
            match = pattern.match(path)
            if match:
                return methods.get(method), match.groups(), True
        return None, (), False

    def handle(self, request: Request, path: str) -> Response:
        """Bearer check, rate limit, then the endpoint."""
        fake = self.fake
        now = fake.clock()
        name, args, known = self.route(request.method, path)
        if not known:
            return regular_error(404, path, now, "Resource not found")
        fake.calls[name or "api:method_not_allowed"] += 1
        if name is None:
            return regular_error(405, path, now, "Method not allowed")
        who = self._credential(request)
        if isinstance(who, Response):
            return who
        if not self._take_token(who.key, now):
            return regular_error(429, path, now, "Rate limit exceeded. Please try again later.")
        needed = _SCOPES.get(name)
        if (
            fake.enforce_api_scopes
            and needed
            and who.scopes is not None
            and needed not in who.scopes
        ):
            return regular_error(403, path, now, f"Missing scope {needed}")
        handler: Callable[..., Response] = getattr(self, "_" + name.replace(":", "_"))
        return handler(request, path, who, *args)

    def _credential(self, request: Request) -> Credential | Response:
        fake = self.fake
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        if token:
            owner = fake.api_keys.get(token)
            if owner is not None:
                user, connection = owner
                return Credential("key:" + connection, user, connection, None)
            grant = fake.provider.grant_for_access_token(token)
            if grant is not None:
                scopes = frozenset(grant.scopes)
                return Credential(
                    "grant:" + grant.grant_id, grant.user, grant.connection_id, scopes
                )
        # RFC 6750 §3.1: no error code when the request carried no credentials at all.
        challenge = 'Bearer realm="lexoffice-sandbox"'
        if token:
            challenge += ', error="invalid_token"'
        return gateway_error(401, "Unauthorized", headers={"WWW-Authenticate": challenge})

    def _take_token(self, key: str, now: float) -> bool:
        fake = self.fake
        if fake.rate_limit is None:
            return True
        bucket_key = "global" if fake.rate_limit_scope == "global" else key
        bucket = self.buckets.get(bucket_key)
        if bucket is None:
            capacity = fake.rate_limit_capacity
            bucket = self.buckets[bucket_key] = TokenBucket.full(fake.rate_limit, capacity, now)
        return bucket.take(now)

    @staticmethod
    def _query(request: Request) -> dict[str, str]:
        params: dict[str, str] = {}
        for name, values in parse_qs(request.url.query.decode(), keep_blank_values=True).items():
            if len(values) > 1:
                raise _BadQuery(f"filter {name} must not be repeated")
            params[name] = values[0]
        return params

    @staticmethod
    def _json_body(request: Request) -> tuple[dict[str, Any] | None, str | None]:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/json":
            return None, "415"
        try:
            data = json.loads(request.content)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None, "body is not valid JSON"
        if not isinstance(data, dict):
            return None, "body must be a JSON object"
        return data, None

    def _action_result(self, kind: str, item_id: str, stored: _Stored) -> dict[str, Any]:
        return {
            "id": item_id,
            "resourceUri": f"{self.fake.api_base.rstrip('/')}/v1/{kind}/{item_id}",
            "createdDate": format_datetime(stored.created),
            "updatedDate": format_datetime(stored.updated),
            "version": stored.data["version"],
        }

    def _regular_body(self, request: Request, path: str, now: float) -> dict[str, Any] | Response:
        """The JSON object in ``request``, or the regular-shape 415/400 error answer."""
        body, problem = self._json_body(request)
        if problem == "415":
            return regular_error(415, path, now, "Content-Type must be application/json")
        if body is None:
            return regular_error(400, path, now, problem or "bad request")
        return body

    # --- contacts (legacy error shape) ---------------------------------------------------

    def _contact_body(self, request: Request) -> dict[str, Any] | Response:
        body, problem = self._json_body(request)
        if problem == "415":
            return legacy_error(
                415, [{"i18nKey": "unsupported_media_type", "source": "Content-Type"}]
            )
        if body is None:
            return legacy_error(400, [{"i18nKey": "bad_request_error", "source": problem}])
        return body

    def _contact_issues(self, body: Mapping[str, Any], *, update: bool) -> list[dict[str, str]]:
        issues: list[dict[str, str]] = []

        def missing(source: str) -> None:
            issues.append({"i18nKey": "missing_entity", "source": source})

        def invalid(source: str) -> None:
            issues.append({"i18nKey": "invalid_value", "source": source})

        version = body.get("version")
        if version is None:
            missing("version")
        elif not update and version != 0:
            invalid("version")
        roles = body.get("roles")
        if not isinstance(roles, dict) or not roles:
            missing("roles")
        elif set(roles) - {"customer", "vendor"} or not all(
            isinstance(v, dict) for v in roles.values()
        ):
            invalid("roles")
        company, person = body.get("company"), body.get("person")
        if (company is None) == (person is None):
            invalid("company and person")
        elif company is not None:
            if not isinstance(company, dict) or not _nonempty(company.get("name")):
                missing("company.name")
        elif not isinstance(person, dict) or not _nonempty(person.get("lastName")):
            missing("person.lastName")
        elif len(str(person.get("salutation") or "")) > 25:
            invalid("person.salutation")
        if len(str(body.get("note") or "")) > 1000:
            invalid("note")
        if update:
            for outer, inner in _MULTI_ENTRY_LISTS:
                section = body.get(outer)
                value = section.get(inner) if isinstance(section, dict) else None
                if isinstance(value, list) and len(value) > 1:
                    invalid(f"{outer}.{inner}")
        return issues

    def _store_roles(self, roles: Mapping[str, Any], old: Mapping[str, Any]) -> dict[str, Any]:
        # Customer and vendor numbers are read-only: keep old ones, assign new ones.
        out: dict[str, Any] = {}
        for role in ("customer", "vendor"):
            if role not in roles:
                continue
            number = old.get(role, {}).get("number")
            if number is None:
                if role == "customer":
                    self._customer_numbers += 1
                    number = self._customer_numbers
                else:
                    self._vendor_numbers += 1
                    number = self._vendor_numbers
            out[role] = {"number": number}
        return out

    def _contacts_create(self, request: Request, path: str, who: Credential) -> Response:
        body = self._contact_body(request)
        if isinstance(body, Response):
            return body
        issues = self._contact_issues(body, update=False)
        if issues:
            return legacy_error(406, issues)
        contact_id = self.store_contact(body)
        stored = self.contacts[contact_id]
        return json_response(200, self._action_result("contacts", contact_id, stored))

    def store_contact(self, body: Mapping[str, Any]) -> str:
        """Store a contact whose body passed the checks; returns its new id."""
        now = self.fake.clock()
        contact_id = self.fake.new_uuid()
        data = {k: copy.deepcopy(v) for k, v in body.items() if k not in ("id", "organizationId")}
        data.update(
            id=contact_id,
            organizationId=self.fake.organization_id,
            version=0,
            roles=self._store_roles(body["roles"], {}),
            archived=False,
        )
        self.contacts[contact_id] = _Stored(data, now, now)
        self.fake.events.emit("contact.created", contact_id)
        return contact_id

    def _contact(self, cid: str) -> _Stored | Response:
        stored = self.contacts.get(cid.lower())
        if stored is None:
            return legacy_error(404, [{"i18nKey": "missing_entity", "source": "id"}])
        return stored

    def _contacts_get(self, request: Request, path: str, who: Credential, cid: str) -> Response:
        stored = self._contact(cid)
        return stored if isinstance(stored, Response) else json_response(200, stored.data)

    def _contacts_update(self, request: Request, path: str, who: Credential, cid: str) -> Response:
        stored = self._contact(cid)
        if isinstance(stored, Response):
            return stored
        body = self._contact_body(request)
        if isinstance(body, Response):
            return body
        issues = self._contact_issues(body, update=True)
        if issues:
            return legacy_error(406, issues)
        if body["version"] != stored.data["version"]:
            return legacy_error(
                409, [{"i18nKey": "conflict", "source": "version", "type": "conflict"}]
            )
        data = {k: copy.deepcopy(v) for k, v in body.items() if k not in ("id", "organizationId")}
        data.update(
            id=stored.data["id"],
            organizationId=stored.data["organizationId"],
            version=stored.data["version"] + 1,
            roles=self._store_roles(body["roles"], stored.data["roles"]),
            archived=stored.data.get("archived", False),
        )
        stored.data, stored.updated = data, self.fake.clock()
        self.fake.events.emit("contact.changed", cid.lower())
        return json_response(200, self._action_result("contacts", cid.lower(), stored))

    def _contacts_list(self, request: Request, path: str, who: Credential) -> Response:
        try:
            query = self._query(request)
            page, size = _paging(query)
            matches = [s.data for s in self.contacts.values() if _contact_matches(s.data, query)]
        except _BadQuery as exc:
            return legacy_error(400, [{"i18nKey": "bad_request_error", "source": str(exc)}])
        matches.sort(key=lambda c: _contact_name(c).lower())
        return json_response(200, page_envelope(matches, page, size, "name"))

    # --- invoices (regular error shape) --------------------------------------------------

    def _invoices_create(self, request: Request, path: str, who: Credential) -> Response:
        fake = self.fake
        now = fake.clock()
        body = self._regular_body(request, path, now)
        if isinstance(body, Response):
            return body
        query = {k: v[-1] for k, v in parse_qs(request.url.query.decode()).items()}
        if "precedingSalesVoucherId" in query:
            return regular_error(406, path, now, "Unknown preceding sales voucher")
        details = self._invoice_violations(body)
        if details:
            return regular_error(
                406,
                path,
                now,
                "Validation failed for request. Please see details list for specific causes.",
                details,
            )
        finalize = query.get("finalize", "false").lower() == "true"
        invoice_id = self.store_invoice(body, final=finalize)
        result = self._action_result("invoices", invoice_id, self.invoices[invoice_id])
        return json_response(201, result, headers={"Location": result["resourceUri"]})

    def store_invoice(
        self, body: Mapping[str, Any], *, final: bool, status: str | None = None
    ) -> str:
        """Store an invoice whose body passed the checks; returns its new id.

        ``final``: finalized (``open``, with a voucher number) or a draft; ``status`` then
        overrides the stored ``voucherStatus`` (``"paid"``, ...).
        """
        now = self.fake.clock()
        invoice_id = self.fake.new_uuid()
        data = self._build_invoice(body, invoice_id, final)
        if status is not None:
            data["voucherStatus"] = status
        self.invoices[invoice_id] = _Stored(data, now, now)
        self.fake.events.emit("invoice.created", invoice_id)
        return invoice_id

    def _invoice_violations(self, body: Mapping[str, Any]) -> list[dict[str, str]]:
        details: list[dict[str, str]] = []

        def bad(field_name: str, violation: str, message: str) -> None:
            details.append({"violation": violation, "field": field_name, "message": message})

        for name in _INVOICE_READ_ONLY:
            if name in body:
                bad(name, "NOTALLOWED", "Feld ist schreibgeschützt")
        if "voucherDate" not in body:
            bad("voucherDate", "NOTNULL", "darf nicht leer sein")
        elif parse_datetime(body["voucherDate"]) is None:
            bad("voucherDate", "INVALID", "Format yyyy-MM-ddTHH:mm:ss.SSSXXX erwartet")
        address = body.get("address")
        if not isinstance(address, dict):
            bad("address", "NOTNULL", "darf nicht leer sein")
        elif "contactId" in address:
            if str(address["contactId"]).lower() not in self.contacts:
                bad("address.contactId", "INVALID", "Kontakt existiert nicht")
        else:
            for key in ("name", "countryCode"):
                if not _nonempty(address.get(key)):
                    bad(f"address.{key}", "NOTNULL", "darf nicht leer sein")
        tax = body.get("taxConditions")
        tax_type = tax.get("taxType") if isinstance(tax, dict) else None
        if tax_type not in _TAX_TYPES:
            bad("taxConditions.taxType", "NOTNULL", "darf nicht leer sein")
        shipping = body.get("shippingConditions")
        ship_type = shipping.get("shippingType") if isinstance(shipping, dict) else None
        if ship_type not in _SHIPPING_TYPES:
            bad("shippingConditions.shippingType", "NOTNULL", "darf nicht leer sein")
        total = body.get("totalPrice")
        if not isinstance(total, dict) or total.get("currency") != "EUR":
            bad("totalPrice.currency", "NOTNULL", "darf nicht leer sein")
        items = body.get("lineItems")
        if not isinstance(items, list) or not items:
            bad("lineItems", "NOTNULL", "darf nicht leer sein")
        elif len(items) > 300:
            bad("lineItems", "SIZE", "höchstens 300 Positionen")
        else:
            price_key = "grossAmount" if tax_type == "gross" else "netAmount"
            for i, item in enumerate(items):
                details.extend(_line_item_violations(f"lineItems[{i}]", item, price_key))
        for name, limit in (("title", 25), ("introduction", 2000), ("remark", 2000)):
            if len(str(body.get(name) or "")) > limit:
                bad(name, "SIZE", f"höchstens {limit} Zeichen")
        return details

    def _build_invoice(
        self, body: Mapping[str, Any], invoice_id: str, final: bool
    ) -> dict[str, Any]:
        fake = self.fake
        tax_type = body["taxConditions"]["taxType"]
        gross_mode = tax_type == "gross"
        price_key = "grossAmount" if gross_mode else "netAmount"
        items: list[Any] = []
        by_rate: dict[Decimal, Decimal] = {}
        for raw in body["lineItems"]:
            item = copy.deepcopy(raw)
            if item.get("type") != "text":
                price = item["unitPrice"]
                amount = _num(price[price_key]) or Decimal(0)
                quantity = _num(item["quantity"]) or Decimal(0)
                discount = _num(item.get("discountPercentage", 0)) or Decimal(0)
                rate = _num(price.get("taxRatePercentage", 0)) or Decimal(0)
                line = amount * quantity * (1 - discount / 100)
                item["lineItemAmount"] = _money(line)
                by_rate[rate] = by_rate.get(rate, Decimal(0)) + line
            items.append(item)
        taxes, net_sum, gross_sum = [], Decimal(0), Decimal(0)
        for rate, line_sum in sorted(by_rate.items()):
            net = line_sum / (1 + rate / 100) if gross_mode else line_sum
            gross = line_sum if gross_mode else line_sum * (1 + rate / 100)
            net_sum, gross_sum = net_sum + net, gross_sum + gross
            taxes.append(
                {
                    "taxRatePercentage": float(rate),
                    "taxAmount": _money(gross - net),
                    "netAmount": _money(net),
                }
            )
        data = {k: copy.deepcopy(v) for k, v in body.items() if k != "taxAmounts"}
        data.update(
            id=invoice_id,
            organizationId=fake.organization_id,
            version=0,
            language=body.get("language", "de"),
            archived=False,
            voucherStatus="open" if final else "draft",
            lineItems=items,
            taxAmounts=taxes,
            totalPrice={
                "currency": "EUR",
                "totalNetAmount": _money(net_sum),
                "totalGrossAmount": _money(gross_sum),
                "totalTaxAmount": _money(gross_sum - net_sum),
            },
        )
        if final:
            self._invoice_numbers += 1
            data["voucherNumber"] = f"RE{self._invoice_numbers:04d}"
        terms = body.get("paymentConditions")
        duration = terms.get("paymentTermDuration") if isinstance(terms, dict) else None
        voucher_date = parse_datetime(body["voucherDate"])
        if isinstance(duration, int) and voucher_date is not None:
            due = voucher_date + timedelta(days=duration)
            data["dueDate"] = due.isoformat(timespec="milliseconds")
        return data

    def _invoices_get(self, request: Request, path: str, who: Credential, iid: str) -> Response:
        stored = self.invoices.get(iid.lower())
        if stored is None:
            return regular_error(404, path, self.fake.clock(), "Resource not found")
        data = dict(stored.data)
        data["createdDate"] = format_datetime(stored.created)
        data["updatedDate"] = format_datetime(stored.updated)
        return json_response(200, data)

    def _invoices_file(self, request: Request, path: str, who: Credential, iid: str) -> Response:
        now = self.fake.clock()
        stored = self.invoices.get(iid.lower())
        if stored is None:
            return regular_error(404, path, now, "Resource not found")
        accept = request.headers.get("accept", "*/*").lower()
        if "application/pdf" not in accept and "*/*" not in accept:
            if "application/xml" in accept:
                return regular_error(404, path, now, "No XML document for this invoice")
            return regular_error(406, path, now, "Unsupported media type requested")
        if stored.data["voucherStatus"] == "draft":
            return regular_error(409, path, now, "A draft invoice has no document yet")
        number = stored.data.get("voucherNumber", iid)
        content = tiny_pdf(f"Sandbox invoice {number}")
        headers = {
            "Content-Type": "application/pdf",
            "Content-Disposition": f'attachment; filename="{number}.pdf"',
        }
        return Response(200, headers=headers, content=content)

    # --- voucherlist, profile, ping ------------------------------------------------------

    def _voucherlist(self, request: Request, path: str, who: Credential) -> Response:
        now = self.fake.clock()
        try:
            query = self._query(request)
            page, size = _paging(query)
            types = _choice_list(query, "voucherType", _VOUCHER_TYPES)
            statuses = _choice_list(query, "voucherStatus", _VOUCHER_STATUSES)
            sort_field, direction = _voucher_sort(query.get("sort", "voucherDate,DESC"))
            rows = [
                row
                for stored in self.invoices.values()
                if _row_matches(row := self._voucher_row(stored, now), query, types, statuses)
            ]
        except _BadQuery as exc:
            return regular_error(400, path, now, str(exc))
        rows.sort(key=lambda r: r.get(sort_field) or "", reverse=direction == "DESC")
        return json_response(200, page_envelope(rows, page, size, sort_field, direction))

    def _voucher_row(self, stored: _Stored, now: float) -> dict[str, Any]:
        data = stored.data
        status = data["voucherStatus"]
        due = parse_datetime(data.get("dueDate"))
        if status == "open" and due is not None and due.timestamp() < now:
            status = "overdue"
        address = data.get("address", {})
        contact_id = address.get("contactId")
        contact = self.contacts.get(str(contact_id).lower()) if contact_id else None
        gross = data["totalPrice"]["totalGrossAmount"]
        return {
            "id": data["id"],
            "voucherType": "invoice",
            "voucherStatus": status,
            "voucherNumber": data.get("voucherNumber"),
            "voucherDate": data["voucherDate"],
            "createdDate": format_datetime(stored.created),
            "updatedDate": format_datetime(stored.updated),
            "dueDate": data.get("dueDate"),
            "contactId": contact_id,
            "contactName": _contact_name(contact.data) if contact else address.get("name"),
            "totalAmount": gross,
            "openAmount": {"draft": None, "paid": 0.0, "voided": 0.0}.get(status, gross),
            "currency": "EUR",
            "archived": data.get("archived", False),
        }

    def _profile(self, request: Request, path: str, who: Credential) -> Response:
        fake = self.fake
        return json_response(
            200,
            {
                "organizationId": fake.organization_id,
                "companyName": fake.company_name,
                "created": {
                    "userId": who.user.sub,
                    "userName": who.user.name,
                    "userEmail": who.user.email,
                    "date": format_datetime(fake.created_at),
                },
                "connectionId": who.connection_id,
                "features": ["cashbox"],
                "businessFeatures": ["INVOICING", "BOOKKEEPING"],
                "subscriptionStatus": "active",
                "taxType": "net",
                "smallBusiness": False,
            },
        )

    # --- event subscriptions (regular error shape) ----------------------------------------

    def _subscriptions_list(self, request: Request, path: str, who: Credential) -> Response:
        subscriptions = list(self.fake.events.subscriptions.values())
        return json_response(200, {"content": subscriptions})

    def _subscriptions_get(
        self, request: Request, path: str, who: Credential, sid: str
    ) -> Response:
        found = self.fake.events.subscriptions.get(sid.lower())
        if found is None:
            return regular_error(404, path, self.fake.clock(), "Resource not found")
        return json_response(200, found)

    def _subscriptions_delete(
        self, request: Request, path: str, who: Credential, sid: str
    ) -> Response:
        if self.fake.events.subscriptions.pop(sid.lower(), None) is None:
            return regular_error(404, path, self.fake.clock(), "Resource not found")
        return Response(204)

    def _subscriptions_create(self, request: Request, path: str, who: Credential) -> Response:
        fake = self.fake
        now = fake.clock()
        body = self._regular_body(request, path, now)
        if isinstance(body, Response):
            return body
        # Imported here: lexoffice_auth.webhooks loads pydantic, and the sandbox alone does not.
        from lexoffice_auth.webhooks import KNOWN_EVENT_TYPES

        event_type, url = body.get("eventType"), body.get("callbackUrl")
        details: list[dict[str, str]] = []
        if event_type not in KNOWN_EVENT_TYPES:
            details.append({"violation": "NOTNULL", "field": "eventType", "message": "ungültig"})
        if not is_loopback_url(url):
            # lexoffice takes any https URL; the sandbox delivers only to loopback addresses.
            details.append(
                {"violation": "PATTERN", "field": "callbackUrl", "message": "nur Loopback"}
            )
        if details:
            return regular_error(
                406,
                path,
                now,
                "Validation failed for request. Please see details list for specific causes.",
                details,
            )
        if any(s["eventType"] == event_type for s in fake.events.subscriptions.values()):
            return regular_error(409, path, now, f"Subscription for {event_type} already exists")
        sid = fake.new_uuid()
        fake.events.subscriptions[sid] = {
            "subscriptionId": sid,
            "organizationId": fake.organization_id,
            "createdDate": format_datetime(now),
            "eventType": event_type,
            "callbackUrl": url,
        }
        uri = f"{fake.api_base.rstrip('/')}/v1/event-subscriptions/{sid}"
        result: dict[str, Any] = {
            "id": sid,
            "resourceUri": uri,
            "createdDate": format_datetime(now),
            "updatedDate": format_datetime(now),
            "version": 0,
        }
        return json_response(201, result, headers={"Location": uri})

    def _ping(self, request: Request, path: str, who: Credential) -> Response:
        return json_response(200, {"userEmail": who.user.email})


# --- helpers -------------------------------------------------------------------------------


def _nonempty(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _line_item_violations(where: str, item: object, price_key: str) -> list[dict[str, str]]:
    def bad(name: str, violation: str = "NOTNULL") -> dict[str, str]:
        return {"violation": violation, "field": f"{where}.{name}", "message": "ungültig"}

    if not isinstance(item, dict):
        return [bad("type")]
    kind = item.get("type")
    if kind not in _LINE_TYPES:
        return [bad("type")]
    if not _nonempty(item.get("name")):
        return [bad("name")]
    if kind == "text":
        return []
    out = []
    if _num(item.get("quantity")) is None:
        out.append(bad("quantity"))
    price = item.get("unitPrice")
    if not isinstance(price, dict) or price.get("currency") != "EUR":
        out.append(bad("unitPrice.currency"))
    elif _num(price.get(price_key)) is None:
        out.append(bad(f"unitPrice.{price_key}"))
    elif _num(price.get("taxRatePercentage")) is None:
        out.append(bad("unitPrice.taxRatePercentage"))
    return out


def _paging(query: Mapping[str, str]) -> tuple[int, int]:
    try:
        page = int(query.get("page", "0"))
        size = int(query.get("size", "25"))
    except ValueError:
        raise _BadQuery("page and size must be integers") from None
    if page < 0 or not 1 <= size <= _MAX_SIZE:
        raise _BadQuery(f"page must be >= 0 and size between 1 and {_MAX_SIZE}")
    return page, size


def _contact_name(contact: Mapping[str, Any]) -> str:
    company = contact.get("company")
    if isinstance(company, dict):
        return str(company.get("name", ""))
    person = contact.get("person") or {}
    return " ".join(p for p in (person.get("firstName"), person.get("lastName")) if p)


def _contact_emails(contact: Mapping[str, Any]) -> list[str]:
    emails = [
        e
        for values in (contact.get("emailAddresses") or {}).values()
        if isinstance(values, list)
        for e in values
        if isinstance(e, str)
    ]
    for person in (contact.get("company") or {}).get("contactPersons") or []:
        if isinstance(person, dict) and isinstance(person.get("emailAddress"), str):
            emails.append(person["emailAddress"])
    return emails


def _bool_param(query: Mapping[str, str], name: str) -> bool | None:
    value = query.get(name)
    if value is None:
        return None
    if value.lower() not in ("true", "false"):
        raise _BadQuery(f"{name} must be true or false")
    return value.lower() == "true"


def _contact_matches(contact: Mapping[str, Any], query: Mapping[str, str]) -> bool:
    for name in ("email", "name"):
        value = query.get(name)
        if value is not None and len(html.unescape(value)) < 3:
            raise _BadQuery(f"{name} must have at least 3 characters")
    roles = contact.get("roles", {})
    if "email" in query:
        pattern = _like(query["email"])
        if not any(pattern.search(e) for e in _contact_emails(contact)):
            return False
    if "name" in query:
        pattern = _like(query["name"])
        person = contact.get("person") or {}
        names = [_contact_name(contact), str(person.get("lastName") or "")]
        if not any(n and pattern.search(n) for n in names):
            return False
    if "number" in query:
        try:
            number = int(query["number"])
        except ValueError:
            raise _BadQuery("number must be an integer") from None
        if number not in [r.get("number") for r in roles.values()]:
            return False
    for role in ("customer", "vendor"):
        wanted = _bool_param(query, role)
        if wanted is not None and (role in roles) != wanted:
            return False
    return True


def _choice_list(query: Mapping[str, str], name: str, allowed: set[str]) -> set[str]:
    raw = query.get(name)
    if not raw:
        raise _BadQuery(f"{name} is required")
    values = {v.strip() for v in raw.split(",") if v.strip()}
    if values == {"any"}:
        return set(allowed)
    if "overdue" in values and len(values) > 1:
        raise _BadQuery(f"{name} overdue cannot be combined with other values")
    unknown = values - allowed
    if unknown:
        raise _BadQuery(f"unknown {name}: {sorted(unknown)[0]}")
    return values


def _voucher_sort(raw: str) -> tuple[str, str]:
    prop, _, direction = raw.partition(",")
    direction = direction.upper() or "ASC"
    if prop not in _VOUCHER_SORT or direction not in ("ASC", "DESC"):
        raise _BadQuery(f"invalid sort {raw!r}")
    return prop, direction


def _day(value: str) -> str:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise _BadQuery(f"date {value!r} must be yyyy-MM-dd")
    return value


def _row_matches(
    row: Mapping[str, Any], query: Mapping[str, str], types: set[str], statuses: set[str]
) -> bool:
    status = row["voucherStatus"]
    if row["voucherType"] not in types:
        return False
    if status not in statuses and not (status == "overdue" and "open" in statuses):
        return False
    if "contactId" in query and str(row["contactId"]).lower() != query["contactId"].lower():
        return False
    if "voucherNumber" in query and row["voucherNumber"] != query["voucherNumber"]:
        return False
    archived = _bool_param(query, "archived")
    if archived is not None and row["archived"] != archived:
        return False
    for prefix in ("voucherDate", "createdDate", "updatedDate"):
        day = str(row.get(prefix) or "")[:10]
        if f"{prefix}From" in query and day < _day(query[f"{prefix}From"]):
            return False
        if f"{prefix}To" in query and day > _day(query[f"{prefix}To"]):
            return False
    return True
