"""``lexoffice_auth.webhooks._signature``: X-Lxo-Signature checks and the keys they take."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from lexoffice_auth.errors import (
    ConfigurationError,
    LexofficeAuthError,
    WebhookError,
)
from lexoffice_auth.webhooks import (
    load_public_key,
    verify_signature,
)

from ..support.webhooks import BODY, pem_of, sign


@pytest.mark.parametrize("form", ["pem-str", "pem-bytes", "loaded"])
def test_a_valid_signature_is_accepted_with_any_key_form(key: rsa.RSAPrivateKey, form: str) -> None:
    public = {
        "pem-str": pem_of(key).decode(),
        "pem-bytes": pem_of(key),
        "loaded": key.public_key(),
    }[form]
    assert verify_signature(BODY, sign(key, BODY), public) is None
    assert verify_signature(BODY, sign(key, BODY).encode(), public) is None


def test_every_changed_byte_is_refused(key: rsa.RSAPrivateKey) -> None:
    public = load_public_key(pem_of(key))
    signature = sign(key, BODY)
    for i in range(len(BODY)):
        changed = bytearray(BODY)
        changed[i] ^= 0x01
        with pytest.raises(WebhookError, match="does not match"):
            verify_signature(bytes(changed), signature, public)


def test_another_key_is_refused(key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(WebhookError) as info:
        verify_signature(BODY, sign(other_key, BODY), pem_of(key))
    assert info.value.reason == "signature"
    assert isinstance(info.value, WebhookError) and isinstance(info.value, LexofficeAuthError)


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        (None, "missing"),
        ("", "missing"),
        ("   ", "missing"),
        ("not base64 at all!", "not base64"),
        ("QUJD", "does not match"),  # base64, but no signature
    ],
)
def test_missing_or_garbled_headers_are_refused(
    key: rsa.RSAPrivateKey, signature: str | None, message: str
) -> None:
    with pytest.raises(WebhookError, match=message):
        verify_signature(BODY, signature, pem_of(key))


def test_the_whitespace_free_form_of_a_pretty_body_is_checked(key: rsa.RSAPrivateKey) -> None:
    # lexoffice signs the JSON without whitespace; a body that arrives pretty still verifies.
    pretty = json.dumps(json.loads(BODY), indent=2).encode()
    verify_signature(pretty, sign(key, BODY), pem_of(key))
    tampered = pretty.replace(b"invoice.created", b"invoice.deleted")
    with pytest.raises(WebhookError):
        verify_signature(tampered, sign(key, BODY), pem_of(key))


def test_keys_that_cannot_work_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="not a PEM public key"):
        load_public_key("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
    with pytest.raises(ConfigurationError, match="PEM text or bytes"):
        load_public_key(42)  # type: ignore[arg-type]
    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(ConfigurationError, match="must be an RSA key"):
        load_public_key(ec_pem)
