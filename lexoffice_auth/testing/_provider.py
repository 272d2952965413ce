"""The sandbox's OpenID provider: discovery, authorize, token, JWKS, userinfo, revoke, logout.

Strict where real providers are strict (PKCE S256 only, single-use expiring codes, exact
redirect URIs, client authentication as registered, refresh-token reuse detection).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import re
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

import httpx
from httpx import Request, Response

from ._keys import SigningKey, at_hash
from ._model import (
    AccessTokenRecord,
    AuthCode,
    ConsentRequest,
    FakeClient,
    FakeUser,
    Grant,
    RefreshTokenRecord,
)
from ._responses import json_response
from ._state import SandboxState, TokenRejection

__all__ = ["PROVIDER_PATHS", "Provider"]

PROVIDER_PATHS = {
    "/.well-known/openid-configuration": "discovery",
    "/oauth2/authorize": "authorize",
    "/oauth2/token": "token",
    "/oauth2/revoke": "revocation",
    "/oauth2/userinfo": "userinfo",
    "/oauth2/jwks": "jwks",
    "/oauth2/logout": "end_session",
}

_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class _Duplicate(Exception):
    """A parameter appeared more than once (RFC 6749 §3.1, §3.2 forbid it)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _single_params(raw: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, values in parse_qs(raw, keep_blank_values=True).items():
        if len(values) > 1:
            raise _Duplicate(name)
        params[name] = values[0]
    return params


def _browser_params(request: Request) -> dict[str, str] | Response:
    """A front-channel request's parameters (query, or form for POST), or an error page."""
    raw = request.url.query.decode()
    if request.method == "POST":
        raw = request.content.decode("utf-8", "replace")
    try:
        return _single_params(raw)
    except _Duplicate as dup:
        return _page(400, "Invalid request", f"parameter {dup.name!r} appears twice")


def _oauth_error(
    error: str, description: str, status: int = 400, headers: Mapping[str, str] | None = None
) -> Response:
    merged = dict(_NO_STORE)
    merged.update(headers or {})
    body = {"error": error, "error_description": description}
    return json_response(status, body, headers=merged)


def _page(status: int, title: str, text: str) -> Response:
    body = (
        f"<!doctype html><title>{html.escape(title)}</title>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"
    )
    return Response(status, headers={"Content-Type": "text/html; charset=utf-8"}, text=body)


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _with_query(url: str, params: Mapping[str, str]) -> str:
    sep = "&" if urlsplit(url).query else "?"
    return f"{url}{sep}{urlencode(params)}"


def redirect_uri_matches(registered: str, given: str) -> bool:
    """Exact match, except that loopback IP literals may use any port (RFC 8252 §7.3)."""
    if secrets.compare_digest(registered.encode(), given.encode()):
        return True
    try:
        reg, got = urlsplit(registered), urlsplit(given)
        got.port  # noqa: B018 - a malformed port must not match
    except ValueError:
        return False
    if reg.scheme != "http" or reg.hostname not in ("127.0.0.1", "::1"):
        return False
    return (got.scheme, got.hostname, got.path, got.query) == (
        reg.scheme,
        reg.hostname,
        reg.path,
        reg.query,
    ) and not got.fragment


class Provider:
    """The OAuth/OIDC half of the sandbox, over its shared state (whose lock callers hold)."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.oauth = state.oauth
        self.codes: dict[str, AuthCode] = {}
        self.grants: dict[str, Grant] = {}
        self.access_tokens: dict[str, AccessTokenRecord] = {}
        self.refresh_tokens: dict[str, RefreshTokenRecord] = {}

    # --- dispatch ------------------------------------------------------------------------

    def endpoint(self, issuer_path: str) -> str:
        """The absolute URL of a provider path under the current issuer."""
        return self.state.issuer.rstrip("/") + issuer_path

    def handle(self, name: str, request: Request) -> Response:
        """Answer a request already routed to endpoint ``name``."""
        method = request.method
        if name == "discovery":
            return self._only(method, ("GET",)) or json_response(200, self.discovery_document())
        if name == "jwks":
            return self._only(method, ("GET",)) or json_response(200, self.jwks())
        if name == "authorize":
            return self._only(method, ("GET", "POST"), page=True) or self.authorize(request)
        if name == "token":
            return self._only(method, ("POST",)) or self.token(request)
        if name == "revocation":
            return self._only(method, ("POST",)) or self.revoke(request)
        if name == "userinfo":
            return self._only(method, ("GET", "POST")) or self.userinfo(request)
        return self._only(method, ("GET", "POST"), page=True) or self.end_session(request)

    @staticmethod
    def _only(method: str, allowed: tuple[str, ...], *, page: bool = False) -> Response | None:
        if method in allowed:
            return None
        headers = {"Allow": ", ".join(allowed)}
        if page:
            response = _page(405, "Method not allowed", f"use {', '.join(allowed)}")
            response.headers.update(headers)
            return response
        return _oauth_error("invalid_request", f"use {', '.join(allowed)}", 405, headers)

    def discovery_document(self) -> dict[str, Any]:
        """The OpenID Connect discovery document for the current issuer."""
        return {
            "issuer": self.state.issuer,
            "authorization_endpoint": self.endpoint("/oauth2/authorize"),
            "token_endpoint": self.endpoint("/oauth2/token"),
            "revocation_endpoint": self.endpoint("/oauth2/revoke"),
            "userinfo_endpoint": self.endpoint("/oauth2/userinfo"),
            "jwks_uri": self.endpoint("/oauth2/jwks"),
            "end_session_endpoint": self.endpoint("/oauth2/logout"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "subject_types_supported": ["public"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "revocation_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": list(self.oauth.scopes_supported),
            "claims_supported": [
                *("sub", "iss", "aud", "exp", "iat", "auth_time", "nonce"),
                *("at_hash", "azp", "email", "email_verified", "name"),
            ],
            "authorization_response_iss_parameter_supported": True,
        }

    # --- authorization endpoint ----------------------------------------------------------

    def authorize(self, request: Request) -> Response:
        """RFC 6749 §4.1.1 with PKCE (RFC 7636) and RFC 9207 ``iss`` in every redirect."""
        oauth = self.oauth
        params = _browser_params(request)
        if isinstance(params, Response):
            return params
        client = oauth.clients.get(params.get("client_id", ""))
        if client is None:
            return _page(400, "Unknown client", "client_id is missing or not registered")
        redirect_uri = params.get("redirect_uri")
        if not redirect_uri or not any(
            redirect_uri_matches(r, redirect_uri) for r in client.redirect_uris
        ):
            # Never redirect to an unregistered URI (RFC 6749 §4.1.2.1).
            return _page(400, "Invalid redirect_uri", "redirect_uri is not registered")
        state = params.get("state")

        def back(**values: str) -> Response:
            out = dict(values)
            if state is not None:
                out["state"] = state
            out["iss"] = self.state.issuer
            return Response(302, headers={"Location": _with_query(redirect_uri, out)})

        def fail(error: str, description: str) -> Response:
            return back(error=error, error_description=description)

        if params.get("response_type") != "code":
            return fail("unsupported_response_type", "only response_type=code is supported")
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method")
        if not challenge:
            return fail("invalid_request", "PKCE is required: send code_challenge (S256)")
        if method != "S256":
            # A missing method means "plain" (RFC 7636 §4.3); the sandbox accepts only S256.
            return fail("invalid_request", "code_challenge_method must be S256")
        if not _CHALLENGE.fullmatch(challenge):
            return fail("invalid_request", "code_challenge is not a base64url SHA-256 value")
        scopes, scope_error = self._requested_scopes(params)
        if scope_error is not None:
            return fail(*scope_error)
        user = self.user_for_hint(params.get("login_hint")) or oauth.current_user
        denied = oauth.denials.pop(0) if oauth.denials else None
        if denied is None and oauth.consent is not None:
            consent = ConsentRequest(client.client_id, user, scopes, redirect_uri)
            if not oauth.consent(consent):
                denied = "access_denied"
        if denied is not None:
            return fail(denied, "the user did not allow access")
        now = self.state.now()
        code = secrets.token_urlsafe(32)
        self.codes[code] = AuthCode(
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            code_challenge=challenge,
            scopes=scopes,
            nonce=params.get("nonce"),
            user=user,
            auth_time=int(now),
            expires_at=now + oauth.code_lifetime,
        )
        return back(code=code)

    def _requested_scopes(
        self, params: Mapping[str, str]
    ) -> tuple[tuple[str, ...], tuple[str, str] | None]:
        # ``scopes`` (comma-separated) is what lexoffice's partner OAuth uses; accept it too
        # so the SDK's lexoffice preset can be driven against the sandbox.
        if "scope" in params and "scopes" in params:
            return (), ("invalid_request", "send either scope or scopes, not both")
        raw = params.get("scope", params.get("scopes", ""))
        scopes = tuple(dict.fromkeys(s for s in re.split(r"[ ,]+", raw) if s))
        unknown = [s for s in scopes if s not in self.oauth.scopes_supported]
        if unknown:
            return (), ("invalid_scope", f"unknown scope: {unknown[0]}")
        return scopes, None

    # --- token endpoint ------------------------------------------------------------------

    def token(self, request: Request) -> Response:
        """RFC 6749 §4.1.3 and §6, after any failure injected by the test."""
        oauth = self.oauth
        form, bad = self._form(request)
        grant_type = form.get("grant_type", "") if form else ""
        oauth.token_calls[grant_type or "(none)"] += 1
        injected = oauth.token_failures.pop(0) if oauth.token_failures else None
        if injected is not None:
            return self._injected(injected, request)
        if bad is not None:
            return bad
        client = self._authenticate(request, form)
        if isinstance(client, Response):
            return client
        if grant_type == "authorization_code":
            return self._code_grant(client, form)
        if grant_type == "refresh_token":
            return self._refresh_grant(client, form)
        if not grant_type:
            return _oauth_error("invalid_request", "grant_type is missing")
        return _oauth_error("unsupported_grant_type", f"grant_type {grant_type!r} is not supported")

    def _form(self, request: Request) -> tuple[dict[str, str], Response | None]:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            return {}, _oauth_error(
                "invalid_request", "the body must be application/x-www-form-urlencoded"
            )
        try:
            return _single_params(request.content.decode("utf-8")), None
        except _Duplicate as dup:
            return {}, _oauth_error("invalid_request", f"parameter {dup.name!r} appears twice")
        except UnicodeDecodeError:
            return {}, _oauth_error("invalid_request", "the body is not UTF-8")

    @staticmethod
    def _injected(kind: str | TokenRejection, request: Request) -> Response:
        if isinstance(kind, TokenRejection):
            return _oauth_error(kind.error, "the sandbox was told to answer so", kind.status)
        if kind == "timeout":
            raise httpx.ReadTimeout("sandbox: simulated token endpoint timeout", request=request)
        if kind == "unreachable":
            raise httpx.ConnectError("sandbox: simulated unreachable provider", request=request)
        if kind == "garbage":
            return Response(
                200, headers={"Content-Type": "text/html"}, text="<html>not a token</html>"
            )
        if kind == "temporarily_unavailable":
            return _oauth_error(
                "temporarily_unavailable", "the sandbox was told to fail this call", 503
            )
        return Response(
            500, headers={"Content-Type": "text/html"}, text="<h1>500 Internal Server Error</h1>"
        )

    def _authenticate(self, request: Request, form: Mapping[str, str]) -> FakeClient | Response:
        """RFC 6749 §2.3.1: exactly one method, and the one the client registered."""
        header = request.headers.get("authorization", "")
        basic_id: str | None = None
        basic_secret = ""
        if header[:6].lower() == "basic ":
            try:
                decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
                user, _, password = decoded.partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return self._invalid_client("malformed Basic credentials")
            basic_id, basic_secret = unquote_plus(user), unquote_plus(password)
            # RFC 6749 form-encodes both parts, but many clients (lexoffice's partner
            # integrations among them) send them raw: accept the raw pair when it matches.
            raw_client = self.oauth.clients.get(user)
            if (
                raw_client is not None
                and raw_client.client_secret is not None
                and secrets.compare_digest(raw_client.client_secret.encode(), password.encode())
            ):
                basic_id, basic_secret = user, password
        form_id = form.get("client_id")
        form_secret = form.get("client_secret")
        if basic_id is not None and form_secret is not None:
            return _oauth_error("invalid_request", "use only one client authentication method")
        if basic_id is not None:
            if form_id is not None and form_id != basic_id:
                return _oauth_error("invalid_request", "client_id differs from Basic credentials")
            return self._check_secret(basic_id, basic_secret, "client_secret_basic")
        if form_secret is not None:
            return self._check_secret(form_id or "", form_secret, "client_secret_post")
        client = self.oauth.clients.get(form_id or "")
        if client is None:
            return self._invalid_client("unknown client")
        if not client.is_public:
            return self._invalid_client("this client must authenticate")
        return client

    def _check_secret(self, client_id: str, secret: str, method: str) -> FakeClient | Response:
        client = self.oauth.clients.get(client_id)
        if client is None or client.client_secret is None:
            return self._invalid_client("unknown or public client")
        if not secrets.compare_digest(client.client_secret.encode(), secret.encode()):
            return self._invalid_client("wrong client secret")
        if client.token_endpoint_auth_method != method:
            return self._invalid_client(
                f"this client is registered for {client.token_endpoint_auth_method}"
            )
        return client

    @staticmethod
    def _invalid_client(description: str) -> Response:
        return _oauth_error(
            "invalid_client",
            description,
            401,
            {"WWW-Authenticate": 'Basic realm="lexoffice-sandbox"'},
        )

    def _code_grant(self, client: FakeClient, form: Mapping[str, str]) -> Response:
        code = self.codes.get(form.get("code", ""))
        if code is None or code.client_id != client.client_id:
            return _oauth_error("invalid_grant", "unknown authorization code")
        if code.used:
            # RFC 6749 §4.1.2: a reused code revokes what was issued from it.
            if code.grant_id is not None:
                self.revoke_grant(code.grant_id)
            return _oauth_error("invalid_grant", "authorization code was already used")
        # Burn the code on the first attempt, so a wrong verifier cannot be retried.
        code.used = True
        if self.state.now() >= code.expires_at:
            return _oauth_error("invalid_grant", "authorization code has expired")
        redirect_uri = form.get("redirect_uri")
        if redirect_uri is None or redirect_uri != code.redirect_uri:
            return _oauth_error("invalid_grant", "redirect_uri differs from the authorization")
        verifier = form.get("code_verifier")
        if verifier is None:
            return _oauth_error("invalid_request", "code_verifier is missing")
        if not _VERIFIER.fullmatch(verifier) or not secrets.compare_digest(
            _s256(verifier), code.code_challenge
        ):
            return _oauth_error("invalid_grant", "code_verifier does not match the challenge")
        grant = self.new_grant(client.client_id, code.user, code.scopes, code.auth_time)
        code.grant_id = grant.grant_id
        return json_response(
            200, self.issue(grant, nonce=code.nonce, with_refresh=True), headers=_NO_STORE
        )

    def _refresh_grant(self, client: FakeClient, form: Mapping[str, str]) -> Response:
        oauth = self.oauth
        presented = form.get("refresh_token", "")
        record = self.refresh_tokens.get(presented)
        grant = self.grants.get(record.grant_id) if record else None
        if record is None or grant is None or grant.client_id != client.client_id:
            return _oauth_error("invalid_grant", "unknown refresh token")
        if not record.active:
            oauth.reused_refresh_tokens.append(presented)
            if oauth.refresh_token_reuse == "reject":
                return _oauth_error("invalid_grant", "refresh token was already used")
            # Reuse of a rotated refresh token: assume theft and end the whole grant.
            self.revoke_grant(grant.grant_id)
            return _oauth_error("invalid_grant", "refresh token was already used; grant revoked")
        if grant.revoked:
            return _oauth_error("invalid_grant", "the grant has been revoked")
        if record.expires_at is not None and self.state.now() >= record.expires_at:
            return _oauth_error("invalid_grant", "refresh token has expired")
        scopes = grant.scopes
        if "scope" in form:
            wanted = tuple(s for s in form["scope"].split() if s)
            if not set(wanted) <= set(grant.scopes):
                return _oauth_error("invalid_scope", "cannot widen the scope on refresh")
            scopes = wanted
        rotate = oauth.rotate_refresh_tokens
        if rotate:
            record.active = False
        body = self.issue(grant, nonce=None, with_refresh=rotate, scopes=scopes)
        if not oauth.id_token_on_refresh:
            body.pop("id_token", None)
        return json_response(200, body, headers=_NO_STORE)

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
    ) -> dict[str, Any]:
        """A token response body for ``grant`` (access token, maybe refresh and id_token)."""
        oauth = self.oauth
        now = self.state.now()
        scopes = grant.scopes if scopes is None else scopes
        access = self._new_token("at")
        lifetime = oauth.access_token_lifetime
        self.access_tokens[access] = AccessTokenRecord(grant.grant_id, now + lifetime)
        body: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(lifetime),
        }
        if scopes:
            body["scope"] = " ".join(scopes)
        if with_refresh and oauth.issue_refresh_tokens:
            refresh = self._new_token("rt")
            life = oauth.refresh_token_lifetime
            self.refresh_tokens[refresh] = RefreshTokenRecord(
                grant.grant_id, None if life is None else now + life
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

    def revoke(self, request: Request) -> Response:
        """RFC 7009: 200 for unknown tokens; a refresh token takes its whole grant along."""
        form, bad = self._form(request)
        if bad is not None:
            return bad
        client = self._authenticate(request, form)
        if isinstance(client, Response):
            return client
        token = form.get("token")
        if not token:
            return _oauth_error("invalid_request", "token is missing")
        access = self.access_tokens.get(token)
        refresh = self.refresh_tokens.get(token)
        record = access or refresh
        if record is not None:
            grant = self.grants.get(record.grant_id)
            if grant is not None and grant.client_id != client.client_id:
                return _oauth_error("invalid_request", "the token was issued to another client")
            if refresh is not None:
                self.revoke_grant(refresh.grant_id)
            elif access is not None:
                access.revoked = True
        return Response(200, headers=_NO_STORE)

    # --- users and signing keys ------------------------------------------------------------

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

    # --- resources of the provider -------------------------------------------------------

    def grant_for_access_token(self, token: str) -> Grant | None:
        """The live grant behind ``token``, or None if it is unknown, expired or revoked."""
        record = self.access_tokens.get(token)
        if record is None or record.revoked or self.state.now() >= record.expires_at:
            return None
        grant = self.grants.get(record.grant_id)
        if grant is None or grant.revoked:
            return None
        return grant

    def userinfo(self, request: Request) -> Response:
        """OIDC Core §5.3, claims by scope (``email``, ``profile``)."""
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        grant = self.grant_for_access_token(token) if token else None
        if grant is None:
            challenge = 'Bearer realm="lexoffice-sandbox"'
            if token:
                challenge += ', error="invalid_token"'
            return Response(401, headers={"WWW-Authenticate": challenge})
        if "openid" not in grant.scopes:
            return Response(
                403,
                headers={"WWW-Authenticate": 'Bearer error="insufficient_scope", scope="openid"'},
            )
        claims: dict[str, Any] = {"sub": grant.user.sub}
        if "email" in grant.scopes:
            claims.update(email=grant.user.email, email_verified=grant.user.email_verified)
        if "profile" in grant.scopes:
            claims["name"] = grant.user.name
        return json_response(200, claims)

    def end_session(self, request: Request) -> Response:
        """RP-initiated logout: back to a registered URI with ``state``, else a page."""
        params = _browser_params(request)
        if isinstance(params, Response):
            return params
        self.oauth.logouts += 1
        target = params.get("post_logout_redirect_uri")
        if not target:
            return _page(200, "Signed out", "You have been signed out of the sandbox.")
        client_ids = [params["client_id"]] if "client_id" in params else list(self.oauth.clients)
        allowed = any(
            redirect_uri_matches(uri, target)
            for cid in client_ids
            if (c := self.oauth.clients.get(cid)) is not None
            for uri in c.redirect_uris
        )
        if not allowed:
            return _page(400, "Invalid post_logout_redirect_uri", "it is not registered")
        extra = {"state": params["state"]} if "state" in params else {}
        location = _with_query(target, extra) if extra else target
        return Response(302, headers={"Location": location})
