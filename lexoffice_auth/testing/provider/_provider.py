"""``Provider``: the OAuth/OIDC half of the sandbox, its records, and what it issues.

The endpoints are functions in their own modules, declared in ``ENDPOINTS``; this object
holds what they share (codes, grants, tokens, pushed requests) over the sandbox state and
dispatches to them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from httpx import Request, Response

from lexoffice_auth.testing._keys import SigningKey, at_hash
from lexoffice_auth.testing._model import (
    AccessTokenRecord,
    AuthCode,
    FakeUser,
    Grant,
    RefreshTokenRecord,
)
from lexoffice_auth.testing._state import Credential, SandboxState
from lexoffice_auth.testing.provider._http import wrong_method

if TYPE_CHECKING:
    from lexoffice_auth.testing.provider._par import PushedRequest

__all__ = ["Handler", "Provider", "ProviderEndpoint"]

Handler = Callable[["Provider", Request], Response]
"""An endpoint: the provider and one request in, one response out."""


@dataclass(frozen=True)
class ProviderEndpoint:
    """One provider path: the name it is counted under, its methods, its handler.

    ``browser``: a front-channel endpoint, which answers a wrong method with a page.
    """

    path: str
    name: str
    methods: tuple[str, ...]
    handler: Handler
    browser: bool = False


class Provider:
    """The OAuth/OIDC half of the sandbox, over its shared state (whose lock callers hold)."""

    def __init__(self, state: SandboxState, endpoints: Sequence[ProviderEndpoint]) -> None:
        self.state = state
        self.oauth = state.oauth
        self.endpoints: Mapping[str, ProviderEndpoint] = {e.name: e for e in endpoints}
        self.paths: Mapping[str, str] = {e.path: e.name for e in endpoints}
        """Path under the issuer -> endpoint name."""
        self.codes: dict[str, AuthCode] = {}
        self.grants: dict[str, Grant] = {}
        self.access_tokens: dict[str, AccessTokenRecord] = {}
        self.refresh_tokens: dict[str, RefreshTokenRecord] = {}
        self.pushed: dict[str, PushedRequest] = {}
        """Pushed authorization requests by ``request_uri`` (RFC 9126)."""

    # --- dispatch ------------------------------------------------------------------------

    def endpoint(self, issuer_path: str) -> str:
        """The absolute URL of a provider path under the current issuer."""
        return self.state.issuer.rstrip("/") + issuer_path

    def url_of(self, name: str) -> str:
        """The absolute URL of endpoint ``name`` (``"token"``, ``"par"``, ...)."""
        return self.endpoint(self.endpoints[name].path)

    def handle(self, name: str, request: Request) -> Response:
        """Answer a request already routed to endpoint ``name``."""
        endpoint = self.endpoints[name]
        if request.method not in endpoint.methods:
            return wrong_method(endpoint.methods, as_page=endpoint.browser)
        return endpoint.handler(self, request)

    # --- issuing and revoking ------------------------------------------------------------

    def new_grant(
        self, client_id: str, user: Any, scopes: tuple[str, ...], auth_time: int
    ) -> Grant:
        """Record a fresh grant for ``user`` and ``client_id``."""
        grant = Grant(
            grant_id=secrets.token_hex(8),
            client_id=client_id,
            user=user,
            scopes=scopes,
            auth_time=auth_time,
            connection_id=self.state.new_uuid(),
        )
        self.grants[grant.grant_id] = grant
        return grant

    def issue(
        self,
        grant: Grant,
        *,
        nonce: str | None,
        with_refresh: bool,
        scopes: tuple[str, ...] | None = None,
        jkt: str | None = None,
        refresh_jkt: str | None = None,
    ) -> dict[str, Any]:
        """A token response body for ``grant`` (access token, maybe refresh and id_token).

        ``jkt``: bind the access token to that DPoP key (``token_type`` ``DPoP``);
        ``refresh_jkt``: bind the refresh token too (a public client's, RFC 9449 §5).
        """
        oauth = self.oauth
        now = self.state.now()
        scopes = grant.scopes if scopes is None else scopes
        access = self._new_token("at")
        lifetime = oauth.access_token_lifetime
        self.access_tokens[access] = AccessTokenRecord(grant.grant_id, now + lifetime, jkt=jkt)
        body: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer" if jkt is None else "DPoP",
            "expires_in": int(lifetime),
        }
        if scopes:
            body["scope"] = " ".join(scopes)
        if with_refresh and oauth.issue_refresh_tokens:
            refresh = self._new_token("rt")
            life = oauth.refresh_token_lifetime
            self.refresh_tokens[refresh] = RefreshTokenRecord(
                grant.grant_id, None if life is None else now + life, jkt=refresh_jkt
            )
            body["refresh_token"] = refresh
        if "openid" in scopes:
            body["id_token"] = self.id_token(grant, access_token=access, nonce=nonce, now=now)
        return body

    def _new_token(self, kind: str) -> str:
        """A fresh token of ``kind`` (``"at"`` or ``"rt"``), named as ``token_names`` says."""
        number = self.oauth.issued[kind]
        self.oauth.issued[kind] += 1
        if self.oauth.token_names == "sequential":
            return f"{kind}-{number}"
        return f"sbx_{kind}_" + secrets.token_urlsafe(32)

    def is_live(self, token: str) -> bool:
        """True if ``token`` is an access token the API accepts or a refresh token that works."""
        if self.grant_for_access_token(token) is not None:
            return True
        record = self.refresh_tokens.get(token)
        if record is None or not record.active:
            return False
        grant = self.grants.get(record.grant_id)
        if grant is None or grant.revoked:
            return False
        return record.expires_at is None or self.state.now() < record.expires_at

    def revoke_grant(self, grant_id: str) -> None:
        """End a grant: its refresh tokens and access tokens stop working."""
        grant = self.grants.get(grant_id)
        if grant is not None:
            grant.revoked = True

    def credential_for(self, token: str) -> Credential | None:
        """The credential of a live access token, with the DPoP key it is bound to."""
        grant = self.grant_for_access_token(token)
        if grant is None:
            return None
        return Credential(
            "grant:" + grant.grant_id,
            grant.user,
            grant.connection_id,
            frozenset(grant.scopes),
            grant_id=grant.grant_id,
            jkt=self.access_tokens[token].jkt,
        )

    def grant_for_access_token(self, token: str) -> Grant | None:
        """The live grant behind ``token``, or None if it is unknown, expired or revoked."""
        record = self.access_tokens.get(token)
        if record is None or record.revoked or self.state.now() >= record.expires_at:
            return None
        grant = self.grants.get(record.grant_id)
        if grant is None or grant.revoked:
            return None
        return grant

    # --- users and signing keys ----------------------------------------------------------

    def user_for_hint(self, hint: str | None) -> FakeUser | None:
        """The user whose ``sub`` or e-mail equals ``login_hint``, if any."""
        if not hint:
            return None
        return next((u for u in self.oauth.users.values() if hint in (u.sub, u.email)), None)

    def signing_key(self) -> SigningKey:
        """The key new id_tokens are signed with (made on first use)."""
        if not self.oauth.keys:
            self.oauth.keys.append(SigningKey.generate())
        return self.oauth.keys[-1]

    def jwks(self) -> dict[str, Any]:
        """The published JSON Web Key Set."""
        self.signing_key()
        return {"keys": [k.jwk() for k in self.oauth.keys]}

    def id_token(
        self, grant: Grant, *, access_token: str | None, nonce: str | None, now: float
    ) -> str:
        """An RS256 id_token for ``grant``."""
        claims: dict[str, Any] = {
            "iss": self.state.issuer,
            "sub": grant.user.sub,
            "aud": grant.client_id,
            "azp": grant.client_id,
            "iat": int(now),
            "exp": int(now + self.oauth.access_token_lifetime),
            "auth_time": grant.auth_time,
        }
        if nonce is not None:
            claims["nonce"] = nonce
        if access_token is not None:
            claims["at_hash"] = at_hash(access_token)
        if "email" in grant.scopes:
            claims.update(email=grant.user.email, email_verified=grant.user.email_verified)
        if "profile" in grant.scopes:
            claims["name"] = grant.user.name
        return self.signing_key().sign(claims)
