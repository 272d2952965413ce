"""Shared pieces of the production tests: a logged-in sandbox account, signed events."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.hashes import SHA512

from lexoffice_auth import OAuthClient, TokenSet
from lexoffice_auth.testing import FakeLexoffice

REDIRECT = "http://127.0.0.1:8400/callback"


def oauth_for(fake: FakeLexoffice, http: httpx.AsyncClient) -> OAuthClient:
    return OAuthClient(
        "sandbox-client",
        REDIRECT,
        issuer=fake.issuer,
        http_client=http,
        clock=fake.clock,
        scopes=("openid", "profile"),
    )


async def log_in(fake: FakeLexoffice, oauth: OAuthClient) -> TokenSet:
    pending = await oauth.start_login()
    return await oauth.complete_login(fake.approve(pending.authorization_url), pending)


def event_body(event_type: str, resource_id: str, **more: Any) -> bytes:
    payload = {
        "organizationId": "aa93e8a8-2aa3-470b-b914-caad8a255dd8",
        "eventType": event_type,
        "resourceId": resource_id,
        "eventDate": "2024-05-01T10:00:00.000+02:00",
        **more,
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def sign(key: rsa.RSAPrivateKey, body: bytes) -> str:
    return base64.b64encode(key.sign(body, padding.PKCS1v15(), SHA512())).decode()
