"""The sandbox's records: users, clients, and the grant bookkeeping behind the tokens."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "AccessTokenRecord",
    "AuthCode",
    "ConsentRequest",
    "FakeClient",
    "FakeUser",
    "Grant",
    "RefreshTokenRecord",
]


@dataclass(frozen=True)
class FakeUser:
    """A person who can log in to the sandbox.

    Example:
        >>> FakeUser(sub="u-2", email="erika@example.com", name="Erika Musterfrau").email
        'erika@example.com'
    """

    sub: str
    email: str
    name: str
    email_verified: bool = True


@dataclass(frozen=True)
class FakeClient:
    """An OAuth client registered with the sandbox.

    ``token_endpoint_auth_method`` is ``"none"`` for public clients and the method a
    confidential client must use (the sandbox refuses the other one, as strict providers do).
    The secret is hidden from ``repr``.
    """

    client_id: str
    redirect_uris: tuple[str, ...]
    client_secret: str | None = field(default=None, repr=False)
    token_endpoint_auth_method: str = "none"

    @property
    def is_public(self) -> bool:
        """True for a client without a secret."""
        return self.client_secret is None


@dataclass(frozen=True)
class ConsentRequest:
    """What the consent hook sees for one authorization request.

    Return True from the hook to allow the login, False to answer ``access_denied``.
    """

    client_id: str
    user: FakeUser
    scopes: tuple[str, ...]
    redirect_uri: str


@dataclass
class Grant:
    """One authorization: a user's consent for a client, the root of its tokens."""

    grant_id: str
    client_id: str
    user: FakeUser
    scopes: tuple[str, ...]
    auth_time: int
    connection_id: str
    revoked: bool = False


@dataclass
class AuthCode:
    """An authorization code; ``used`` flips on the first redemption attempt."""

    client_id: str
    redirect_uri: str
    code_challenge: str
    scopes: tuple[str, ...]
    nonce: str | None
    user: FakeUser
    auth_time: int
    expires_at: float
    used: bool = False
    grant_id: str | None = None


@dataclass
class AccessTokenRecord:
    """An issued access token."""

    grant_id: str
    expires_at: float
    revoked: bool = False


@dataclass
class RefreshTokenRecord:
    """An issued refresh token; ``active`` goes False once it has been rotated."""

    grant_id: str
    expires_at: float | None
    active: bool = True
