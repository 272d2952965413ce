"""The provider's back-channel endpoints on the wire: token, PAR and revocation requests.

Each request is authenticated afresh (a ``private_key_jwt`` or ``client_secret_jwt``
assertion has its own ``jti``), carries a fresh DPoP proof when the caller holds a DPoP key
(with the endpoint origin's latest nonce), and is sent once more, at most, when the provider
answers ``use_dpop_nonce``: that refusal comes before the provider looks at the code,
refresh token or request, so nothing was used up (RFC 9449 §8).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Literal

from .._core.clock import Clock
from .._core.http import AsyncClient, Reply, is_transient_status
from .._core.wire import ErrorFactory, body_of, oauth_error_suffix, send
from ..errors import (
    ConfigurationError,
    NetworkError,
    PushedAuthorizationError,
    RevocationError,
    TokenEndpointError,
)
from ..rules import parse_retry_after
from .config import ClientConfig

if TYPE_CHECKING:
    # The pydantic models load with the first grant, so importing OAuthClient stays cheap.
    from .dpop import DPoPKey, DPoPNonces
    from .metadata import ProviderMetadata
    from .par import PushedRequest
    from .tokens import ClientAuthMethod, TokenSet

__all__ = ["TokenEndpoint"]


class TokenEndpoint:
    """Sends grant, PAR and revocation requests for one configured client (``OAuthClient``'s).

    It keeps the DPoP nonces the provider hands out (per origin), shared by every login and
    refresh of the client.
    """

    def __init__(self, config: ClientConfig, http: AsyncClient, clock: Clock) -> None:
        self._config = config
        self._http = http
        self._clock = clock
        self._nonces: DPoPNonces | None = None

    @property
    def nonces(self) -> DPoPNonces:
        """The latest ``DPoP-Nonce`` of each origin this client talked to."""
        if self._nonces is None:
            from .dpop import DPoPNonces

            self._nonces = DPoPNonces()
        return self._nonces

    def auth_method(
        self, metadata: ProviderMetadata, *, revocation: bool = False
    ) -> ClientAuthMethod:
        """The configured client authentication, else the best one the provider lists."""
        config = self._config
        if config.token_endpoint_auth_method is not None:
            return config.token_endpoint_auth_method
        if not config.client_secret:
            return "none"
        supported = (
            metadata.revocation_endpoint_auth_methods_supported
            if revocation and metadata.revocation_endpoint_auth_methods_supported
            else metadata.token_endpoint_auth_methods_supported
        )
        # RFC 8414 §2: client_secret_basic is the default when nothing is listed.
        if supported is None or "client_secret_basic" in supported:
            return "client_secret_basic"
        if "client_secret_post" in supported:
            return "client_secret_post"
        raise ConfigurationError(
            "the provider supports neither client_secret_basic nor client_secret_post"
        )

    def credentials(
        self, metadata: ProviderMetadata, *, revocation: bool = False
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Headers and form fields that authenticate the client for one request.

        An assertion's audience is the issuer identifier, as FAPI 2.0 requires; every
        endpoint of the provider accepts it.
        """
        config = self._config
        method = self.auth_method(metadata, revocation=revocation)
        if method == "private_key_jwt":
            from .assertions import private_key_jwt

            assert config.client_key is not None  # ClientConfig requires it
            fields = private_key_jwt(
                config.client_id, config.client_key, audience=metadata.issuer, now=self._clock()
            )
            return {}, fields
        if method == "client_secret_jwt":
            from .assertions import client_secret_jwt

            fields = client_secret_jwt(
                config.client_id,
                config.client_secret or "",
                audience=metadata.issuer,
                now=self._clock(),
            )
            return {}, fields
        from .tokens import client_auth

        return client_auth(
            method,
            config.client_id,
            config.client_secret,
            form_encode=config.basic_auth_encoding == "form",
        )

    async def _post(
        self,
        metadata: ProviderMetadata,
        url: str,
        build_form: Callable[[dict[str, str]], dict[str, str]],
        *,
        error: ErrorFactory,
        what: str,
        dpop_key: DPoPKey | None,
        revocation: bool = False,
    ) -> Reply:
        """POST ``build_form(client authentication fields)`` to ``url``; retried once with
        a new proof on a ``use_dpop_nonce`` challenge."""
        retried = False
        while True:
            headers, auth_fields = self.credentials(metadata, revocation=revocation)
            if dpop_key is not None:
                nonce = self.nonces.get(url)
                headers["DPoP"] = dpop_key.proof("POST", url, now=self._clock(), nonce=nonce)
            reply = await send(
                self._http,
                "POST",
                url,
                error,
                what,
                data=build_form(auth_fields),
                headers=headers,
                time_limit=self._config.timeout,
            )
            if dpop_key is None:
                return reply
            from .dpop import should_retry_with_nonce

            self.nonces.learn(url, reply.headers)
            if not should_retry_with_nonce(
                reply.status_code, reply.headers, reply.body, retried=retried
            ):
                return reply
            retried = True

    async def grant(
        self,
        metadata: ProviderMetadata,
        form: dict[str, str],
        *,
        previous: TokenSet | None = None,
        requested_scopes: tuple[str, ...] = (),
        dpop_key: DPoPKey | None = None,
    ) -> TokenSet:
        """POST a grant (RFC 6749 §4.1.3, §6) and parse the answer into a ``TokenSet``.

        With ``dpop_key`` the request carries a proof, and the token set keeps the key.
        """
        from .tokens import parse_token_response

        reply = await self._post(
            metadata,
            metadata.token_endpoint,
            lambda auth_fields: {**form, **auth_fields},
            error=NetworkError,
            what="token",
            dpop_key=dpop_key,
        )
        body = body_of(reply, lambda m: TokenEndpointError(m, status_code=reply.status_code))
        try:
            return parse_token_response(
                reply.status_code,
                body,
                now=self._clock(),
                previous=previous,
                requested_scopes=requested_scopes,
                dpop_jwk=dpop_key.to_jwk() if dpop_key is not None else None,
                require_dpop=self._config.profile == "fapi2",
            )
        except TokenEndpointError as exc:
            if reply.status_code in (429, 503):
                exc.retry_after = parse_retry_after(reply.headers.get("retry-after"), self._clock())
            raise

    async def push(
        self,
        metadata: ProviderMetadata,
        endpoint: str,
        params: Mapping[str, str],
        *,
        dpop_key: DPoPKey | None = None,
    ) -> PushedRequest:
        """Push a login's authorization parameters to the PAR endpoint (RFC 9126 §2).

        Authenticated as at the token endpoint; with ``dpop_key`` a proof binds the
        authorization code to the key (RFC 9449 §10.1). Raises ``PushedAuthorizationError``.
        """
        from .par import par_form, parse_par_response

        reply = await self._post(
            metadata,
            endpoint,
            lambda auth_fields: par_form(params, auth_fields),
            error=PushedAuthorizationError,
            what="pushed authorization",
            dpop_key=dpop_key,
        )
        body = body_of(reply, lambda m: PushedAuthorizationError(m, status_code=reply.status_code))
        try:
            return parse_par_response(reply.status_code, body, now=self._clock())
        except PushedAuthorizationError as exc:
            if reply.status_code in (429, 503):
                exc.retry_after = parse_retry_after(reply.headers.get("retry-after"), self._clock())
            raise

    async def revoke(
        self,
        metadata: ProviderMetadata,
        pairs: list[tuple[str, Literal["access_token", "refresh_token", ""]]],
    ) -> None:
        """Revoke each ``(token, hint)`` in order (RFC 7009)."""
        endpoint = metadata.revocation_endpoint
        if endpoint is None or not self._config.revocation:
            raise RevocationError("the provider has no revocation endpoint")
        for value, hint in pairs:
            form = {"token": value, **({"token_type_hint": hint} if hint else {})}
            reply = await self._post(
                metadata,
                endpoint,
                _after_auth(form),
                error=RevocationError,
                what="revocation",
                dpop_key=None,  # RFC 9449 asks for no proof at revocation
                revocation=True,
            )
            # RFC 7009 §2.2: 200 whether or not the token was valid.
            if reply.status_code != 200:
                raise RevocationError(
                    f"revocation failed with HTTP {reply.status_code}{oauth_error_suffix(reply)}",
                    status_code=reply.status_code,
                    transient=is_transient_status(reply.status_code),
                )


def _after_auth(form: dict[str, str]) -> Callable[[dict[str, str]], dict[str, str]]:
    """A form builder: the client authentication fields, then ``form``."""
    return lambda auth_fields: {**auth_fields, **form}
