"""token.revoked: the next call raises ReauthenticationRequired with zero token requests."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from lexoffice_auth import AuthPool, TokenSet
from lexoffice_auth.errors import ConfigurationError, ReauthenticationRequired
from lexoffice_auth.stores import EncryptedTokenStore, FileTokenStore, MemoryTokenStore
from lexoffice_auth.testing import FakeLexoffice
from lexoffice_auth.webhooks import (
    SIGNATURE_HEADER,
    TOKEN_REVOKED,
    WebhookEvent,
    is_revoked,
    parse_event,
    revoke_connection,
    webhook_route,
)

from ..support.logins import log_in, oauth_for
from ..support.sources import make_auth
from ..support.webhooks import event_body, new_key, sign

pytestmark = pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])


async def connection_id(http: httpx.AsyncClient, fake: FakeLexoffice, auth: httpx.Auth) -> str:
    profile = await http.get(f"{fake.api_base}/v1/profile", auth=auth)
    assert profile.status_code == 200
    value: str = profile.json()["connectionId"]
    return value


async def test_a_signed_token_revoked_event_ends_the_next_call_without_token_requests() -> None:
    fake = FakeLexoffice(rate_limit=None)
    key = new_key()
    async with fake.client() as http:
        oauth = oauth_for(fake, http)
        pool = AuthPool(oauth, MemoryTokenStore(), api_origins=[fake.api_base])
        auth = pool.get("acme")
        await auth.source.save(await log_in(fake, oauth))
        await pool.get("other").source.save(await log_in(fake, oauth))
        connections = {await connection_id(http, fake, auth): "acme"}

        revoked: list[str | None] = []

        async def on_event(event: WebhookEvent) -> None:
            revoked.append(await revoke_connection(event, connections, pool=pool))

        app = Starlette(
            routes=[webhook_route("/hooks", key.public_key(), on_event)],
        )
        body = event_body(TOKEN_REVOKED, next(iter(connections)))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
        ) as hooks:
            unsigned = await hooks.post("/hooks", content=body, headers={SIGNATURE_HEADER: ""})
            assert unsigned.status_code == 401 and revoked == []
            assert (await http.get(f"{fake.api_base}/v1/ping", auth=auth)).status_code == 200
            ok = await hooks.post(
                "/hooks", content=body, headers={SIGNATURE_HEADER: sign(key, body)}
            )
            assert ok.status_code == 200
        assert revoked == ["acme"]

        fake.reset_counters()
        for held in (auth, pool.get("acme")):  # the auth a request still holds, and a new one
            with pytest.raises(ReauthenticationRequired, match="no refresh token"):
                await http.get(f"{fake.api_base}/v1/ping", auth=held)
        assert fake.token_calls == {}
        assert fake.calls["ping"] == 0
        # Other accounts are untouched.
        assert (
            await http.get(f"{fake.api_base}/v1/ping", auth=pool.get("other"))
        ).status_code == 200
        stored = await pool.store.load("acme")
        assert is_revoked(stored) and not is_revoked(await pool.store.load("other"))

        # A new login brings the account back.
        await pool.get("acme").source.save(await log_in(fake, oauth))
        assert (
            await http.get(f"{fake.api_base}/v1/ping", auth=pool.get("acme"))
        ).status_code == 200


async def test_revoking_through_a_shared_encrypted_file_store(tmp_path: Path) -> None:
    # Another worker's source, not in any pool, reads the tombstone from the shared store.
    fake = FakeLexoffice(rate_limit=None)
    keys = [EncryptedTokenStore.generate_key()]
    path = tmp_path / "tokens.json"
    async with fake.client() as http:
        oauth = oauth_for(fake, http)
        worker_a = make_auth(oauth, "acme", EncryptedTokenStore(FileTokenStore(path), keys))
        await worker_a.source.save(await log_in(fake, oauth))
        conn = await connection_id(http, fake, _at(worker_a, fake))

        async def lookup(connection: str) -> str | None:
            return {conn: "acme"}.get(connection)

        webhook_store = EncryptedTokenStore(FileTokenStore(path), keys)
        event = parse_event(event_body(TOKEN_REVOKED, conn))
        assert await revoke_connection(event, lookup, store=webhook_store) == "acme"
        assert b"revoked" not in path.read_bytes()  # even the tombstone is sealed

        fake.reset_counters()
        worker_b = make_auth(oauth, "acme", EncryptedTokenStore(FileTokenStore(path), keys))
        with pytest.raises(ReauthenticationRequired):
            await http.get(f"{fake.api_base}/v1/ping", auth=_at(worker_b, fake))
        assert fake.token_calls == {}


def _at(auth: httpx.Auth, fake: FakeLexoffice) -> httpx.Auth:
    # make_auth uses the default origins; point it at the sandbox's API.
    from lexoffice_auth import LexofficeAuth

    assert isinstance(auth, LexofficeAuth)
    return LexofficeAuth(auth.source, api_origins=[fake.api_base])


async def test_other_events_and_unknown_connections_change_nothing() -> None:
    store = MemoryTokenStore()
    tokens = TokenSet(access_token="at", refresh_token="rt", expires_at=2e9)  # type: ignore[arg-type]
    await store.save("acme", tokens)
    changed = parse_event(event_body("invoice.created", "conn-1"))
    assert await revoke_connection(changed, {"conn-1": "acme"}, store=store) is None
    unknown = parse_event(event_body(TOKEN_REVOKED, "conn-2"))
    assert await revoke_connection(unknown, {"conn-1": "acme"}, store=store) is None
    assert await revoke_connection(unknown, lambda c: None, store=store) is None
    assert await store.load("acme") == tokens
    with pytest.raises(ConfigurationError, match="either pool= or store="):
        await revoke_connection(unknown, {}, store=None)
    with pytest.raises(ConfigurationError, match="WebhookEvent"):
        await revoke_connection({"eventType": TOKEN_REVOKED}, {}, store=store)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="mapping or a function"):
        await revoke_connection(unknown, 42, store=store)  # type: ignore[arg-type]
