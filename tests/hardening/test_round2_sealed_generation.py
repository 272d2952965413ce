"""Round 2, item 10: ``EncryptedTokenStore`` authenticates the generation it stores.

0.2.0 kept the generation in the clear and outside the AEAD's associated data, so an old
sealed value replayed with an edited (higher) generation was accepted, defeating the
inner store's compare-and-set. The generation and the account key are now associated
data; values of the earlier format are read once (their generation checked against the
authenticated one inside) and rewritten bound.
"""

from __future__ import annotations

import base64
import secrets

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import SecretStr

from lexoffice_auth import TokenSet
from lexoffice_auth.errors import TokenStoreError
from lexoffice_auth.stores import EncryptedTokenStore, MemoryTokenStore
from lexoffice_auth.stores._encrypted import MARKER

KEY = base64.b64encode(b"k" * 32).decode()


def tokens(generation: int) -> TokenSet:
    return TokenSet(
        access_token=SecretStr(f"at-{generation}"),
        refresh_token=SecretStr(f"rt-{generation}"),
        expires_at=2_000_000_000.0,
        generation=generation,
    )


def with_generation(sealed: TokenSet, generation: int) -> TokenSet:
    return sealed.model_copy(update={"generation": generation})


async def test_a_sealed_value_replayed_with_an_edited_generation_is_refused() -> None:
    inner = MemoryTokenStore()
    store = EncryptedTokenStore(inner, [KEY])
    await store.save("acme", tokens(1))
    old = await inner.load("acme")
    assert old is not None
    await store.save("acme", tokens(2))  # a refresh rotated the tokens
    # The attacker writes the old value back, its generation edited past the live one.
    await inner.delete("acme")
    await inner.save("acme", with_generation(old, 3))
    with pytest.raises(TokenStoreError, match="changed"):
        await store.load("acme")


async def test_the_same_value_under_another_account_is_still_refused() -> None:
    inner = MemoryTokenStore()
    store = EncryptedTokenStore(inner, [KEY])
    await store.save("acme", tokens(4))
    sealed = await inner.load("acme")
    assert sealed is not None
    await inner.save("mallory", sealed)
    with pytest.raises(TokenStoreError):
        await store.load("mallory")


def seal_v1(account_key: str, token_set: TokenSet, *, clear_generation: int) -> TokenSet:
    """A value as 0.2.0 wrote it: AAD of the format and the account key only."""
    nonce = secrets.token_bytes(12)
    aad = b"lexoffice-auth/sealed-token-set/v1\0" + account_key.encode()
    ciphertext = AESGCM(base64.b64decode(KEY)).encrypt(nonce, token_set.to_json().encode(), aad)
    kid = EncryptedTokenStore(MemoryTokenStore(), [KEY]).key_ids[0]
    return TokenSet(
        access_token=SecretStr(base64.urlsafe_b64encode(nonce + ciphertext).decode().rstrip("=")),
        extra={MARKER: {"v": 1, "alg": "A256GCM", "kid": kid}},
        generation=clear_generation,
    )


async def test_values_of_the_earlier_format_are_read_once_and_rewritten_bound() -> None:
    inner = MemoryTokenStore()
    store = EncryptedTokenStore(inner, [KEY])
    await inner.save("acme", seal_v1("acme", tokens(5), clear_generation=5))
    opened = await store.load("acme")
    assert opened is not None and opened.access_token.get_secret_value() == "at-5"
    rewritten = await inner.load("acme")
    assert rewritten is not None
    assert rewritten.extra[MARKER]["v"] == 2 and rewritten.generation == 6
    again = await store.load("acme")
    assert again is not None and again.access_token.get_secret_value() == "at-5"
    assert again.generation == 6
    # The rewritten value is bound: editing its generation is detected.
    await inner.delete("acme")
    await inner.save("acme", with_generation(rewritten, 9))
    with pytest.raises(TokenStoreError):
        await store.load("acme")


async def test_an_earlier_format_value_with_an_edited_generation_is_refused() -> None:
    inner = MemoryTokenStore()
    store = EncryptedTokenStore(inner, [KEY])
    await inner.save("acme", seal_v1("acme", tokens(2), clear_generation=7))
    with pytest.raises(TokenStoreError, match="changed"):
        await store.load("acme")
