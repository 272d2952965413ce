"""The async OAuth 2.0 / OpenID Connect client: login, refresh, revocation, OIDC extras.

It holds no per-user state: a login in progress is a ``PendingLogin`` value that the
caller keeps, and tokens are ``TokenSet`` values that the caller (or a
``RefreshingTokenSource``) stores. One ``OAuthClient`` serves every user of a service.
Configuration is ``ClientConfig``, discovery ``Discovery``, the wire
``TokenEndpoint``; this module puts the steps of a login in order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from .._core.clock import Clock, system_clock
from .._core.http import AsyncClient
from ..errors import (
    ConfigurationError,
    IdTokenError,
    LoginError,
    ProviderError,
    ReauthenticationRequired,
)
from .config import ClientConfig, Profile, check_scopes, lexoffice_partner_preset
from .discovery import Discovery
from .idtoken import IdTokenVerifier, UserinfoDPoP, end_session_url, fetch_userinfo
from .sender_binding import check_fapi2, login_dpop_key, pending_dpop_key
from .token_endpoint import TokenEndpoint

if TYPE_CHECKING:
    # The pydantic models (and pydantic) load with the first login or refresh, not on import.
    from .assertions import ClientKey
    from .dpop import DPoPKey
    from .login import PendingLogin
    from .metadata import ProviderMetadata
    from .tokens import ClientAuthMethod, TokenSet

__all__ = ["OAuthClient"]

logger = logging.getLogger("lexoffice_auth")


class OAuthClient:
    """An async OAuth 2.0 client with PKCE, for one registered application.

    Give either ``issuer`` (metadata is discovered from
    ``{issuer}/.well-known/openid-configuration``) or ``metadata`` (static endpoints).
    The keyword arguments are those of ``ClientConfig``; ``OAuthClient.from_config``
    takes a ready configuration. ``client_key=`` (``private_key_jwt``), ``par=``,
    ``dpop=`` and ``profile="fapi2"`` make sender-constrained and pushed logins (see
    ``ClientConfig`` and docs/fapi.md); the rest of the SDK works with them unchanged.

    Example (against the sandbox, where ``fake.approve`` plays the user's browser):
        >>> import anyio
        >>> from lexoffice_auth.testing import FakeLexoffice
        >>> fake = FakeLexoffice()
        >>> async def main() -> str:
        ...     async with OAuthClient("sandbox-client", "http://127.0.0.1/callback",
        ...                            issuer=fake.issuer, http_client=fake.client(),
        ...                            clock=fake.clock) as oauth:
        ...         pending = await oauth.start_login()
        ...         # redirect the user to pending.authorization_url; keep `pending`
        ...         callback_url = fake.approve(pending.authorization_url)
        ...         tokens = await oauth.complete_login(callback_url, pending)
        ...     return tokens.token_type
        >>> anyio.run(main)
        'Bearer'
    """

    def __init__(
        self,
        client_id: str,
        redirect_uri: str,
        *,
        issuer: str | None = None,
        metadata: ProviderMetadata | None = None,
        client_secret: str | None = None,
        scopes: Iterable[str] = ("openid",),
        http_client: AsyncClient | None = None,
        token_endpoint_auth_method: ClientAuthMethod | None = None,
        scope_param: str = "scope",
        scope_separator: str = " ",
        login_lifetime: float = 600.0,
        metadata_ttl: float = 3600.0,
        clock: Clock = system_clock,
        timeout: float = 10.0,
        id_token_leeway: float = 60.0,
        id_token_max_age: float | None = None,
        allow_hs256_id_tokens: bool = False,
        basic_auth_encoding: Literal["form", "raw"] = "form",
        client_key: ClientKey | Mapping[str, Any] | str | bytes | None = None,
        par: bool | None = None,
        dpop: bool | DPoPKey | None = None,
        profile: Profile | None = None,
    ) -> None:
        config = ClientConfig(
            client_id,
            redirect_uri,
            issuer=issuer,
            metadata=metadata,
            client_secret=client_secret,
            scopes=scopes,  # type: ignore[arg-type]  # checked and made a tuple
            token_endpoint_auth_method=token_endpoint_auth_method,
            scope_param=scope_param,
            scope_separator=scope_separator,
            basic_auth_encoding=basic_auth_encoding,
            login_lifetime=login_lifetime,
            metadata_ttl=metadata_ttl,
            timeout=timeout,
            id_token_leeway=id_token_leeway,
            id_token_max_age=id_token_max_age,
            allow_hs256_id_tokens=allow_hs256_id_tokens,
            client_key=client_key,  # type: ignore[arg-type]  # loaded into a ClientKey
            par=par,
            dpop=dpop,
            profile=profile,
        )
        self._setup(config, http_client, clock)

    @classmethod
    def from_config(
        cls,
        config: ClientConfig,
        *,
        http_client: AsyncClient | None = None,
        clock: Clock = system_clock,
    ) -> OAuthClient:
        """A client for a ready ``ClientConfig``."""
        if not isinstance(config, ClientConfig):
            raise ConfigurationError(f"expected a ClientConfig, not {type(config).__name__}")
        client = cls.__new__(cls)
        client._setup(config, http_client, clock)
        return client

    def _setup(self, config: ClientConfig, http_client: AsyncClient | None, clock: Clock) -> None:
        if not callable(clock):
            raise ConfigurationError("clock must be a callable returning epoch seconds")
        self._config = config
        self._clock = clock
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else AsyncClient(timeout=config.timeout)
        self._discovery = (
            Discovery(config.issuer, self._http, ttl=config.metadata_ttl, timeout=config.timeout)
            if config.issuer is not None
            else None
        )
        self._tokens = TokenEndpoint(config, self._http, clock)
        self._fapi2_checked: ProviderMetadata | None = None
        self._id_tokens = IdTokenVerifier(
            client_id=config.client_id,
            http_client=self._http,
            clock=clock,
            leeway=config.id_token_leeway,
            max_age=config.id_token_max_age,
            client_secret=config.client_secret,
            allow_hs256=config.allow_hs256_id_tokens,
            timeout=config.timeout,
        )

    @property
    def config(self) -> ClientConfig:
        """The checked configuration."""
        return self._config

    @property
    def clock(self) -> Clock:
        """The clock this client reads time from (token sources built from it share it)."""
        return self._clock

    @property
    def client_id(self) -> str:
        """The registered client id."""
        return self._config.client_id

    @property
    def redirect_uri(self) -> str:
        """Where the provider sends the user back to."""
        return self._config.redirect_uri

    @property
    def issuer(self) -> str:
        """The provider's issuer identifier (discovered from, or the static metadata's)."""
        return self._config.expected_issuer

    @property
    def scopes(self) -> tuple[str, ...]:
        """The scopes a login asks for unless ``start_login`` is given others."""
        return self._config.scopes

    # --- presets ---------------------------------------------------------------------------

    @classmethod
    def lexoffice_partner(
        cls,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        *,
        scopes: Iterable[str],
        app_base_url: str = "https://app.lexoffice.de",
        http_client: AsyncClient | None = None,
        clock: Clock = system_clock,
        **options: Any,
    ) -> OAuthClient:
        """A client for lexoffice's partner OAuth (static endpoints, no discovery).

        It authenticates with HTTP Basic over the raw ``client_id:client_secret`` and sends
        scopes as ``scopes=a,b``, as real partner integrations do. lexoffice returns no
        id_token and documents no RFC 7009 revocation. Scope names come with your partner
        agreement; real integrations use names such as ``contacts.read`` and
        ``vouchers.write``. ``options`` are further ``ClientConfig`` fields
        (``timeout``, ``login_lifetime``, ...).

        Example:
            >>> oauth = OAuthClient.lexoffice_partner(
            ...     "id", "secret", "https://shop.example/lexoffice/callback",
            ...     scopes=["profile.read", "contacts.read"])
            >>> oauth.config.scope_param, oauth.issuer
            ('scopes', 'https://app.lexoffice.de')
        """
        config = lexoffice_partner_preset(app_base_url).client_config(
            client_id,
            redirect_uri,
            client_secret=client_secret,
            scopes=scopes,
            options=options,
            name="lexoffice",
        )
        return cls.from_config(config, http_client=http_client, clock=clock)

    # --- lifecycle --------------------------------------------------------------------------

    async def __aenter__(self) -> OAuthClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it (a passed-in one stays open)."""
        if self._owns_http:
            await self._http.aclose()

    def __repr__(self) -> str:
        config = self._config
        secret = ", client_secret=***" if config.client_secret else ""
        key = f", client_key={config.client_key!r}" if config.client_key is not None else ""
        profile = f", profile={config.profile!r}" if config.profile else ""
        return (
            f"OAuthClient(client_id={self.client_id!r}, issuer={self.issuer!r}"
            f"{secret}{key}{profile})"
        )

    # --- discovery ----------------------------------------------------------------------------

    async def metadata(self) -> ProviderMetadata:
        """The provider's metadata: static, or discovered once and cached for ``metadata_ttl``.

        Concurrent first calls share one fetch, and its failure. With ``profile="fapi2"``
        metadata that lacks what FAPI 2.0 needs raises one ``ConfigurationError`` naming
        each missing requirement.
        """
        if self._discovery is None:
            assert self._config.metadata is not None
            metadata = self._config.metadata
        else:
            metadata = await self._discovery.metadata()
        if self._config.profile == "fapi2" and metadata is not self._fapi2_checked:
            check_fapi2(self._config, metadata)
            self._fapi2_checked = metadata
        return metadata

    # --- login ---------------------------------------------------------------------------------

    async def start_login(
        self,
        *,
        scopes: Iterable[str] | None = None,
        extra_params: Mapping[str, str] | None = None,
    ) -> PendingLogin:
        """Begin a login: a fresh ``PendingLogin`` whose ``authorization_url`` to send the user to.

        ``extra_params`` adds parameters such as ``prompt`` or ``login_hint``. A ``nonce`` is
        added when ``openid`` is among the scopes.
        """
        from .login import front_channel_url, login_request, pending_login
        from .par import par_authorization_url, par_endpoint

        config = self._config
        metadata = await self.metadata()
        chosen = (
            check_scopes(scopes, config.scope_separator) if scopes is not None else config.scopes
        )
        dpop_key, made_for_login = login_dpop_key(self._config, metadata)
        push_to = par_endpoint(metadata, config.par)
        request = login_request(
            metadata,
            client_id=config.client_id,
            redirect_uri=config.redirect_uri,
            scopes=chosen,
            scope_param=config.scope_param,
            scope_separator=config.scope_separator,
            extra_params=extra_params,
            # Without PAR the code is bound to the key by its thumbprint (RFC 9449 §10);
            # a push carries a proof, which binds it as well.
            dpop_jkt=dpop_key.jkt if dpop_key is not None and push_to is None else None,
        )
        url_expires_at = None
        if push_to is None:
            url = front_channel_url(metadata, request.params)
        else:
            pushed = await self._tokens.push(metadata, push_to, request.params, dpop_key=dpop_key)
            url = par_authorization_url(
                metadata.authorization_endpoint,
                client_id=config.client_id,
                request_uri=pushed.request_uri,
            )
            url_expires_at = pushed.expires_at
        return pending_login(
            request,
            url,
            metadata,
            client_id=config.client_id,
            redirect_uri=config.redirect_uri,
            scopes=chosen,
            now=self._clock(),
            lifetime=config.login_lifetime,
            dpop_key=dpop_key,
            keep_dpop_key=made_for_login,
            authorization_url_expires_at=url_expires_at,
        )

    async def complete_login(self, callback_url: str, pending: PendingLogin) -> TokenSet:
        """Check the callback against ``pending`` and exchange its code for tokens.

        Raises ``AuthorizationDenied`` or ``LoginError`` (whose ``reason`` names the
        check) for a bad callback, before any code is sent.
        """
        from .login import parse_callback

        metadata = await self.metadata()
        self._check_pending(pending, metadata)
        code = parse_callback(
            callback_url,
            pending,
            metadata,
            now=self._clock(),
            require_iss=self._config.profile == "fapi2",
        )
        return await self._exchange(code, pending, metadata)

    async def exchange_code(self, code: str, pending: PendingLogin) -> TokenSet:
        """Exchange an authorization code for tokens, with the pending login's PKCE verifier.

        Use ``complete_login`` when you have the callback URL: it also checks ``state``,
        ``iss`` and where the callback arrived. This is for providers that show the code to
        the user to paste (out of band). Like ``complete_login`` it refuses a pending login
        started by another client (``LoginError(reason="client")``) or expired
        (``reason="expired"``) before the code is sent anywhere.
        """
        if not isinstance(code, str) or not code.strip():
            raise ConfigurationError("the authorization code is empty")
        metadata = await self.metadata()
        self._check_pending(pending, metadata)
        return await self._exchange(code, pending, metadata)

    def _check_pending(self, pending: PendingLogin, metadata: ProviderMetadata) -> None:
        """``pending`` was started by this client (provider, client id, redirect URI), in time.

        Without it a login started with provider A could be completed at provider B's token
        endpoint with A's PKCE verifier, or an expired one be exchanged (issue 11 #8).
        """
        from .dpop import DPoPKey
        from .login import PendingLogin

        if not isinstance(pending, PendingLogin):
            raise ConfigurationError(f"expected a PendingLogin, not {type(pending).__name__}")
        config = self._config
        if pending.issuer != metadata.issuer:
            raise LoginError(
                "this pending login was started with another provider "
                f"({pending.issuer!r}, this client uses {metadata.issuer!r})",
                reason="client",
            )
        if pending.client_id != config.client_id:
            raise LoginError(
                "this pending login was started by another client (client_id differs)",
                reason="client",
            )
        if pending.redirect_uri != config.redirect_uri:
            raise LoginError(
                "this pending login was started for another redirect_uri "
                f"({pending.redirect_uri!r}, this client uses {config.redirect_uri!r})",
                reason="client",
            )
        if pending.is_expired(self._clock()):
            raise LoginError(
                "the login took too long and has expired; start a new one", reason="expired"
            )
        if pending.dpop_jkt is not None and pending.dpop_jwk is None:
            dpop = config.dpop
            if not isinstance(dpop, DPoPKey) or dpop.jkt != pending.dpop_jkt:
                raise LoginError(
                    "this pending login is bound to a DPoP key this client does not hold "
                    "(it was started with another dpop= key)",
                    reason="client",
                )
        elif pending.dpop_jwk is None and self._config.profile == "fapi2":
            raise LoginError(
                "this pending login has no DPoP key, which the fapi2 profile requires; "
                "start a new login",
                reason="client",
            )

    async def _exchange(
        self, code: str, pending: PendingLogin, metadata: ProviderMetadata
    ) -> TokenSet:
        form = {
            "grant_type": "authorization_code",
            "code": code.strip(),
            "redirect_uri": pending.redirect_uri,
            "code_verifier": pending.code_verifier.get_secret_value(),
        }
        tokens = await self._tokens.grant(
            metadata,
            form,
            requested_scopes=pending.scopes,
            dpop_key=pending_dpop_key(self._config, pending),
        )
        return await self._checked_login_tokens(metadata, tokens, pending)

    async def _checked_login_tokens(
        self, metadata: ProviderMetadata, tokens: TokenSet, pending: PendingLogin
    ) -> TokenSet:
        """Verify the login's id_token (OIDC Core §3.1.3.7) and attach its claims."""
        if tokens.id_token is None:
            if pending.nonce is not None:
                # Core §3.1.3.3: an OpenID request must come back with an id_token.
                raise IdTokenError(
                    "id_token rejected (missing): the provider returned no id_token for openid",
                    check="missing",
                )
            return tokens
        claims = await self._id_tokens.verify(
            tokens.id_token.get_secret_value(),
            metadata,
            nonce=pending.nonce.get_secret_value() if pending.nonce else None,
            access_token=tokens.access_token.get_secret_value(),
        )
        return tokens.model_copy(update={"id_claims": claims})

    async def _checked_refreshed_tokens(
        self, metadata: ProviderMetadata, tokens: TokenSet, previous: TokenSet
    ) -> TokenSet:
        """Verify a new id_token from a refresh: no nonce, and the same ``sub`` (Core §12.2)."""
        if tokens.id_token is None or tokens.id_token == previous.id_token:
            return tokens
        try:
            claims = await self._id_tokens.verify(
                tokens.id_token.get_secret_value(),
                metadata,
                nonce=None,
                access_token=tokens.access_token.get_secret_value(),
                expected_sub=previous.id_claims.sub if previous.id_claims else None,
            )
        except ProviderError as exc:
            if exc.endpoint != "jwks":
                raise
            # The refresh already happened: with rotation the old refresh token is dead, so
            # dropping these tokens would force a new login over a JWKS outage. Keep them and
            # the identity proven at login; only the unverifiable new id_token is discarded.
            logger.warning("new id_token not verified after refresh, kept previous one: %s", exc)
            return tokens.model_copy(
                update={"id_token": previous.id_token, "id_claims": previous.id_claims}
            )
        return tokens.model_copy(update={"id_claims": claims})

    # --- OpenID Connect extras ---------------------------------------------------------------

    async def userinfo(self, token_set: TokenSet) -> dict[str, Any]:
        """The userinfo endpoint's claims for ``token_set``; its ``sub`` must be the id_token's.

        Raises ``ConfigurationError`` when there is no verified id_token to compare with,
        ``ProviderError`` when the endpoint fails or names another subject.

        Example (a sandbox login):
            >>> import anyio
            >>> from lexoffice_auth.testing import FakeLexoffice
            >>> fake = FakeLexoffice()
            >>> async def main() -> str:
            ...     oauth = OAuthClient("sandbox-client", "http://127.0.0.1/callback",
            ...                         issuer=fake.issuer, http_client=fake.client(),
            ...                         clock=fake.clock)
            ...     pending = await oauth.start_login()
            ...     tokens = await oauth.complete_login(
            ...         fake.approve(pending.authorization_url), pending)
            ...     info = await oauth.userinfo(tokens)
            ...     return info["sub"]
            >>> anyio.run(main)
            'sandbox-user-1'
        """
        if token_set.id_claims is None:
            raise ConfigurationError(
                "no verified id_token to compare userinfo with: log in with the openid scope first"
            )
        metadata = await self.metadata()
        key = token_set.dpop_key if token_set.token_type == "DPoP" else None
        return await fetch_userinfo(
            self._http,
            metadata,
            token_set.access_token.get_secret_value(),
            token_set.id_claims.sub,
            timeout=self._config.timeout,
            dpop=UserinfoDPoP(key, self._tokens.nonces, self._clock) if key is not None else None,
        )

    async def end_session_url(
        self,
        token_set: TokenSet | None = None,
        *,
        post_logout_redirect_uri: str | None = None,
        state: str | None = None,
    ) -> str:
        """The provider's RP-initiated logout URL, with ``token_set``'s id_token as a hint.

        Raises ``ConfigurationError`` when the provider has no ``end_session_endpoint``.
        """
        metadata = await self.metadata()
        hint = token_set.id_token.get_secret_value() if token_set and token_set.id_token else None
        return end_session_url(
            metadata,
            id_token_hint=hint,
            post_logout_redirect_uri=post_logout_redirect_uri,
            state=state,
            client_id=self.client_id,
        )

    # --- refresh and revocation ----------------------------------------------------------------

    async def refresh(self, token_set: TokenSet) -> TokenSet:
        """A new token set from ``token_set``'s refresh token.

        The old refresh token is kept when the response carries none. Raises
        ``ReauthenticationRequired`` when there is no refresh token, ``TokenEndpointError``
        (``error == "invalid_grant"``) when the provider no longer accepts it,
        ``NetworkError`` when it cannot be reached.
        """
        if token_set.refresh_token is None:
            raise ReauthenticationRequired("the token set has no refresh token; log in again")
        metadata = await self.metadata()
        form = {
            "grant_type": "refresh_token",
            "refresh_token": token_set.refresh_token.get_secret_value(),
        }
        # A DPoP-bound refresh token is refreshed with its own key (RFC 9449 §5).
        tokens = await self._tokens.grant(
            metadata, form, previous=token_set, dpop_key=token_set.dpop_key
        )
        return await self._checked_refreshed_tokens(metadata, tokens, token_set)

    async def revoke(
        self,
        token: TokenSet | str,
        *,
        token_type_hint: Literal["access_token", "refresh_token"] | None = None,
    ) -> None:
        """Revoke a token at the provider (RFC 7009).

        Given a ``TokenSet``, revokes its refresh token (which ends the grant) and then its
        access token. Raises ``RevocationError`` when the provider has no revocation endpoint
        or refuses.
        """
        from .tokens import TokenSet

        metadata = await self.metadata()
        pairs: list[tuple[str, Literal["access_token", "refresh_token", ""]]] = []
        if isinstance(token, TokenSet):
            if token.refresh_token is not None:
                pairs.append((token.refresh_token.get_secret_value(), "refresh_token"))
            pairs.append((token.access_token.get_secret_value(), "access_token"))
        else:
            if not isinstance(token, str) or not token:
                raise ConfigurationError("the token to revoke is empty")
            pairs.append((token, token_type_hint or ""))
        await self._tokens.revoke(metadata, pairs)
