"""``X-Lxo-Signature``: lexoffice's RSA signature (PKCS#1 v1.5, SHA-512) of the event body.

``cryptography`` is imported on first use, not with the module.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Union

from ..errors import ConfigurationError, WebhookError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

__all__ = ["SIGNATURE_HEADER", "PublicKey", "load_public_key", "verify_signature"]

SIGNATURE_HEADER = "X-Lxo-Signature"
"""The header lexoffice puts the signature in."""

PublicKey = Union[str, bytes, "RSAPublicKey"]


def load_public_key(public_key: PublicKey) -> RSAPublicKey:
    """An RSA public key from PEM text or bytes (or a loaded key, returned as is).

    Load it once at start-up and pass the result on, so each request skips the parsing.
    A key that is not an RSA public key is a ``ConfigurationError``.
    """
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    if isinstance(public_key, RSAPublicKey):
        return public_key
    if isinstance(public_key, str):
        public_key = public_key.encode("ascii", "replace")
    if not isinstance(public_key, (bytes, bytearray)):
        raise ConfigurationError(
            "public_key must be PEM text or bytes or an RSA public key, "
            f"not {type(public_key).__name__}"
        )
    try:
        key = load_pem_public_key(bytes(public_key))
    except (ValueError, TypeError):
        raise ConfigurationError(
            "public_key is not a PEM public key (-----BEGIN PUBLIC KEY-----)"
        ) from None
    except Exception as exc:  # e.g. cryptography's UnsupportedAlgorithm
        raise ConfigurationError(f"public_key cannot be used: {type(exc).__name__}") from None
    if not isinstance(key, RSAPublicKey):
        raise ConfigurationError(
            f"public_key must be an RSA key (lexoffice signs with RSA), not {type(key).__name__}"
        )
    return key


def verify_signature(body: bytes, signature: str | bytes | None, public_key: PublicKey) -> None:
    """Check that ``signature`` (the ``X-Lxo-Signature`` header) signs ``body``.

    ``body`` is the request body exactly as received. lexoffice signs the JSON without
    whitespace; a body that arrives with whitespace is also checked in that compact form.
    Raises ``WebhookError`` when the header is missing or not base64, or when the
    signature was not made over this body with this key; returns ``None`` when it was.

    Example (a key pair made up for the example plays lexoffice's):
        >>> from cryptography.hazmat.primitives import hashes
        >>> from cryptography.hazmat.primitives.asymmetric import padding, rsa
        >>> lexoffice_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        >>> body = (b'{"organizationId":"o-1","eventType":"contact.changed",'
        ...         b'"resourceId":"c-1","eventDate":"2025-05-01T10:00:00.000+02:00"}')
        >>> header = base64.b64encode(
        ...     lexoffice_key.sign(body, padding.PKCS1v15(), hashes.SHA512())).decode()
        >>> verify_signature(body, header, lexoffice_key.public_key())  # None: genuine
        >>> verify_signature(body.replace(b"c-1", b"c-2"), header, lexoffice_key.public_key())
        Traceback (most recent call last):
        ...
        lexoffice_auth.errors.WebhookError: ...
    """
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.hashes import SHA512

    key = load_public_key(public_key)
    if not isinstance(body, (bytes, bytearray)):
        raise ConfigurationError(f"body must be bytes, not {type(body).__name__}")
    if isinstance(signature, (bytes, bytearray)):
        signature = bytes(signature).decode("ascii", "replace")
    if not isinstance(signature, str) or not signature.strip():
        raise WebhookError(f"the {SIGNATURE_HEADER} header is missing", reason="signature")
    try:
        raw = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise WebhookError(
            f"the {SIGNATURE_HEADER} header is not base64", reason="signature"
        ) from None
    for candidate in _signed_forms(bytes(body)):
        try:
            key.verify(raw, candidate, PKCS1v15(), SHA512())
        except InvalidSignature:
            continue
        return
    raise WebhookError(
        f"the {SIGNATURE_HEADER} signature does not match the body and the configured key",
        reason="signature",
    )


def _signed_forms(body: bytes) -> list[bytes]:
    """The body as received, then (if different) its whitespace-free JSON form."""
    forms = [body]
    try:
        compact = json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False)
        # A lone surrogate ("\ud800") has no UTF-8 form: then only the body as received.
        encoded = compact.encode("utf-8")
    except (ValueError, RecursionError):  # UnicodeDecodeError/EncodeError are ValueErrors
        return forms
    if encoded != body:
        forms.append(encoded)
    return forms
