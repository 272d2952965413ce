"""Single-flight refresh under load: tasks, rotation, short-lived tokens, OS processes."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import anyio
import httpx
import pytest
import respx
from pydantic import SecretStr

from lexoffice_auth import OAuthClient
from lexoffice_auth._oauth.idtoken import at_hash
from lexoffice_auth.errors import IdTokenError, ReauthenticationRequired
from lexoffice_auth.stores import FileTokenStore, MemoryTokenStore, TokenStore
from tests.support.sources import make_auth, make_source

from ..session.test_refreshing import concurrent_errors
from ..support.jwt_helpers import CLIENT_ID, ISSUER, JWKS_URI, NOW, claims, jwks, metadata, rsa_key
from ..support.processes import run_workers
from ..support.refresh_sandbox import (
    api_client,
    bearers,
    frozen_clock,
    login_tokens,
    oauth_client,
    refresh_sandbox,
    served_refresh_sandbox,
)

ROOT = Path(__file__).resolve().parents[2]
REDIRECT = "https://app.example.com/callback"


def make_store(kind: str, tmp_path: Path) -> TokenStore:
    return MemoryTokenStore() if kind == "memory" else FileTokenStore(tmp_path / "tokens.json")


@pytest.mark.parametrize("kind", ["memory", "file"])
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_1000_concurrent_requests_with_an_expired_token_refresh_once(
    kind: str, tmp_path: Path
) -> None:
    clock = frozen_clock()
    fake = refresh_sandbox(clock, token_delay=0.01)
    store = make_store(kind, tmp_path)
    await store.save("acme", login_tokens(fake, expired=True))
    auth = make_auth(oauth_client(fake), "acme", store, clock=clock)
    statuses: list[int] = []

    async def call(http: Any) -> None:
        statuses.append((await http.get("/v1/profile")).status_code)

    async with api_client(fake, auth) as http, anyio.create_task_group() as tg:
        for _ in range(1000):
            tg.start_soon(call, http)
    assert fake.calls["token"] == 1
    assert statuses == [200] * 1000
    assert set(bearers(fake)) == {"Bearer at-1"}


@pytest.mark.parametrize(("fraction", "refreshes"), [(0.25, 0), (1.0, 1000)])
async def test_30_second_tokens_1000_requests_in_20_seconds(
    fraction: float, refreshes: int
) -> None:
    clock = frozen_clock()
    fake = refresh_sandbox(clock, access_token_lifetime=30)
    store = MemoryTokenStore()
    await store.save("acme", login_tokens(fake))  # at-0, valid for 30 s
    auth = make_auth(oauth_client(fake), "acme", store, clock=clock, leeway_fraction=fraction)
    async with api_client(fake, auth) as http:
        for _ in range(1000):
            clock.advance(0.02)
            assert (await http.get("/v1/profile")).status_code == 200
    # The default (a quarter of the lifetime) never refreshes; a leeway as long as the
    # lifetime (Authlib's fixed 60 s does worse) refreshes on every request.
    assert fake.calls["token"] == refreshes


@pytest.mark.parametrize("kind", ["memory", "file"])
async def test_rotating_refresh_tokens_are_never_reused(kind: str, tmp_path: Path) -> None:
    clock = frozen_clock()
    fake = refresh_sandbox(clock, token_delay=0.005)
    store = make_store(kind, tmp_path)
    await store.save("acme", login_tokens(fake, expired=True))
    # Two sources on one store, as two workers of one service would have.
    auths = [make_auth(oauth_client(fake), "acme", store, clock=clock) for _ in range(2)]
    clients = [api_client(fake, auth) for auth in auths]
    statuses: list[int] = []

    async def call(http: Any) -> None:
        statuses.append((await http.get("/v1/profile")).status_code)

    for round_ in range(1, 11):
        async with anyio.create_task_group() as tg:
            for i in range(100):
                tg.start_soon(call, clients[i % 2])
        assert fake.calls["token"] == round_
        stored = await store.load("acme")
        assert stored is not None and stored.refresh_token == SecretStr(f"rt-{round_}")
        assert fake.token_is_live(f"rt-{round_}")
        clock.advance(3601)
    for http in clients:
        await http.aclose()
    assert fake.reused_refresh_tokens == []
    assert statuses == [200] * 1000


# --- four OS processes ----------------------------------------------------------------------


WORKER = """
import asyncio, json, sys
import httpx
from lexoffice_auth import OAuthClient, ProviderMetadata
from tests.support.sources import make_auth
from lexoffice_auth.stores import FileTokenStore

async def main(path, base):
    # The served sandbox's provider and its public client (no sandbox import: it costs time).
    metadata = ProviderMetadata(issuer=base, authorization_endpoint=base + "/oauth2/authorize",
                                token_endpoint=base + "/oauth2/token")
    oauth = OAuthClient("sandbox-client", "http://127.0.0.1/callback", metadata=metadata,
                        http_client=httpx.AsyncClient(trust_env=False))
    auth = make_auth(oauth, "acme", FileTokenStore(path))
    def api(request):
        return httpx.Response(200 if request.headers["Authorization"] == "Bearer at-1" else 401)
    async with oauth, httpx.AsyncClient(base_url="https://api.lexware.io", auth=auth,
                                        transport=httpx.MockTransport(api)) as http:
        print("ready", flush=True)
        sys.stdin.readline()  # the start barrier: all four burst at the same moment
        responses = await asyncio.gather(*(http.get("/v1/profile") for _ in range(100)))
    print(json.dumps({"statuses": [r.status_code for r in responses]}))

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


@pytest.mark.slow
def test_four_processes_share_one_refresh(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    fake = served_refresh_sandbox()
    anyio.run(FileTokenStore(path).save, "acme", login_tokens(fake, expired=True))
    with fake.serve() as base_url:
        results = run_workers(WORKER, [[str(path), base_url]] * 4)
    assert [r["statuses"] for r in results] == [[200] * 100] * 4
    assert fake.calls["token"] == 1
    assert fake.reused_refresh_tokens == []
    stored = anyio.run(FileTokenStore(path).load, "acme")
    assert stored is not None and stored.refresh_token == SecretStr("rt-1")


# --- a refresh whose new id_token is rejected ----------------------------------------------


async def test_rejected_id_token_on_refresh_fails_every_waiter_without_stale_reuse() -> None:
    """The provider rotated the refresh token, then its id_token names another ``sub``.

    The waiters queued behind that refresh must not retry with the rotated-away refresh
    token (reuse detection could revoke the whole grant); all get one typed error.
    """
    key = rsa_key()
    live = ["RT-0"]
    stale: list[str] = []
    refreshes = [0]

    async def token_endpoint(request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        refreshes[0] += 1
        await anyio.sleep(0.02)  # the waiters queue behind this refresh
        if form["refresh_token"] != live[0]:
            stale.append(form["refresh_token"])
            return httpx.Response(400, json={"error": "invalid_grant"})
        live[0] = f"RT-{refreshes[0]}"
        access = f"AT-{refreshes[0]}"
        other = key.sign(claims(nonce=None, at_hash=at_hash(access, "RS256"), sub="intruder"))
        body = {"access_token": access, "token_type": "Bearer", "expires_in": 300}
        return httpx.Response(200, json={**body, "refresh_token": live[0], "id_token": other})

    with respx.mock(assert_all_called=False) as router:
        router.get(JWKS_URI).respond(json=jwks(key))
        route = router.post(f"{ISSUER}/token")
        async with OAuthClient(
            CLIENT_ID, REDIRECT, metadata=metadata(), clock=lambda: NOW
        ) as oauth:
            pending = await oauth.start_login(scopes=["openid"])
            nonce = pending.nonce.get_secret_value() if pending.nonce else None
            login = key.sign(claims(nonce=nonce, at_hash=at_hash("AT-0", "RS256")))
            body = {"access_token": "AT-0", "token_type": "Bearer", "expires_in": 300}
            route.respond(json={**body, "refresh_token": "RT-0", "id_token": login})
            state = pending.state.get_secret_value()
            tokens = await oauth.complete_login(f"{REDIRECT}?code=C&state={state}", pending)
            route.side_effect = token_endpoint
            store = MemoryTokenStore()
            await store.save("acme", tokens.model_copy(update={"expires_at": NOW - 10}))
            source = make_source(oauth, "acme", store, clock=lambda: NOW, backoff=0.001)
            errors = await concurrent_errors(source, 5)
            with pytest.raises(ReauthenticationRequired):  # later calls fail fast
                await source.access_token()

    assert refreshes[0] == 1
    assert stale == []
    assert len(errors) == 5
    assert all(type(exc) is ReauthenticationRequired for exc in errors)
    causes = [exc.__cause__ for exc in errors]
    assert all(isinstance(c, IdTokenError) and c.check == "sub" for c in causes)
    stored = await store.load("acme")
    assert stored is not None and stored.refresh_token == SecretStr("RT-0")  # kept, not lost
