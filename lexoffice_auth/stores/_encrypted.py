"""A wrapper that encrypts any store's token sets at rest (AES-256-GCM).

``cryptography`` (already installed with PyJWT[crypto]) is imported when the first
``EncryptedTokenStore`` is created, not when ``lexoffice_auth.stores`` is.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import secrets
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from .._core.checks import check_account_key
from .._oauth.tokens import TokenSet, check_token_set
from ..errors import ConfigurationError, TokenStoreError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from ._protocol import TokenStore

__all__ = ["EncryptedTokenStore"]

MARKER = "lexoffice_auth.sealed"
"""The key in a sealed token set's ``extra`` that holds the envelope header."""
_ALGORITHM = "A256GCM"
_VERSION = 2
_LEGACY_VERSION = 1  # 0.2.0: the generation was not associated data (read, then rewritten)
_NONCE_BYTES = 12
_KEY_BYTES = 32
# Associated data: the format, the account key and the generation. A value copied to
# another account's entry, replayed with an edited generation (to get past the inner
# store's compare-and-set), or of a future format fails authentication.
_AAD_PREFIX = b"lexoffice-auth/sealed-token-set/v2\0"
_LEGACY_AAD_PREFIX = b"lexoffice-auth/sealed-token-set/v1\0"


def _key_id(key: bytes) -> str:
    """A short public name for a key: not the key, and useless to guess it from."""
    digest = hashlib.sha256(b"lexoffice-auth/key-id\0" + key).digest()
    return base64.urlsafe_b64encode(digest[:6]).decode("ascii")


def _decode_key(value: object, position: int) -> bytes:
    """A 32-byte key from raw bytes or base64 text (standard or URL-safe alphabet)."""
    where = f"encryption key #{position + 1}"
    if isinstance(value, (bytes, bytearray)):
        raw = bytes(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            raw = base64.b64decode(
                text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4),
                validate=True,
            )
        except (binascii.Error, ValueError):
            raise ConfigurationError(f"{where} is not base64 text") from None
    else:
        raise ConfigurationError(
            f"{where} must be bytes or base64 text, not {type(value).__name__}"
        )
    if len(raw) != _KEY_BYTES:
        raise ConfigurationError(
            f"{where} has {len(raw)} bytes; AES-256-GCM needs {_KEY_BYTES} "
            "(make one with EncryptedTokenStore.generate_key())"
        )
    return raw


def _import_aesgcm() -> type[AESGCM]:
    try:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    except ImportError as exc:  # pragma: no cover - cryptography comes with PyJWT[crypto]
        raise ConfigurationError(
            "EncryptedTokenStore needs the cryptography package: pip install cryptography"
        ) from exc
    return AESGCM


class EncryptedTokenStore:
    """Any ``TokenStore`` with its token sets encrypted at rest (AES-256-GCM).

    ``keys`` are 32-byte keys (raw bytes or base64 text), the first one current: saves
    encrypt with it, loads decrypt with whichever key the value names. To rotate, put a
    new key first and keep the old ones until every account was saved again (a refresh
    does that, or ``reencrypt``); then drop them.

    What the inner store holds for an account is an ordinary ``TokenSet`` whose
    ``access_token`` is the sealed value (URL-safe base64 of a random 96-bit nonce and
    the ciphertext of the whole token set) and whose ``extra[MARKER]`` names the format
    and the key id; no token, scope, expiry or id_token claim is readable there. So the
    memory, file and Redis stores (and your own) keep working unchanged, with their
    locks: ``lock`` is the inner store's. The sealed set carries the token set's
    ``generation`` in the clear (it is no secret), so the inner store's compare-and-set
    guards encrypted values too; ``compare_and_set`` is the inner store's.

    The account key and the generation are authenticated with each value: a value copied
    to another account, replayed with an edited generation, decrypted with a wrong key, or
    changed by a single bit raises ``TokenStoreError`` (never an exception of
    ``cryptography``). Values written by 0.2.0 (whose generation was not authenticated)
    are read once, their clear generation checked against the one sealed inside, and
    rewritten in the bound format at once when the inner store has ``compare_and_set``
    (else at their next save, or by ``reencrypt``). A stored token set that is not encrypted is
    refused too, unless ``accept_plaintext=True`` (for migrating an existing store: it is
    read as is and encrypted on its next save).

    Example:
        >>> from lexoffice_auth.stores import EncryptedTokenStore, MemoryTokenStore
        >>> key = EncryptedTokenStore.generate_key()
        >>> store = EncryptedTokenStore(MemoryTokenStore(), [key])
        >>> # or: EncryptedTokenStore.from_env(MemoryTokenStore(), "LEXOFFICE_TOKEN_KEYS")
    """

    def __init__(
        self,
        inner: TokenStore,
        keys: Iterable[bytes | str],
        *,
        accept_plaintext: bool = False,
    ) -> None:
        from ._protocol import TokenStore

        if not isinstance(inner, TokenStore):
            raise ConfigurationError(
                f"inner must be a TokenStore (load/save/delete/lock), got {type(inner).__name__}"
            )
        if isinstance(keys, (str, bytes, bytearray)):
            raise ConfigurationError("keys must be a list of keys (the current one first)")
        try:
            decoded = [_decode_key(key, i) for i, key in enumerate(keys)]
        except TypeError:
            raise ConfigurationError(
                "keys must be a list of keys (the current one first)"
            ) from None
        if not decoded:
            raise ConfigurationError("EncryptedTokenStore needs at least one key")
        aesgcm = _import_aesgcm()
        self._ciphers: dict[str, AESGCM] = {}
        for i, key in enumerate(decoded):
            kid = _key_id(key)
            if kid in self._ciphers:
                raise ConfigurationError(f"encryption key #{i + 1} is given twice")
            self._ciphers[kid] = aesgcm(key)
        self._current = _key_id(decoded[0])
        self._inner = inner
        self._accept_plaintext = bool(accept_plaintext)

    @classmethod
    def from_env(
        cls,
        inner: TokenStore,
        variable: str = "LEXOFFICE_TOKEN_KEYS",
        *,
        environ: Mapping[str, str] | None = None,
        accept_plaintext: bool = False,
    ) -> EncryptedTokenStore:
        """Keys from an environment variable: comma-separated base64 keys, current first.

        Example:
            >>> env = {"LEXOFFICE_TOKEN_KEYS": EncryptedTokenStore.generate_key()}
            >>> from lexoffice_auth.stores import MemoryTokenStore
            >>> EncryptedTokenStore.from_env(MemoryTokenStore(), environ=env).key_ids[0] != ""
            True
        """
        env = os.environ if environ is None else environ
        value = env.get(variable, "")
        keys = [part for part in (p.strip() for p in value.split(",")) if part]
        if not keys:
            raise ConfigurationError(
                f"the environment variable {variable} holds no encryption key "
                "(comma-separated base64 keys, the current one first)"
            )
        try:
            return cls(inner, keys, accept_plaintext=accept_plaintext)
        except ConfigurationError as exc:
            raise ConfigurationError(f"{variable}: {exc}") from None

    @staticmethod
    def generate_key() -> str:
        """A new random key as base64 text (32 bytes from ``secrets``)."""
        return base64.b64encode(secrets.token_bytes(_KEY_BYTES)).decode("ascii")

    def __repr__(self) -> str:
        return f"EncryptedTokenStore({self._inner!r}, key_ids={list(self.key_ids)!r})"

    @property
    def compare_and_set(self) -> bool:
        """Whether saves refuse to go back in time: the inner store's declaration."""
        return getattr(self._inner, "compare_and_set", False) is True

    @property
    def inner(self) -> TokenStore:
        """The store that holds the sealed values."""
        return self._inner

    @property
    def connection_index(self) -> object:
        """The inner store's connection index (connection ids and account keys are no
        secrets, and the index is not a token store: nothing in it is sealed)."""
        return getattr(self._inner, "connection_index", None)

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Public ids of the keys (a hash prefix, not the key), the current one first."""
        return tuple(self._ciphers)

    # --- TokenStore ----------------------------------------------------------------------

    async def load(self, account_key: str) -> TokenSet | None:
        """The decrypted token set, ``None``, or ``TokenStoreError`` if it cannot be opened."""
        check_account_key(account_key)
        sealed = await self._inner.load(account_key)
        if sealed is None:
            return None
        opened = self.open(account_key, sealed)
        if _is_legacy(sealed) and self.compare_and_set:
            await self._rewrite_bound(account_key, sealed, opened)
        return opened

    async def _rewrite_bound(self, account_key: str, sealed: TokenSet, opened: TokenSet) -> None:
        """Rewrite a 0.2.0 value in the bound format, one generation on.

        Only over a compare-and-set store (no lock is held here): a newer value saved
        meanwhile wins, and this rewrite is dropped.
        """
        from ..errors import TokenSetSuperseded

        newer = opened.model_copy(update={"generation": sealed.generation + 1})
        # A newer token set saved meanwhile is bound already: let it win.
        with contextlib.suppress(TokenSetSuperseded):
            await self._inner.save(account_key, self.seal(account_key, newer))

    async def save(self, account_key: str, token_set: TokenSet) -> None:
        """Encrypt ``token_set`` with the current key and save it in the inner store."""
        check_account_key(account_key)
        await self._inner.save(account_key, self.seal(account_key, check_token_set(token_set)))

    async def delete(self, account_key: str) -> None:
        """Delete ``account_key``'s value from the inner store."""
        await self._inner.delete(check_account_key(account_key))

    @asynccontextmanager
    async def lock(self, account_key: str) -> AsyncIterator[None]:
        """The inner store's refresh lock."""
        async with self._inner.lock(account_key):
            yield

    async def reencrypt(self, account_key: str) -> bool:
        """Save ``account_key``'s token set again under the current key (for rotation).

        Values of the 0.2.0 format are rewritten bound too, whatever their key.

        Holds the inner store's lock while doing so. True if a token set was rewritten.
        """
        async with self._inner.lock(check_account_key(account_key)):
            sealed = await self._inner.load(account_key)
            if sealed is None:
                return False
            if _header(sealed).get("kid") == self._current and not _is_legacy(sealed):
                return False
            opened = self.open(account_key, sealed)
            # The same tokens, one generation on: a compare-and-set store would refuse an
            # equal generation.
            newer = opened.model_copy(update={"generation": sealed.generation + 1})
            await self._inner.save(account_key, self.seal(account_key, newer))
            return True

    # --- the envelope ----------------------------------------------------------------------

    def seal(self, account_key: str, token_set: TokenSet) -> TokenSet:
        """The sealed ``TokenSet`` that stands for ``token_set`` in the inner store."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        plaintext = token_set.to_json().encode("utf-8")
        aad = _aad(account_key, token_set.generation)
        ciphertext = self._ciphers[self._current].encrypt(nonce, plaintext, aad)
        blob = base64.urlsafe_b64encode(nonce + ciphertext).decode("ascii").rstrip("=")
        header = {"v": _VERSION, "alg": _ALGORITHM, "kid": self._current}
        return TokenSet(
            access_token=SecretStr(blob),
            extra={MARKER: header},
            generation=token_set.generation,
        )

    def open(self, account_key: str, sealed: TokenSet) -> TokenSet:
        """The token set inside ``sealed``; ``TokenStoreError`` if it cannot be opened."""
        where = f"the stored token set of account {account_key!r}"
        if MARKER not in sealed.extra:
            if self._accept_plaintext:
                return sealed
            raise TokenStoreError(
                f"{where} is not encrypted; it was left untouched (pass "
                "accept_plaintext=True once to migrate an unencrypted store)"
            )
        header = _header(sealed)
        version = header.get("v")
        if version not in (_VERSION, _LEGACY_VERSION) or header.get("alg") != _ALGORITHM:
            raise TokenStoreError(
                f"{where} uses an unknown encryption format "
                f"(v={header.get('v')!r}, alg={header.get('alg')!r})"
            )
        kid = header.get("kid")
        cipher = self._ciphers.get(kid) if isinstance(kid, str) else None
        if cipher is None:
            raise TokenStoreError(
                f"{where} was encrypted with key id {kid!r}, which is not among the "
                f"configured keys {list(self._ciphers)}"
            )
        blob = sealed.access_token.get_secret_value()
        try:
            raw = base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4))
        except (binascii.Error, ValueError):
            raise TokenStoreError(f"{where} is not a valid sealed value") from None
        from cryptography.exceptions import InvalidTag

        if version == _VERSION:
            aad = _aad(account_key, sealed.generation)
        else:
            aad = _LEGACY_AAD_PREFIX + account_key.encode("utf-8")
        try:
            plaintext = cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], aad)
        except (InvalidTag, ValueError):
            raise TokenStoreError(
                f"{where} cannot be decrypted with key id {kid!r}: the key is wrong, or the "
                "value (or its generation) was changed or copied from another account"
            ) from None
        try:
            opened = TokenSet.from_json(plaintext)
        except TokenStoreError as exc:
            raise TokenStoreError(f"{where} decrypted to an invalid token set: {exc}") from None
        if opened.generation != sealed.generation:
            # Sealed with one generation, stored under another: the clear one was changed
            # (the bound format cannot get here; a 0.2.0 value can).
            raise TokenStoreError(
                f"{where} was changed: its generation differs from the one sealed inside"
            )
        return opened


def _aad(account_key: str, generation: int) -> bytes:
    return _AAD_PREFIX + account_key.encode("utf-8") + b"\0" + str(generation).encode("ascii")


def _is_legacy(sealed: TokenSet) -> bool:
    return _header(sealed).get("v") == _LEGACY_VERSION


def _header(token_set: TokenSet) -> dict[str, Any]:
    header = token_set.extra.get(MARKER)
    return header if isinstance(header, dict) else {}
