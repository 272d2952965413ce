"""EncryptedTokenStore over the memory, file and Redis stores: what is at rest, and keys."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr

from lexoffice_auth import TokenSet
from lexoffice_auth.errors import ConfigurationError, TokenStoreError
from lexoffice_auth.stores import (
    EncryptedTokenStore,
    FileTokenStore,
    MemoryTokenStore,
    TokenStore,
)
from lexoffice_auth.stores._encrypted import MARKER

from ..support.redis_server import RedisServer, redis_server_fixture  # noqa: F401

ACCESS = "at-0123456789-very-secret-access"
REFRESH = "rt-9876543210-very-secret-refresh"
ID_TOKEN = "eyJhbGciOi.secret-id-token.sig"
OLD_KEY = base64.b64encode(b"o" * 32).decode()
NEW_KEY = base64.urlsafe_b64encode(b"n" * 32).decode()
THIRD_KEY = EncryptedTokenStore.generate_key()


def tokens(n: int = 0) -> TokenSet:
    return TokenSet(
        access_token=SecretStr(f"{ACCESS}-{n}"),
        refresh_token=SecretStr(f"{REFRESH}-{n}"),
        id_token=SecretStr(ID_TOKEN),
        expires_at=2_000_000_000.0 + n,
        issued_at=1_999_996_400.0,
        scopes=("openid", "contacts.read"),
        extra={"connection_id": "conn-1"},
    )


@dataclass
class Backend:
    """An inner store and a way to read everything it holds, raw."""

    store: TokenStore
    raw: Callable[[], Awaitable[bytes]]


@asynccontextmanager
async def open_backend(kind: str, tmp_path: Path, redis_url: str | None) -> AsyncIterator[Backend]:
    if kind == "memory":
        memory = MemoryTokenStore()

        async def raw_memory() -> bytes:
            found = [await memory.load(key) for key in ("acme", "other")]
            return json.dumps([t.to_dict() for t in found if t is not None]).encode()

        yield Backend(memory, raw_memory)
    elif kind == "file":
        path = tmp_path / "tokens.json"

        async def raw_file() -> bytes:
            return path.read_bytes() if path.exists() else b""

        yield Backend(FileTokenStore(path), raw_file)
    else:
        import redis

        from lexoffice_auth.stores import RedisTokenStore

        assert redis_url is not None
        prefix = f"enc-{uuid.uuid4().hex[:10]}:"
        client = redis.Redis.from_url(redis_url)
        store = RedisTokenStore(client, prefix=prefix)

        async def raw_redis() -> bytes:
            values = [client.get(k) for k in client.keys(prefix + "*")]
            return b"\n".join(v for v in values if v is not None)

        try:
            yield Backend(store, raw_redis)
        finally:
            client.close()


@pytest.fixture(params=["memory", "file", "redis"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def redis_url(kind: str, request: pytest.FixtureRequest) -> str | None:
    if kind != "redis":
        return None
    server: RedisServer = request.getfixturevalue("redis_server")
    return server.url


def assert_no_secret(raw: bytes) -> None:
    assert raw, "the inner store holds nothing"
    for secret in (ACCESS, REFRESH, ID_TOKEN, "contacts.read", "conn-1"):
        assert secret.encode() not in raw, f"{secret!r} is readable at rest"


async def test_round_trip_and_nothing_readable_at_rest(
    kind: str, tmp_path: Path, redis_url: str | None
) -> None:
    async with open_backend(kind, tmp_path, redis_url) as backend:
        store = EncryptedTokenStore(backend.store, [NEW_KEY, OLD_KEY])
        assert await store.load("acme") is None
        await store.save("acme", tokens(1))
        await store.save("other", tokens(2))
        assert await store.load("acme") == tokens(1)
        assert await store.load("other") == tokens(2)
        assert_no_secret(await backend.raw())
        sealed = await backend.store.load("acme")
        assert sealed is not None and sealed.refresh_token is None
        assert sealed.extra[MARKER]["kid"] == store.key_ids[0]
        await store.delete("acme")
        assert await store.load("acme") is None
        assert await store.load("other") == tokens(2)


async def test_a_wrong_key_is_a_token_store_error(
    kind: str, tmp_path: Path, redis_url: str | None
) -> None:
    async with open_backend(kind, tmp_path, redis_url) as backend:
        await EncryptedTokenStore(backend.store, [OLD_KEY]).save("acme", tokens())
        stranger = EncryptedTokenStore(backend.store, [THIRD_KEY])
        with pytest.raises(TokenStoreError, match="not among the configured keys") as info:
            await stranger.load("acme")
        assert info.value.__cause__ is None
        assert THIRD_KEY not in str(info.value) and OLD_KEY not in str(info.value)


async def test_rotation_reads_with_old_keys_and_writes_with_the_first(
    kind: str, tmp_path: Path, redis_url: str | None
) -> None:
    async with open_backend(kind, tmp_path, redis_url) as backend:
        old_only = EncryptedTokenStore(backend.store, [OLD_KEY])
        await old_only.save("acme", tokens(1))
        await old_only.save("other", tokens(2))
        rotated = EncryptedTokenStore(backend.store, [NEW_KEY, OLD_KEY])
        assert await rotated.load("acme") == tokens(1)  # the old key still reads
        await rotated.save("acme", tokens(3))  # ... and the new one writes
        new_only = EncryptedTokenStore(backend.store, [NEW_KEY])
        assert await new_only.load("acme") == tokens(3)
        with pytest.raises(TokenStoreError):
            await old_only.load("acme")  # after the save the old key alone cannot read
        # reencrypt moves the rest over under the lock; a second call has nothing to do.
        assert await rotated.reencrypt("other") is True
        assert await rotated.reencrypt("other") is False
        assert await rotated.reencrypt("nobody") is False
        # The same tokens, one generation on (a compare-and-set store refuses an equal one).
        reencrypted = await new_only.load("other")
        assert reencrypted == tokens(2).model_copy(update={"generation": 1})
        assert_no_secret(await backend.raw())


async def test_tampered_or_moved_values_are_refused(tmp_path: Path) -> None:
    inner = MemoryTokenStore()
    store = EncryptedTokenStore(inner, [NEW_KEY])
    await store.save("acme", tokens())
    sealed = await inner.load("acme")
    assert sealed is not None
    # Copied to another account: the account key is authenticated data.
    await inner.save("mallory", sealed)
    with pytest.raises(TokenStoreError, match="copied from another account"):
        await store.load("mallory")
    # One character of the ciphertext changed.
    blob = sealed.access_token.get_secret_value()
    flipped = blob[:20] + ("A" if blob[20] != "A" else "B") + blob[21:]
    await inner.save("acme", sealed.model_copy(update={"access_token": SecretStr(flipped)}))
    with pytest.raises(TokenStoreError, match="cannot be decrypted"):
        await store.load("acme")
    # Truncated, unknown format, header not an object.
    for extra, value in [
        (sealed.extra, "AAAA"),
        ({MARKER: {"v": 2, "alg": "A256GCM", "kid": "x"}}, blob),
        ({MARKER: "nonsense"}, blob),
    ]:
        await inner.save("acme", TokenSet(access_token=SecretStr(value), extra=extra))
        with pytest.raises(TokenStoreError):
            await store.load("acme")


async def test_plaintext_is_refused_unless_migrating() -> None:
    inner = MemoryTokenStore()
    await inner.save("acme", tokens())
    with pytest.raises(TokenStoreError, match="not encrypted"):
        await EncryptedTokenStore(inner, [NEW_KEY]).load("acme")
    migrating = EncryptedTokenStore(inner, [NEW_KEY], accept_plaintext=True)
    assert await migrating.load("acme") == tokens()
    assert await migrating.reencrypt("acme") is True
    sealed = await inner.load("acme")
    assert sealed is not None and MARKER in sealed.extra
    reencrypted = await EncryptedTokenStore(inner, [NEW_KEY]).load("acme")
    assert reencrypted == tokens().model_copy(update={"generation": 1})


def test_keys_from_the_environment() -> None:
    env = {"KEYS": f" {NEW_KEY} , {OLD_KEY},"}
    store = EncryptedTokenStore.from_env(MemoryTokenStore(), "KEYS", environ=env)
    assert store.key_ids == EncryptedTokenStore(MemoryTokenStore(), [NEW_KEY, OLD_KEY]).key_ids
    with pytest.raises(ConfigurationError, match="MISSING holds no encryption key"):
        EncryptedTokenStore.from_env(MemoryTokenStore(), "MISSING", environ=env)
    with pytest.raises(ConfigurationError, match="KEYS: encryption key #2 has 3 bytes") as info:
        EncryptedTokenStore.from_env(
            MemoryTokenStore(), "KEYS", environ={"KEYS": f"{NEW_KEY},YWJj"}
        )
    assert NEW_KEY not in str(info.value)


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ([], "at least one key"),
        (NEW_KEY, "a list of keys"),
        ([b"short"], "has 5 bytes"),
        (["not base64 !"], "not base64"),
        ([42], "bytes or base64 text"),
        ([NEW_KEY, base64.b64encode(b"n" * 32).decode()], "given twice"),
        (None, "a list of keys"),
    ],
)
def test_bad_keys_are_configuration_errors(keys: object, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        EncryptedTokenStore(MemoryTokenStore(), keys)  # type: ignore[arg-type]


def test_bad_inner_store_and_repr_without_keys() -> None:
    with pytest.raises(ConfigurationError, match="inner must be a TokenStore"):
        EncryptedTokenStore(object(), [NEW_KEY])  # type: ignore[arg-type]
    store = EncryptedTokenStore(MemoryTokenStore(), [NEW_KEY, OLD_KEY])
    text = repr(store)
    assert NEW_KEY not in text and OLD_KEY not in text
    assert "MemoryTokenStore" in text and store.key_ids[0] in text
    assert isinstance(store, TokenStore)
