"""The typed claims of a verified id_token (OpenID Connect Core §2, §5.1)."""

from __future__ import annotations

from pydantic import ConfigDict, field_validator

from .._core.model import CheckedModel

__all__ = ["IdTokenClaims"]


class IdTokenClaims(CheckedModel):
    """Claims of a verified id_token; claims not named here are kept as extra fields.

    Example:
        >>> c = IdTokenClaims(iss="https://id.example", sub="42", aud="app", exp=2, iat=1)
        >>> c.audiences
        ('app',)
    """

    model_config = ConfigDict(frozen=True, extra="allow")

    iss: str
    sub: str
    aud: str | tuple[str, ...]
    exp: int
    iat: int
    auth_time: int | None = None
    nonce: str | None = None
    azp: str | None = None
    at_hash: str | None = None
    email: str | None = None
    email_verified: bool | None = None
    name: str | None = None

    @field_validator("aud", mode="before")
    @classmethod
    def _aud_tuple(cls, value: object) -> object:
        return tuple(value) if isinstance(value, list) else value

    @property
    def audiences(self) -> tuple[str, ...]:
        """``aud`` as a tuple, whether the token carried a string or a list."""
        return (self.aud,) if isinstance(self.aud, str) else self.aud
