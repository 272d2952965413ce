"""``/v1/contacts``: create, read, update with versions, search (legacy error shape)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from httpx import Response

from lexoffice_auth.testing._responses import json_response
from lexoffice_auth.testing._state import Record, SandboxState
from lexoffice_auth.testing.api._call import Call, Problem, like, search_text
from lexoffice_auth.testing.api._pages import LARGE_MAX_SIZE, boolean, page_of

__all__ = [
    "contact_issues",
    "contact_name",
    "create",
    "get",
    "listing",
    "store_contact",
    "update",
]

RESOURCE = "contacts"
_MULTI_ENTRY_LISTS = (
    ("addresses", "billing"),
    ("addresses", "shipping"),
    *(("emailAddresses", k) for k in ("business", "office", "private", "other")),
    *(("phoneNumbers", k) for k in ("business", "office", "mobile", "private", "fax", "other")),
    ("company", "contactPersons"),
)


def _nonempty(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def contact_issues(body: Mapping[str, Any], *, update: bool) -> list[dict[str, str]]:
    """The legacy issues (``{i18nKey, source}``) of a contact body; empty when valid."""
    issues: list[dict[str, str]] = []

    def missing(source: str) -> None:
        issues.append({"i18nKey": "missing_entity", "field": source})

    def invalid(source: str) -> None:
        issues.append({"i18nKey": "invalid_value", "field": source})

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


def _roles(state: SandboxState, roles: Mapping[str, Any], old: Mapping[str, Any]) -> dict[str, Any]:
    # Customer and vendor numbers are read-only: keep old ones, assign new ones.
    out: dict[str, Any] = {}
    for role, first in (("customer", 10000), ("vendor", 70000)):
        if role not in roles:
            continue
        number = old.get(role, {}).get("number")
        if number is None:
            state.sequences[role] += 1
            number = first + state.sequences[role]
        out[role] = {"number": number}
    return out


def store_contact(state: SandboxState, body: Mapping[str, Any]) -> str:
    """Store a contact whose body passed the checks; returns its new id."""
    now = state.now()
    contact_id = state.new_uuid()
    data = {k: copy.deepcopy(v) for k, v in body.items() if k not in ("id", "organizationId")}
    data.update(
        id=contact_id,
        organizationId=state.organization_id,
        version=0,
        roles=_roles(state, body["roles"], {}),
        archived=False,
    )
    state.store(RESOURCE)[contact_id] = Record(data, now, now)
    state.emit("contact.created", contact_id)
    return contact_id


def _refuse(issues: list[dict[str, str]]) -> None:
    if issues:
        raise Problem(406, "invalid contact", issues)


def create(call: Call) -> Response:
    """``POST /v1/contacts``: 201 + ``Location`` + action-result (version 0)."""
    body = call.json()
    _refuse(contact_issues(body, update=False))
    contact_id = store_contact(call.state, body)
    return call.created(RESOURCE, call.state.store(RESOURCE)[contact_id])


def get(call: Call) -> Response:
    """``GET /v1/contacts/{id}``."""
    return json_response(200, call.found(RESOURCE, call.args[0]).data)


def update(call: Call) -> Response:
    """``PUT /v1/contacts/{id}``: the current ``version`` or 409."""
    record = call.found(RESOURCE, call.args[0])
    body = call.json()
    _refuse(contact_issues(body, update=True))
    call.check_version(body, record)
    data = {k: copy.deepcopy(v) for k, v in body.items() if k not in ("id", "organizationId")}
    data.update(
        id=record.data["id"],
        organizationId=record.data["organizationId"],
        version=record.data["version"] + 1,
        roles=_roles(call.state, body["roles"], record.data["roles"]),
        archived=record.data.get("archived", False),
    )
    record.data, record.updated = data, call.now
    call.state.emit("contact.changed", record.data["id"])
    return call.updated(RESOURCE, record)


def contact_name(contact: Mapping[str, Any]) -> str:
    """A company's name, or a person's "First Last"."""
    company = contact.get("company")
    if isinstance(company, dict):
        return str(company.get("name", ""))
    person = contact.get("person") or {}
    return " ".join(p for p in (person.get("firstName"), person.get("lastName")) if p)


def _emails(contact: Mapping[str, Any]) -> list[str]:
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


def _matches(contact: Mapping[str, Any], query: Mapping[str, str]) -> bool:
    roles = contact.get("roles", {})
    if "email" in query and not any(like(query["email"]).search(e) for e in _emails(contact)):
        return False
    if "name" in query:
        pattern = like(query["name"])
        person = contact.get("person") or {}
        names = [contact_name(contact), str(person.get("lastName") or "")]
        if not any(n and pattern.search(n) for n in names):
            return False
    if "number" in query and int(query["number"]) not in [r.get("number") for r in roles.values()]:
        return False
    for role in ("customer", "vendor"):
        wanted = boolean(query, role)
        if wanted is not None and (role in roles) != wanted:
            return False
    return True


def listing(call: Call) -> Response:
    """``GET /v1/contacts``: AND-combined filters, sorted by name, at most 250 a page."""
    query = call.query()
    for name in ("email", "name"):
        value = query.get(name)
        if value is not None and len(search_text(value)) < 3:
            raise Problem(400, f"{name} must have at least 3 characters")
    if "number" in query and not query["number"].isdigit():
        raise Problem(400, "number must be an integer")
    matches = [r.data for r in call.state.store(RESOURCE).values() if _matches(r.data, query)]
    return page_of(
        matches,
        query,
        max_size=LARGE_MAX_SIZE,
        sort=("name", "ASC"),
        key=lambda c: contact_name(c).lower(),
    )
