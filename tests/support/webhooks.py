"""lexoffice webhook events for tests: a body, a key standing in for Lexware's, a signature."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.hashes import SHA512


def event_body(event_type: str, resource_id: str, **more: Any) -> bytes:
    """The compact JSON body lexoffice would deliver (and sign) for one event."""
    payload = {
        "organizationId": "aa93e8a8-2aa3-470b-b914-caad8a255dd8",
        "eventType": event_type,
        "resourceId": resource_id,
        "eventDate": "2024-05-01T10:00:00.000+02:00",
        **more,
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def new_key() -> rsa.RSAPrivateKey:
    """A fresh RSA key that plays Lexware's signing key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def sign(key: rsa.RSAPrivateKey, body: bytes) -> str:
    """The ``X-Lxo-Signature`` value: base64 of RSA PKCS#1 v1.5 with SHA-512 over ``body``."""
    return base64.b64encode(key.sign(body, padding.PKCS1v15(), SHA512())).decode()


def pem_of(key: rsa.RSAPrivateKey) -> bytes:
    """The public half of ``key`` as PEM, as lexoffice publishes its key."""
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


BODY = event_body("invoice.created", "0e3b4f1c-1c8b-4d2c-9f5a-000000000001")
"""A signed-webhook body of one ``invoice.created`` event."""
