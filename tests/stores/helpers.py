"""A token set for the store tests."""

from __future__ import annotations

from pydantic import SecretStr

from lexoffice_auth import TokenSet
from lexoffice_auth._oauth.dpop import DPoPKey

DPOP_KEY = DPoPKey.generate()
"""One DPoP key for the store tests (made once: the tests compare what comes back)."""


def tokens(n: int = 1) -> TokenSet:
    return TokenSet(
        access_token=SecretStr(f"at-{n}"),
        refresh_token=SecretStr(f"rt-{n}"),
        expires_at=2.0e9,
        issued_at=2.0e9 - 3600,
        scopes=("profile",),
    )


def dpop_tokens(n: int = 1, key: DPoPKey = DPOP_KEY) -> TokenSet:
    """A DPoP-bound token set: ``token_type`` DPoP and the private key it is bound to."""
    return tokens(n).model_validate(
        {**tokens(n).to_dict(), "token_type": "DPoP", "dpop_jwk": key.to_jwk()}
    )
