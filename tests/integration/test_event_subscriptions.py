"""Event subscriptions through the API client; the sandbox signs and delivers events."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from lexoffice_auth import AuthPool
from lexoffice_auth.api import Contact, LexofficeClient
from lexoffice_auth.errors import (
    ConfigurationError,
    Conflict,
    NotFound,
    ReauthenticationRequired,
    ValidationFailed,
    WebhookError,
)
from lexoffice_auth.stores import MemoryTokenStore
from lexoffice_auth.testing import FakeLexoffice
from lexoffice_auth.webhooks import (
    SIGNATURE_HEADER,
    TOKEN_REVOKED,
    WebhookEvent,
    is_revoked,
    parse_event,
    revoke_connection,
    verify_signature,
    webhook_route,
)

from ..support.logins import log_in, oauth_for
from ..support.webhooks import event_body

pytestmark = pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])


class Receiver:
    """A webhook receiver on 127.0.0.1 that records what it is sent."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.received.append((dict(self.headers.items()), body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


async def test_list_create_get_delete_and_a_duplicate_is_a_conflict() -> None:
    fake = FakeLexoffice(rate_limit=None)
    key = fake.add_api_key()
    from lexoffice_auth import ApiKeyAuth

    async with fake.client() as http:
        lx = LexofficeClient(
            ApiKeyAuth(key, api_origins=[fake.api_base]),
            base_url=fake.api_base,
            http_client=http,
            rate_limit=None,
        )
        assert (await lx.event_subscriptions.list()).content == []
        created = await lx.event_subscriptions.create("contact.changed", "http://127.0.0.1:9/hooks")
        with pytest.raises(Conflict) as conflict:
            await lx.event_subscriptions.create("contact.changed", "http://127.0.0.1:9/hooks")
        assert conflict.value.status_code == 409
        # Only the same type AND the same URL conflict: another URL is a second subscription.
        other = await lx.event_subscriptions.create("contact.changed", "http://127.0.0.1:9/other")
        await lx.event_subscriptions.delete(other.id)
        [listed] = (await lx.event_subscriptions.list()).content
        assert listed.subscription_id == created.id
        assert (listed.event_type, listed.callback_url) == (
            "contact.changed",
            "http://127.0.0.1:9/hooks",
        )
        assert (await lx.event_subscriptions.get(created.id)) == listed
        await lx.event_subscriptions.delete(created.id)
        assert (await lx.event_subscriptions.list()).content == []
        with pytest.raises(NotFound):
            await lx.event_subscriptions.delete(created.id)
        with pytest.raises(ValidationFailed):
            await lx.event_subscriptions.create("no.such.event", "http://127.0.0.1:9/hooks")
        # Checked before sending: plain http to a foreign host, odd ids and types.
        for bad in ("http://example.com/hooks", "ftp://127.0.0.1/x", "https://u:p@h.example/"):
            with pytest.raises(ConfigurationError):
                await lx.event_subscriptions.create("contact.changed", bad)
        with pytest.raises(ConfigurationError):
            await lx.event_subscriptions.delete("../contacts")
        with pytest.raises(ConfigurationError):
            await lx.event_subscriptions.create("", "https://app.example/hooks")


async def test_the_sandbox_signs_and_delivers_events_to_a_loopback_url(
    receiver: Receiver,
) -> None:
    fake = FakeLexoffice(rate_limit=None)
    key = fake.add_api_key()
    from lexoffice_auth import ApiKeyAuth

    async with fake.client() as http:
        lx = LexofficeClient(
            ApiKeyAuth(key, api_origins=[fake.api_base]),
            base_url=fake.api_base,
            http_client=http,
            rate_limit=None,
        )
        for event_type in ("contact.created", "contact.changed", "invoice.created"):
            await lx.event_subscriptions.create(event_type, receiver.url)
        created = await lx.contacts.create(
            Contact.model_validate({"roles": {"customer": {}}, "company": {"name": "Webhook GmbH"}})
        )
        await lx.contacts.modify(created.id, lambda c: setattr(c, "note", "changed"))
        invoice_id = fake.add_invoice()
        assert await fake.await_deliveries()

    assert all(d.status_code == 200 for d in fake.deliveries)
    events = []
    for headers, body in receiver.received:
        verify_signature(body, headers[SIGNATURE_HEADER], fake.webhook_public_key_pem)
        events.append(parse_event(body))
        with pytest.raises(WebhookError):  # one changed byte
            verify_signature(
                body[:-2] + b"X}", headers[SIGNATURE_HEADER], fake.webhook_public_key_pem
            )
    assert [(e.event_type, e.resource_id) for e in events] == [
        ("contact.created", created.id),
        ("contact.changed", created.id),
        ("invoice.created", invoice_id),
    ]
    assert {e.organization_id for e in events} == {fake.organization_id}


async def test_token_revoked_finds_the_account_through_the_recorded_connection_id(
    receiver: Receiver,
) -> None:
    fake = FakeLexoffice(rate_limit=None, access_token_lifetime=60)
    store = MemoryTokenStore()
    async with fake.client() as http:
        oauth = oauth_for(fake, http)
        pool = AuthPool(oauth, store, api_origins=[fake.api_base])
        clients = {}
        for account in ("acme", "other"):
            await pool.get(account).source.save(await log_in(fake, oauth))
            clients[account] = LexofficeClient(
                pool.get(account), base_url=fake.api_base, http_client=http, rate_limit=None
            )
        connection = await clients["acme"].record_connection()
        await clients["other"].record_connection()
        stored = await store.load("acme")
        assert stored is not None and stored.extra["connection_id"] == connection
        # A refresh keeps the recorded connection id.
        fake.advance(61)
        assert (await clients["acme"].request("GET", "/v1/ping")).status_code == 200
        assert fake.token_calls["refresh_token"] == 1
        refreshed = await store.load("acme")
        assert refreshed is not None and refreshed != stored
        assert refreshed.extra["connection_id"] == connection

        await clients["acme"].event_subscriptions.create("token.revoked", receiver.url)
        assert fake.revoke_connection(connection) == 1
        assert await fake.await_deliveries()
        [(headers, body)] = receiver.received

        # The app's webhook endpoint: signature checked, account found without a mapping.
        revoked: list[str | None] = []

        async def on_event(event: WebhookEvent) -> None:
            revoked.append(await revoke_connection(event, pool=pool))

        app = Starlette(routes=[webhook_route("/hooks", fake.webhook_public_key_pem, on_event)])
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
        ) as hooks:
            forged = await hooks.post(
                "/hooks",
                content=body.replace(connection.encode(), b"x" * len(connection)),
                headers={SIGNATURE_HEADER: headers[SIGNATURE_HEADER]},
            )
            assert forged.status_code == 401
            ok = await hooks.post(
                "/hooks", content=body, headers={SIGNATURE_HEADER: headers[SIGNATURE_HEADER]}
            )
            assert ok.status_code == 200
        assert revoked == ["acme"]
        assert is_revoked(await store.load("acme"))

        fake.reset_counters()
        with pytest.raises(ReauthenticationRequired):
            await clients["acme"].request("GET", "/v1/ping")
        assert fake.token_calls == {}
        assert (await clients["other"].request("GET", "/v1/ping")).status_code == 200


async def test_record_connection_needs_an_oauth_auth() -> None:
    from lexoffice_auth import ApiKeyAuth

    lx = LexofficeClient(ApiKeyAuth("k"), rate_limit=None)
    with pytest.raises(ConfigurationError, match="OAuth"):
        await lx.record_connection()
    await lx.aclose()


async def test_an_unknown_connection_is_logged_and_ignored() -> None:
    event = parse_event(
        b'{"organizationId":"o","eventType":"token.revoked","resourceId":"nobody",'
        b'"eventDate":"2024-05-01T10:00:00.000+02:00"}'
    )
    store = MemoryTokenStore()
    assert await revoke_connection(event, store=store) is None


async def test_a_late_token_revoked_for_an_old_connection_leaves_the_new_login_alone() -> None:
    # acme logs in (connection c-old), logs in again (c-new): the index still names acme for
    # c-old. A token.revoked for c-old must not revoke the login that c-new stands for.
    fake = FakeLexoffice(rate_limit=None)
    store = MemoryTokenStore()
    async with fake.client() as http:
        oauth = oauth_for(fake, http)
        pool = AuthPool(oauth, store, api_origins=[fake.api_base])
        lx = LexofficeClient(
            pool.get("acme"), base_url=fake.api_base, http_client=http, rate_limit=None
        )
        await pool.get("acme").source.save(await log_in(fake, oauth))
        old = await lx.record_connection()
        await pool.get("acme").source.save(await log_in(fake, oauth))
        new = await lx.record_connection()
        assert old != new
        late = parse_event(event_body(TOKEN_REVOKED, old))
        current = parse_event(event_body(TOKEN_REVOKED, new))

        assert await revoke_connection(late, pool=pool) is None
        assert await revoke_connection(late, store=store) is None
        # A mapping of your own that still names acme for c-old: the stored tokens say c-new.
        assert await revoke_connection(late, {old: "acme"}, store=store) is None
        stored = await store.load("acme")
        assert stored is not None and not is_revoked(stored)
        assert stored.extra["connection_id"] == new
        assert (await lx.request("GET", "/v1/ping")).status_code == 200

        assert await revoke_connection(current, pool=pool) == "acme"
        assert is_revoked(await store.load("acme"))
        # Delivered again: the account is revoked already, nothing more to do.
        assert await revoke_connection(current, pool=pool) is None
        with pytest.raises(ReauthenticationRequired):
            await lx.request("GET", "/v1/ping")
        await lx.aclose()


async def test_a_new_login_not_recorded_yet_is_not_revoked_for_the_old_connection() -> None:
    # A new login saved but not recorded yet: its tokens name no connection, so the index's
    # old entry for the account is stale and the login is left alone.
    fake = FakeLexoffice(rate_limit=None)
    store = MemoryTokenStore()
    async with fake.client() as http:
        oauth = oauth_for(fake, http)
        pool = AuthPool(oauth, store, api_origins=[fake.api_base])
        lx = LexofficeClient(
            pool.get("acme"), base_url=fake.api_base, http_client=http, rate_limit=None
        )
        await pool.get("acme").source.save(await log_in(fake, oauth))
        old = await lx.record_connection()
        await pool.get("acme").source.save(await log_in(fake, oauth))  # not recorded
        event = parse_event(event_body(TOKEN_REVOKED, old))

        assert await revoke_connection(event, pool=pool) is None
        assert not is_revoked(await store.load("acme"))
        await lx.aclose()
