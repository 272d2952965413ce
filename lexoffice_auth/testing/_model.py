"""The sandbox's records: users, clients, and the grant bookkeeping behind the tokens."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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
    confidential client must use (the sandbox refuses every other one, as strict providers
    do): ``client_secret_basic``, ``client_secret_post``, ``client_secret_jwt`` (an
    assertion signed with the secret) or ``private_key_jwt`` (an assertion signed with a
    key whose public half is in ``jwks``). The secret is hidden from ``repr``.

    ``require_pushed_authorization_requests`` (RFC 9126 §6) refuses this client's plain
    authorization requests; ``dpop_bound_access_tokens`` (RFC 9449 §5.2) refuses its token
    requests without a DPoP proof.
    """

    client_id: str
    redirect_uris: tuple[str, ...]
    client_secret: str | None = field(default=None, repr=False)
    token_endpoint_auth_method: str = "none"
    jwks: Mapping[str, Any] | None = field(default=None, compare=False)
    require_pushed_authorization_requests: bool = False
    dpop_bound_access_tokens: bool = False

    @property
    def is_public(self) -> bool:
        """True for a client that does not authenticate (``none``)."""
        return self.token_endpoint_auth_method == "none"


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
    dpop_jkt: str | None = None
    """The DPoP key the code is bound to (``dpop_jkt``, or the PAR request's proof)."""


@dataclass
class AccessTokenRecord:
    """An issued access token."""

    grant_id: str
    expires_at: float
    revoked: bool = False
    jkt: str | None = None
    """The thumbprint of the DPoP key the token is bound to (its ``cnf.jkt``), if any."""


@dataclass
class RefreshTokenRecord:
    """An issued refresh token; ``active`` goes False once it has been rotated."""

    grant_id: str
    expires_at: float | None
    active: bool = True
    jkt: str | None = None
    """The DPoP key a public client's refresh token is bound to, if any."""
