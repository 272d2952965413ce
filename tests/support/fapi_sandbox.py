"""The shipped sandbox set up for the SDK's FAPI tests (PAR, DPoP, private_key_jwt).

The sandbox (``FakeLexoffice``) is the referee: it verifies each client assertion and DPoP
proof and refuses what a FAPI 2.0 provider refuses. This module only registers the tests'
``private_key_jwt`` client, builds an ``OAuthClient`` for it, and records the sandbox's
answers (:class:`Wire`) so a test can name what was refused, and read the proofs and
assertions that went out, each verified again here with PyJWT.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import httpx
import jwt

from lexoffice_auth import OAuthClient, ProviderMetadata
from lexoffice_auth._oauth.dpop import parse_www_authenticate
from lexoffice_auth.keys import ClientKey
from lexoffice_auth.testing import FakeClock, FakeLexoffice
from lexoffice_auth.testing._keys import SigningKey

NOW = 1_700_000_000.0
CLIENT_ID = "bank-app"
REDIRECT = "http://127.0.0.1:8765/callback"
KID = "client-key-1"
CLIENT_KEY = ClientKey.load(ClientKey.generate("ES256").to_jwk(), kid=KID)
SCOPES = ("profile.read",)
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def sandbox(clock: Callable[[], float] | None = None, **options: Any) -> FakeLexoffice:
    """A sandbox (no rate limit, frozen clock by default) that knows the tests' client."""
    fake = FakeLexoffice(
        clock=clock if clock is not None else FakeClock(start=NOW, ticking=False),
        rate_limit=None,
        **options,
    )
    fake.register_client(
        CLIENT_ID, [REDIRECT], jwks={"keys": [{**CLIENT_KEY.public_jwk, "kid": KID}]}
    )
    return fake


@functools.cache
def _id_token_key() -> SigningKey:
    # One RSA key for the id_tokens of every sandbox here: making one takes ~60 ms.
    return SigningKey.generate()


def sandbox_metadata(fake: FakeLexoffice, **changes: Any) -> ProviderMetadata:
    """The sandbox's discovery document, with ``changes`` (``None`` removes a field)."""
    document = fake.provider.handle("discovery", httpx.Request("GET", fake.discovery_url)).json()
    document.update(changes)
    return ProviderMetadata.model_validate({k: v for k, v in document.items() if v is not None})


def form_of(request: httpx.Request) -> dict[str, str]:
    """A form-encoded request body as a dict (first values)."""
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


@dataclass(frozen=True)
class Exchange:
    """One request the sandbox answered, and its answer (read)."""

    request: httpx.Request
    response: httpx.Response

    @property
    def path(self) -> str:
        return self.request.url.path

    @property
    def error(self) -> str | None:
        """The OAuth error of a refusal: from the JSON body, or the 401's challenge."""
        return self._refusal()[0]

    @property
    def description(self) -> str | None:
        """The sandbox's ``error_description`` of a refusal."""
        return self._refusal()[1]

    def _refusal(self) -> tuple[str | None, str | None]:
        if self.response.status_code < 400:
            return None, None
        challenge = self.response.headers.get("WWW-Authenticate")
        if challenge:
            for _scheme, params in parse_www_authenticate(challenge):
                if "error" in params:
                    return params["error"], params.get("error_description")
        try:
            body = json.loads(self.response.content)
        except ValueError:
            return None, None
        if not isinstance(body, dict):
            return None, None
        return body.get("error"), body.get("error_description")


class Wire:
    """The sandbox behind a recording transport; ``before``/``after`` may alter the traffic.

    ``before(request)`` may return another request to send instead (a proxy rewriting it);
    ``after(request, response)`` may return another response to hand to the client.
    """

    def __init__(
        self,
        fake: FakeLexoffice,
        *,
        before: Callable[[httpx.Request], httpx.Request | None] | None = None,
        after: Callable[[httpx.Request, httpx.Response], httpx.Response | None] | None = None,
    ) -> None:
        self.fake = fake
        self.exchanges: list[Exchange] = []
        self.before = before
        self.after = after

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.before is not None:
            request = self.before(request) or request
        response = self.fake.handle(request)
        response.read()
        # The sandbox's record keeps the headers as sent; an auth flow that retries
        # changes its request's headers in place.
        self.exchanges.append(Exchange(self.fake.requests[-1], response))
        if self.after is not None:
            return self.after(request, response) or response
        return response

    def http(self) -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` that reaches the sandbox through this wire."""
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handle))

    def oauth(self, http: httpx.AsyncClient | None = None, **options: Any) -> OAuthClient:
        """An ``OAuthClient`` for the tests' client (``private_key_jwt``, DPoP)."""
        settings: dict[str, Any] = {
            "metadata": sandbox_metadata(self.fake),
            "client_key": CLIENT_KEY,
            "dpop": True,
            "scopes": SCOPES,
        }
        settings.update(options)
        if "openid" in settings["scopes"] and not self.fake.state.oauth.keys:
            self.fake.state.oauth.keys.append(_id_token_key())
        client_id = settings.pop("client_id", CLIENT_ID)
        return OAuthClient(
            client_id,
            REDIRECT,
            http_client=http or self.http(),
            clock=self.fake.clock,
            **settings,
        )

    # --- what went over the wire ---------------------------------------------------------

    def paths(self) -> list[str]:
        return [e.path for e in self.exchanges]

    def at(self, path: str) -> list[Exchange]:
        """The exchanges whose path ends with ``path`` (``"/par"``, ``"/v1/profile"``)."""
        return [e for e in self.exchanges if e.path.endswith(path)]

    @property
    def refusals(self) -> list[tuple[str, str]]:
        """``(path suffix, error)`` of every refusal, in order."""
        return [(e.path.rsplit("/", 1)[-1], e.error) for e in self.exchanges if e.error]

    def proofs(self, path: str = "", *, verify: bool = True) -> list[tuple[str, dict[str, Any]]]:
        """``(path, claims)`` of every DPoP proof sent, each verified with its own key.

        ``verify=False`` only reads the claims: for many proofs the sandbox has accepted
        already (it verified each), where verifying again would double the test's time.
        """
        read = verified_proof if verify else _claims_of
        return [
            (e.path, read(e.request.headers["DPoP"]))
            for e in self.at(path)
            if "DPoP" in e.request.headers
        ]

    def assertions(self, issuer: str) -> list[dict[str, Any]]:
        """The claims of every client assertion sent, verified: the client's key, ``aud`` =
        the issuer and nothing else (FAPI 2.0), ``iss`` = ``sub`` = the client id."""
        out = []
        for exchange in self.exchanges:
            form = form_of(exchange.request) if exchange.request.method == "POST" else {}
            if "client_assertion" not in form:
                continue
            assert form["client_assertion_type"] == ASSERTION_TYPE
            assertion = form["client_assertion"]
            assert jwt.get_unverified_header(assertion)["kid"] == KID
            public = jwt.PyJWK({**CLIENT_KEY.public_jwk, "kid": KID}, CLIENT_KEY.alg)
            claims = jwt.decode(
                assertion,
                public.key,
                algorithms=[CLIENT_KEY.alg],
                audience=issuer,
                issuer=CLIENT_ID,
                options={"verify_exp": False, "verify_iat": False},
            )
            assert claims["sub"] == CLIENT_ID
            out.append(claims)
        return out


def _claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def verified_proof(proof: str) -> dict[str, Any]:
    """A DPoP proof's claims, after checking its header and its signature by its ``jwk``."""
    header = jwt.get_unverified_header(proof)
    assert header["typ"] == "dpop+jwt" and "d" not in header["jwk"]
    key = jwt.PyJWK(header["jwk"], header["alg"])
    claims: dict[str, Any] = jwt.decode(
        proof, key.key, algorithms=[header["alg"]], options={"verify_iat": False}
    )
    return claims


async def log_in(fake: FakeLexoffice, oauth: OAuthClient, **extra: Any) -> Any:
    """A whole login: start, the browser at the sandbox, complete."""
    pending = await oauth.start_login(**extra)
    return await oauth.complete_login(fake.approve(pending.authorization_url), pending)
