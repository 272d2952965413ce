"""An in-process FAPI 2.0 provider and resource server that checks what a real one checks.

For the SDK's PAR (RFC 9126), DPoP (RFC 9449) and ``private_key_jwt`` (RFC 7523) tests,
served through ``httpx.MockTransport``: client assertions are verified with the client's
public key (signature, ``iss``/``sub``, ``aud`` = the issuer, unique ``jti``, expiry), DPoP
proofs with the key in their header (``typ``, ``htm``, ``htu``, unique ``jti``, ``iat``,
the server's nonce when it asks for one, ``ath`` at the resource server), codes and refresh
tokens are bound to the key's thumbprint (``cnf.jkt``), and a resource request must prove
the key its token is bound to. Every refusal is the error a real server sends, so the
tests see the SDK's own handling of it; ``refusals`` records them for the assertions.

The sandbox (``lexoffice_auth.testing``) gains the same in its own time; this stays the
strict referee of the unit tests, and ``tests/interop`` runs the SDK against a certified
provider (panva's oidc-provider).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import httpx
import jwt

from lexoffice_auth import OAuthClient, ProviderMetadata
from lexoffice_auth._oauth.assertions import CLIENT_ASSERTION_TYPE, ClientKey
from lexoffice_auth._oauth.dpop import normalize_htu
from lexoffice_auth._oauth.keys import jwk_thumbprint

ISSUER = "https://fapi.example"
API = "https://api.example"
CLIENT_ID = "fapi-client"
REDIRECT = "https://app.example/cb"
KID = "client-key-1"
CLIENT_KEY = ClientKey.load(ClientKey.generate("ES256").to_jwk(), kid=KID)


def fapi_metadata(**changes: Any) -> ProviderMetadata:
    """The provider's metadata: everything FAPI 2.0 asks for (``None`` removes a field)."""
    fields: dict[str, Any] = {
        "issuer": ISSUER,
        "authorization_endpoint": f"{ISSUER}/authorize",
        "token_endpoint": f"{ISSUER}/token",
        "revocation_endpoint": f"{ISSUER}/revoke",
        "userinfo_endpoint": f"{ISSUER}/userinfo",
        "pushed_authorization_request_endpoint": f"{ISSUER}/par",
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["ES256", "PS256", "HS256"],
        "dpop_signing_alg_values_supported": ["ES256", "EdDSA", "PS256"],
        "authorization_response_iss_parameter_supported": True,
    }
    fields.update(changes)
    return ProviderMetadata.model_validate({k: v for k, v in fields.items() if v is not None})


class Refused(Exception):
    """A request the server refuses: status, OAuth error, and headers to send."""

    def __init__(self, status: int, error: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.headers = headers or {}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Grant:
    """What a code, an access token or a refresh token is bound to."""

    jkt: str | None
    expires_at: float = float("inf")
    used: bool = False
    params: dict[str, str] = field(default_factory=dict)


class FapiProvider:
    """The authorization server (PAR, authorize, token, revocation, userinfo) and an API.

    ``require_dpop``: token requests need a proof, and tokens are DPoP-bound.
    ``require_nonce`` / ``require_rs_nonce``: the AS / the API answer a proof without their
    current nonce with ``use_dpop_nonce`` (``rotate_nonce()`` changes them).
    ``client_secret``: authenticate the client by ``client_secret_jwt`` instead.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        require_dpop: bool = True,
        require_nonce: bool = False,
        require_rs_nonce: bool = False,
        expires_in: int = 3600,
        client_secret: str | None = None,
        client_key: ClientKey = CLIENT_KEY,
    ) -> None:
        self.clock = clock
        self.require_dpop = require_dpop
        self.require_nonce = require_nonce
        self.require_rs_nonce = require_rs_nonce
        self.expires_in = expires_in
        self.client_secret = client_secret
        self.client_public = jwt.PyJWK({**client_key.public_jwk, "kid": KID}, client_key.alg)
        self.nonce = "as-nonce-" + secrets.token_urlsafe(8)
        self.rs_nonce = "rs-nonce-" + secrets.token_urlsafe(8)
        self.pushed: dict[str, Grant] = {}
        self.codes: dict[str, Grant] = {}
        self.access: dict[str, Grant] = {}
        self.refresh: dict[str, Grant] = {}
        self.assertions: list[dict[str, Any]] = []
        self.proofs: list[tuple[str, dict[str, Any]]] = []  # (path, claims)
        self.requests: list[httpx.Request] = []
        self.refusals: list[tuple[str, str]] = []  # (path, error)
        self.revoked: list[str] = []
        self.token_calls = 0
        self.api_ok = 0
        self._assertion_jtis: set[str] = set()
        self._proof_jtis: set[str] = set()

    # --- the client's side -----------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        """Every endpoint of the provider and the API, in process."""
        return httpx.MockTransport(self.handle)

    def http(self) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` that reaches the provider and the API."""
        return httpx.AsyncClient(transport=self.transport())

    def oauth(self, http: httpx.AsyncClient | None = None, **options: Any) -> OAuthClient:
        """A client registered with this provider (``private_key_jwt``, DPoP, FAPI 2.0)."""
        settings: dict[str, Any] = {
            "metadata": fapi_metadata(),
            "client_key": CLIENT_KEY,
            "dpop": True,
            "scopes": ("accounts",),
        }
        settings.update(options)
        return OAuthClient(
            CLIENT_ID, REDIRECT, http_client=http or self.http(), clock=self.clock, **settings
        )

    def approve(self, authorization_url: str) -> str:
        """Play the browser and the user: the callback URL the provider redirects to."""
        query = dict(parse_qsl(urlsplit(authorization_url).query))
        request_uri = query.get("request_uri")
        if request_uri is not None:
            pushed = self.pushed.get(request_uri)
            if pushed is None or pushed.used or self.clock() >= pushed.expires_at:
                # OIDC Core §3.1.2.6: the error goes back to the client (state unknown here).
                return f"{REDIRECT}?{urlencode({'error': 'invalid_request_uri', 'iss': ISSUER})}"
            pushed.used = True
            if query.get("client_id") != CLIENT_ID or set(query) != {"client_id", "request_uri"}:
                raise AssertionError(f"a pushed login's URL carries more: {sorted(query)}")
            params, jkt = pushed.params, pushed.jkt
        else:
            params = query
            jkt = query.get("dpop_jkt")
        code = "code-" + secrets.token_urlsafe(12)
        self.codes[code] = Grant(jkt=jkt, params=params)
        back = {"code": code, "state": params["state"], "iss": ISSUER}
        return f"{params['redirect_uri']}?{urlencode(back)}"

    def rotate_nonce(self) -> None:
        """The servers move on to new nonces: proofs with the old ones are refused."""
        self.nonce = "as-nonce-" + secrets.token_urlsafe(8)
        self.rs_nonce = "rs-nonce-" + secrets.token_urlsafe(8)

    def proof_jtis(self) -> list[str]:
        """The ``jti`` of every proof received, in order (duplicates kept)."""
        return [claims["jti"] for _, claims in self.proofs]

    # --- checks ---------------------------------------------------------------------------

    def _authenticate(self, form: dict[str, str]) -> None:
        if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
            raise Refused(401, "invalid_client")
        assertion = form.get("client_assertion", "")
        try:
            if self.client_secret is not None:
                claims = jwt.decode(
                    assertion,
                    self.client_secret,
                    algorithms=["HS256"],
                    audience=ISSUER,
                    options={"verify_iat": False, "verify_exp": False},
                )
            else:
                header = jwt.get_unverified_header(assertion)
                if header.get("kid") != KID:
                    raise Refused(401, "invalid_client")
                claims = jwt.decode(
                    assertion,
                    self.client_public.key,
                    algorithms=[self.client_public.algorithm_name],
                    audience=ISSUER,  # FAPI 2.0: the issuer identifier, nothing else
                    options={"verify_iat": False, "verify_exp": False},
                )
        except jwt.PyJWTError:
            raise Refused(401, "invalid_client") from None
        now = self.clock()
        if not (claims["iss"] == claims["sub"] == CLIENT_ID == form.get("client_id")):
            raise Refused(401, "invalid_client")
        if not claims["iat"] <= now + 5 < claims["exp"] + 5 or claims["exp"] - claims["iat"] > 300:
            raise Refused(401, "invalid_client")
        if claims["jti"] in self._assertion_jtis:  # a replayed assertion
            raise Refused(401, "invalid_client")
        self._assertion_jtis.add(claims["jti"])
        self.assertions.append(claims)

    def _proof(
        self,
        request: httpx.Request,
        *,
        nonce: str | None,
        error: int,
        access_token: str | None = None,
    ) -> str | None:
        """The thumbprint of the key the request's DPoP proof was made with, or None."""
        proof = request.headers.get("DPoP")
        if proof is None:
            return None
        try:
            header = jwt.get_unverified_header(proof)
            public = header["jwk"]
            if header.get("typ") != "dpop+jwt" or "d" in public:
                raise Refused(error, "invalid_dpop_proof")
            key = jwt.PyJWK(public, header["alg"])
            claims = jwt.decode(
                proof, key.key, algorithms=[header["alg"]], options={"verify_iat": False}
            )
        except (jwt.PyJWTError, KeyError, ValueError):
            raise Refused(error, "invalid_dpop_proof") from None
        path = request.url.path
        if (
            claims.get("htm") != request.method
            or claims.get("htu") != normalize_htu(str(request.url))
            or abs(claims.get("iat", 0) - self.clock()) > 60
            or claims.get("jti") in self._proof_jtis
        ):
            raise Refused(error, "invalid_dpop_proof")
        if access_token is not None:
            digest = _b64(hashlib.sha256(access_token.encode()).digest())
            if claims.get("ath") != digest:
                raise Refused(error, "invalid_dpop_proof")
        self._proof_jtis.add(claims["jti"])
        self.proofs.append((path, claims))
        if nonce is not None and claims.get("nonce") != nonce:
            raise Refused(error, "use_dpop_nonce", {"DPoP-Nonce": nonce})
        return jwk_thumbprint(public)

    # --- endpoints ---------------------------------------------------------------------------

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        origin = f"{request.url.scheme}://{request.url.host}"
        route = {
            (ISSUER, "/par"): self._par,
            (ISSUER, "/token"): self._token,
            (ISSUER, "/revoke"): self._revoke,
            (ISSUER, "/userinfo"): self._resource,
            (API, "/v1/profile"): self._resource,
        }.get((origin, request.url.path))
        if route is None:
            return httpx.Response(404)
        try:
            return route(request)
        except Refused as refused:
            self.refusals.append((request.url.path, refused.error))
            if refused.status == 401 and refused.error != "invalid_client":
                challenge = f'DPoP error="{refused.error}", algs="ES256 EdDSA PS256"'
                headers = {"WWW-Authenticate": challenge, **refused.headers}
                return httpx.Response(401, headers=headers)
            return httpx.Response(
                refused.status, json={"error": refused.error}, headers=refused.headers
            )

    @staticmethod
    def _form(request: httpx.Request) -> dict[str, str]:
        pairs = parse_qs(request.content.decode(), keep_blank_values=True)
        if any(len(values) > 1 for values in pairs.values()):
            raise Refused(400, "invalid_request")
        return {name: values[0] for name, values in pairs.items()}

    def _as_nonce(self) -> str | None:
        return self.nonce if self.require_nonce else None

    def _par(self, request: httpx.Request) -> httpx.Response:
        form = self._form(request)
        self._authenticate(form)
        jkt = self._proof(request, nonce=self._as_nonce(), error=400)
        if form.get("code_challenge_method") != "S256" or "request_uri" in form:
            raise Refused(400, "invalid_request")
        if "dpop_jkt" in form and jkt is not None and form["dpop_jkt"] != jkt:
            raise Refused(400, "invalid_dpop_proof")
        request_uri = "urn:ietf:params:oauth:request_uri:" + secrets.token_urlsafe(12)
        params = {k: v for k, v in form.items() if not k.startswith("client_assertion")}
        self.pushed[request_uri] = Grant(
            jkt=jkt or form.get("dpop_jkt"), expires_at=self.clock() + 60, params=params
        )
        headers = {"DPoP-Nonce": self.nonce} if self.require_nonce else {}
        return httpx.Response(
            201, json={"request_uri": request_uri, "expires_in": 60}, headers=headers
        )

    def _issue(self, jkt: str | None, refresh: bool = True) -> dict[str, Any]:
        access = "at-" + secrets.token_urlsafe(12)
        expires = self.clock() + self.expires_in
        self.access[access] = Grant(jkt=jkt, expires_at=expires)
        body: dict[str, Any] = {
            "access_token": access,
            "token_type": "DPoP" if jkt else "Bearer",
            "expires_in": self.expires_in,
            "scope": "accounts",
        }
        if refresh:
            token = "rt-" + secrets.token_urlsafe(12)
            self.refresh[token] = Grant(jkt=jkt)
            body["refresh_token"] = token
        return body

    def _token(self, request: httpx.Request) -> httpx.Response:
        self.token_calls += 1
        form = self._form(request)
        self._authenticate(form)
        jkt = self._proof(request, nonce=self._as_nonce(), error=400)
        if self.require_dpop and jkt is None:
            raise Refused(400, "invalid_dpop_proof")
        if form.get("grant_type") == "authorization_code":
            grant = self.codes.get(form.get("code", ""))
            if grant is None or grant.used:
                raise Refused(400, "invalid_grant")
            grant.used = True
            verifier = form.get("code_verifier", "")
            challenge = _b64(hashlib.sha256(verifier.encode()).digest())
            if challenge != grant.params.get("code_challenge"):
                raise Refused(400, "invalid_grant")
            if form.get("redirect_uri") != grant.params.get("redirect_uri"):
                raise Refused(400, "invalid_grant")
            if grant.jkt is not None and grant.jkt != jkt:  # bound at PAR or by dpop_jkt
                raise Refused(400, "invalid_dpop_proof")
        elif form.get("grant_type") == "refresh_token":
            grant = self.refresh.pop(form.get("refresh_token", ""), None)  # rotated
            if grant is None:
                raise Refused(400, "invalid_grant")
            if grant.jkt is not None and grant.jkt != jkt:
                raise Refused(400, "invalid_dpop_proof")
        else:
            raise Refused(400, "unsupported_grant_type")
        headers = {"DPoP-Nonce": self.nonce} if self.require_nonce else {}
        return httpx.Response(200, json=self._issue(jkt), headers=headers)

    def _revoke(self, request: httpx.Request) -> httpx.Response:
        form = self._form(request)
        self._authenticate(form)
        token = form.get("token", "")
        self.revoked.append(token)
        self.refresh.pop(token, None)
        self.access.pop(token, None)
        return httpx.Response(200)

    def _resource(self, request: httpx.Request) -> httpx.Response:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        grant = self.access.get(token)
        if grant is None or self.clock() >= grant.expires_at:
            raise Refused(401, "invalid_token")
        if grant.jkt is None:
            if scheme != "Bearer" or "DPoP" in request.headers:
                raise Refused(401, "invalid_token")
        else:
            if scheme != "DPoP":  # a bound token presented as Bearer
                raise Refused(401, "invalid_token")
            nonce = self.rs_nonce if self.require_rs_nonce else None
            jkt = self._proof(request, nonce=nonce, error=401, access_token=token)
            if jkt != grant.jkt:  # a proof by another key than the token's cnf.jkt
                raise Refused(401, "invalid_token")
        self.api_ok += 1
        headers = {"DPoP-Nonce": self.rs_nonce} if self.require_rs_nonce else {}
        body = {"sub": "user-1"} if request.url.path == "/userinfo" else {"ok": True}
        return httpx.Response(
            200, content=json.dumps(body), headers={"Content-Type": "application/json", **headers}
        )
