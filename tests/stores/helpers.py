"""A token set for the store tests."""

from __future__ import annotations

from pydantic import SecretStr

from lexoffice_auth import TokenSet


def tokens(n: int = 1) -> TokenSet:
    return TokenSet(
        access_token=SecretStr(f"at-{n}"),
        refresh_token=SecretStr(f"rt-{n}"),
        expires_at=2.0e9,
        issued_at=2.0e9 - 3600,
        scopes=("profile",),
    )
