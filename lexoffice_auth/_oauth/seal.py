"""Sealing: authenticated encryption of a small value with the application's key.

A web app that keeps a pending login in a cookie must get back exactly what it stored: an
edited ``expires_at`` or ``redirect_uri`` must be refused, and the verifier must not be
readable. A sealed value is AES-256-GCM over the JSON, with a key derived (HKDF-SHA256) from
the app's key, as unpadded base64url (safe in cookies, URLs and form fields)::

    version (1 byte) | nonce (12 bytes) | ciphertext + tag (16 bytes)

The version byte and a purpose label are authenticated too, so a value sealed for another
purpose or format is refused. ``cryptography`` is imported on first use only.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeAlias

from ..errors import ConfigurationError, LoginError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["MAX_SEALED_CHARS", "SealKey", "SealKeys", "seal", "unseal"]

SealKey: TypeAlias = bytes | str
"""A key: at least 32 random bytes, or their base64 / base64url text (not a passphrase)."""

SealKeys: TypeAlias = SealKey | Sequence[SealKey]
"""One key, or several for rotation: seal with the first, open with any."""

_VERSION = b"\x01"
_NONCE = 12
_TAG = 16
_MIN_KEY = 32
MAX_SEALED_CHARS = 16 * 1024
"""Longer input is refused before decoding (a cookie holds 4 KiB)."""
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_BASE64_TEXT = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")


def _pending(message: str) -> LoginError:
    return LoginError(message, reason="pending")


def _key_bytes(key: object) -> bytes:
    if isinstance(key, (bytes, bytearray, memoryview)):
        raw = bytes(key)
    elif isinstance(key, str):
        text = key.strip()
        if not _BASE64_TEXT.fullmatch(text):
            raise ConfigurationError(
                "a seal key given as text must be base64 of at least 32 random bytes, not a "
                "passphrase; make one with secrets.token_urlsafe(32)"
            )
        text = text.rstrip("=").replace("-", "+").replace("_", "/")
        try:
            raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise ConfigurationError("a seal key given as text is not valid base64") from None
    else:
        raise ConfigurationError(f"a seal key is bytes or base64 text, not {type(key).__name__}")
    if len(raw) < _MIN_KEY:
        raise ConfigurationError(
            f"a seal key must have at least {_MIN_KEY} random bytes, got {len(raw)}; "
            "make one with secrets.token_urlsafe(32)"
        )
    return raw


def _ciphers(keys: SealKeys, info: bytes) -> list[AESGCM]:
    """One AES-GCM cipher per key, each key stretched with HKDF for this ``info``."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    if isinstance(keys, (bytes, bytearray, memoryview, str)):
        key_list: list[object] = [keys]
    elif isinstance(keys, Sequence):
        key_list = list(keys)
    else:
        raise ConfigurationError(
            f"seal keys are a key or a list of keys, not {type(keys).__name__}"
        )
    if not key_list:
        raise ConfigurationError("at least one seal key is needed")
    ciphers = []
    for key in key_list:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
            _key_bytes(key)
        )
        ciphers.append(AESGCM(derived))
    return ciphers


def seal(plaintext: bytes, keys: SealKeys, *, purpose: bytes) -> str:
    """``plaintext`` encrypted and authenticated with the first of ``keys``, as base64url."""
    cipher = _ciphers(keys, purpose)[0]
    nonce = os.urandom(_NONCE)
    sealed = cipher.encrypt(nonce, plaintext, _VERSION + purpose)
    return base64.urlsafe_b64encode(_VERSION + nonce + sealed).rstrip(b"=").decode("ascii")


def unseal(token: object, keys: SealKeys, *, purpose: bytes, what: str) -> bytes:
    """The plaintext of a ``seal`` output, tried with each of ``keys``.

    Anything else (wrong type, too long, not base64url, truncated, another version, edited,
    sealed with a key not in ``keys`` or for another purpose) is ``LoginError(reason=
    "pending")``; a bad key itself is ``ConfigurationError``.
    """
    ciphers = _ciphers(keys, purpose)  # check the keys first: a bad key is the app's bug
    if not isinstance(token, str):
        raise _pending(f"a sealed {what} is a str, not {type(token).__name__}")
    if len(token) > MAX_SEALED_CHARS:
        raise _pending(f"a sealed {what} is at most {MAX_SEALED_CHARS} characters")
    if not _BASE64URL.fullmatch(token):
        raise _pending(f"a sealed {what} is base64url text; this one is not")
    try:
        data = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise _pending(f"a sealed {what} is truncated or not base64url") from None
    if len(data) < 1 + _NONCE + _TAG:
        raise _pending(f"a sealed {what} is truncated")
    if data[:1] != _VERSION:
        raise _pending(f"a sealed {what} has an unknown format version")
    from cryptography.exceptions import InvalidTag

    nonce, sealed = data[1 : 1 + _NONCE], data[1 + _NONCE :]
    for cipher in ciphers:
        try:
            return cipher.decrypt(nonce, sealed, _VERSION + purpose)
        except InvalidTag:
            continue
    raise _pending(
        f"the sealed {what} was altered, truncated, or sealed with a key this app does not "
        "have (after a key rotation keep the old key in the list until old values expire)"
    )
