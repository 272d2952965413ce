"""Single-flight refresh across "hosts" sharing one Redis: in one process and in three."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import pytest
from pydantic import SecretStr

from lexoffice_auth.stores._redis import RedisTokenStore
from tests.support.sources import make_auth

from ..support.processes import run_workers
from ..support.redis_server import RedisServer, redis_server_fixture  # noqa: F401
from ..support.refresh_sandbox import (
    api_client,
    frozen_clock,
    login_tokens,
    oauth_client,
    refresh_sandbox,
    served_refresh_sandbox,
)

ROOT = Path(__file__).resolve().parents[2]
HOSTS = 4


@pytest.fixture
def prefix() -> str:
    return f"test-{uuid.uuid4().hex[:12]}:"


async def _burst(clients: list[Any], requests: int) -> list[int]:
    statuses: list[int] = []

    async def call(http: Any) -> None:
        statuses.append((await http.get("/v1/profile")).status_code)

    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            for i in range(requests):
                tg.start_soon(call, clients[i % len(clients)])
    return statuses


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_1000_requests_through_4_hosts_refresh_once_and_rotate_safely(
    redis_server: RedisServer, prefix: str
) -> None:
    clock = frozen_clock()
    fake = refresh_sandbox(clock, token_delay=0.05)
    # Four "hosts": each its own Redis connection pool, OAuthClient, source and auth.
    stores = [RedisTokenStore(url=redis_server.url, prefix=prefix) for _ in range(HOSTS)]
    assert len({id(store._client) for store in stores}) == HOSTS
    await stores[0].save("acme", login_tokens(fake, expired=True))
    oauths = [oauth_client(fake) for _ in range(HOSTS)]
    clients = [
        api_client(fake, make_auth(oauth, "acme", store, clock=clock))
        for oauth, store in zip(oauths, stores, strict=True)
    ]
    try:
        assert await _burst(clients, 1000) == [200] * 1000
        assert fake.calls["token"] == 1
        # Later expiries: every round is one refresh with the newest refresh token.
        for round_ in range(2, 5):
            clock.advance(3601)
            assert await _burst(clients, 200) == [200] * 200
            assert fake.calls["token"] == round_
            stored = await stores[3].load("acme")
            assert stored is not None and stored.refresh_token == SecretStr(f"rt-{round_}")
            assert fake.token_is_live(f"rt-{round_}")
        assert fake.reused_refresh_tokens == []
    finally:
        for http, oauth, store in zip(clients, oauths, stores, strict=True):
            await http.aclose()
            await oauth.aclose()
            await store.aclose()


# --- three OS processes --------------------------------------------------------------------------

WORKER = """
import asyncio, json, sys
import httpx
from lexoffice_auth import OAuthClient, ProviderMetadata
from tests.support.sources import make_auth
from lexoffice_auth.stores._redis import RedisTokenStore

async def main(url, prefix, base, requests):
    # The served sandbox's provider and its public client (no sandbox import: it costs time).
    metadata = ProviderMetadata(issuer=base, authorization_endpoint=base + "/oauth2/authorize",
                                token_endpoint=base + "/oauth2/token")
    oauth = OAuthClient("sandbox-client", "http://127.0.0.1/callback", metadata=metadata,
                        http_client=httpx.AsyncClient(trust_env=False))
    store = RedisTokenStore(url=url, prefix=prefix)
    auth = make_auth(oauth, "acme", store)
    def api(request):
        return httpx.Response(200 if request.headers["Authorization"] == "Bearer at-1" else 401)
    async with store, oauth, httpx.AsyncClient(base_url="https://api.lexware.io", auth=auth,
                                               transport=httpx.MockTransport(api)) as http:
        await store.load("acme")  # connect before the barrier
        print("ready", flush=True)
        sys.stdin.readline()  # the start barrier: all processes burst at the same moment
        responses = await asyncio.gather(*(http.get("/v1/profile") for _ in range(requests)))
    print(json.dumps({"statuses": [r.status_code for r in responses]}))

asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
"""


@pytest.mark.slow  # three real processes against a real redis-server
def test_three_processes_share_one_refresh(redis_server: RedisServer, prefix: str) -> None:
    fake = served_refresh_sandbox()
    expired = login_tokens(fake, expired=True)

    async def store_call(method: str, *args: Any) -> Any:
        async with RedisTokenStore(url=redis_server.url, prefix=prefix) as store:
            return await getattr(store, method)(*args)

    asyncio.run(store_call("save", "acme", expired))
    shares = [334, 333, 333]
    with fake.serve() as base_url:
        results = run_workers(
            WORKER,
            [[redis_server.url, prefix, base_url, str(n)] for n in shares],
            within=60,
        )
    assert [r["statuses"] for r in results] == [[200] * n for n in shares]
    assert fake.calls["token"] == 1
    assert fake.reused_refresh_tokens == []
    stored = asyncio.run(store_call("load", "acme"))
    assert stored is not None and stored.refresh_token == SecretStr("rt-1")
