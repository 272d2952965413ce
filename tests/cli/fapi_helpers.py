"""Key files and DPoP-bound profiles for the CLI's FAPI tests."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import anyio

from lexoffice_auth import FileTokenStore, TokenSet
from lexoffice_auth.cli._profile import mark
from lexoffice_auth.keys import ClientKey, DPoPKey

DPOP_MARKER: dict[str, Any] = {
    "kind": "oauth",
    "provider": "oidc",
    "issuer": "https://bank.example",
    "client_id": "fapi-cli",
    "redirect_uri": "http://127.0.0.1/callback",
    "scopes": ["openid"],
    "fapi": {"dpop": True},
}


def write_pem_key(path: Path, *, kid: str) -> ClientKey:
    """A fresh P-256 key as a PKCS#8 PEM file (no kid in it, mode 600); its ClientKey."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.write_bytes(pem)
    path.chmod(0o600)
    return ClientKey.from_pem(pem, kid=kid)


def write_key_file(path: Path, key: ClientKey, *, mode: int = 0o600, kid: bool = True) -> Path:
    """``key`` as a JWK file (without its kid unless ``kid``), with ``mode``."""
    jwk = key.to_jwk()
    if not kid:
        jwk.pop("kid", None)
    path.write_text(json.dumps(jwk))
    path.chmod(mode)
    return path


def save_dpop_profile(
    store_path: str | Path, key: DPoPKey, *, access_token: str = "dpop-at-0123456789"
) -> TokenSet:
    """A DPoP-bound login, valid for a day, saved as profile ``default``."""
    now = time.time()
    tokens = mark(
        TokenSet(
            access_token=access_token,
            token_type="DPoP",
            dpop_jwk=key.to_jwk(),
            refresh_token="dpop-rt-0123456789",
            expires_at=now + 86400,
            issued_at=now,
            scopes=("openid",),
        ),
        DPOP_MARKER,
    )
    anyio.run(FileTokenStore(store_path).save, "default", tokens)
    return tokens
