"""The routing table: every lexoffice path the sandbox serves, its methods, its error shape.

Scopes (checked with ``enforce_api_scopes=True``) follow the only real partner list,
``<resource>.read|write`` (reference §1b); the sandbox's names for the rest are a guess.
"""

from __future__ import annotations

from lexoffice_auth.testing.api import (
    _articles,
    _contacts,
    _files,
    _lists,
    _payments,
    _profile,
    _recurring,
    _sales,
    _subscriptions,
    _voucherlist,
    _vouchers,
)
from lexoffice_auth.testing.api._router import Endpoint, Route
from lexoffice_auth.testing.api._sales_kinds import KINDS, SalesKind

__all__ = ["ROUTES"]


def _sales_routes(kind: SalesKind) -> list[Route]:
    name, read, write = kind.resource, f"{kind.resource}.read", f"{kind.resource}.write"
    routes = [
        Route(f"/v1/{name}/{{id}}", {"GET": Endpoint(f"{name}:get", _sales.get(kind), read)}),
        Route(
            f"/v1/{name}/{{id}}/file",
            {"GET": Endpoint(f"{name}:file", _sales.file(kind), read)},
        ),
    ]
    if kind.creatable:
        create = Endpoint(f"{name}:create", _sales.create(kind), write)
        routes.append(Route(f"/v1/{name}", {"POST": create}))
    if kind.document:
        document = Endpoint(f"{name}:document", _sales.document(kind), read)
        routes.append(Route(f"/v1/{name}/{{id}}/document", {"GET": document}))
    return routes


def _plain(name: str) -> Route:
    return Route(
        f"/v1/{name}",
        {"GET": Endpoint(name, _lists.plain_array(name), f"{name}.read")},
    )


ROUTES: tuple[Route, ...] = (
    Route(
        "/v1/articles",
        {
            "GET": Endpoint("articles:list", _articles.listing, "articles.read"),
            "POST": Endpoint("articles:create", _articles.create, "articles.write"),
        },
    ),
    Route(
        "/v1/articles/{id}",
        {
            "GET": Endpoint("articles:get", _articles.get, "articles.read"),
            "PUT": Endpoint("articles:update", _articles.update, "articles.write"),
            "DELETE": Endpoint("articles:delete", _articles.delete, "articles.write"),
        },
    ),
    Route(
        "/v1/contacts",
        {
            "GET": Endpoint("contacts:list", _contacts.listing, "contacts.read"),
            "POST": Endpoint("contacts:create", _contacts.create, "contacts.write"),
        },
        errors="legacy",
    ),
    Route(
        "/v1/contacts/{id}",
        {
            "GET": Endpoint("contacts:get", _contacts.get, "contacts.read"),
            "PUT": Endpoint("contacts:update", _contacts.update, "contacts.write"),
        },
        errors="legacy",
    ),
    *(route for kind in KINDS for route in _sales_routes(kind)),
    Route(
        "/v1/event-subscriptions",
        {
            "GET": Endpoint("subscriptions:list", _subscriptions.listing),
            "POST": Endpoint("subscriptions:create", _subscriptions.create),
        },
    ),
    Route(
        "/v1/event-subscriptions/{id}",
        {
            "GET": Endpoint("subscriptions:get", _subscriptions.get),
            "DELETE": Endpoint("subscriptions:delete", _subscriptions.delete),
        },
    ),
    Route(
        "/v1/files",
        {"POST": Endpoint("files:upload", _files.upload, "files.write")},
        errors="legacy",
    ),
    Route(
        "/v1/files/{id}",
        {"GET": Endpoint("files:get", _files.download, "files.read")},
        errors="legacy",
    ),
    Route(
        "/v1/payments/{id}",
        {"GET": Endpoint("payments:get", _payments.get, "payments.read")},
    ),
    *(
        _plain(name)
        for name in ("countries", "payment-conditions", "posting-categories", "print-layouts")
    ),
    Route("/v1/profile", {"GET": Endpoint("profile", _profile.profile, "profile.read")}),
    Route(
        "/v1/recurring-templates",
        {
            "GET": Endpoint(
                "recurring-templates:list", _recurring.listing, "recurring-templates.read"
            )
        },
    ),
    Route(
        "/v1/recurring-templates/{id}",
        {"GET": Endpoint("recurring-templates:get", _recurring.get, "recurring-templates.read")},
    ),
    Route(
        "/v1/voucherlist", {"GET": Endpoint("voucherlist", _voucherlist.listing, "vouchers.read")}
    ),
    Route(
        "/v1/vouchers",
        {
            "GET": Endpoint("vouchers:list", _vouchers.listing, "vouchers.read"),
            "POST": Endpoint("vouchers:create", _vouchers.create, "vouchers.write"),
        },
        errors="legacy",
    ),
    Route(
        "/v1/vouchers/{id}",
        {
            "GET": Endpoint("vouchers:get", _vouchers.get, "vouchers.read"),
            "PUT": Endpoint("vouchers:update", _vouchers.update, "vouchers.write"),
        },
        errors="legacy",
    ),
    Route(
        "/v1/vouchers/{id}/files",
        {"POST": Endpoint("vouchers:files", _vouchers.attach, "vouchers.write")},
        errors="legacy",
    ),
    Route("/v1/ping", {"GET": Endpoint("ping", _profile.ping)}),
)
"""Every path x method the sandbox serves."""

SCOPES: tuple[str, ...] = tuple(
    sorted({e.scope for r in ROUTES for e in r.methods.values() if e.scope})
)
"""Every scope the table names (the provider offers them all)."""
