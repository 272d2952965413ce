"""The async OAuth 2.0 / OpenID Connect client: discovery, login, refresh, revocation.

It holds no per-user state: a login in progress is a ``PendingLogin`` value that the
caller keeps, and tokens are ``TokenSet`` values that the caller (or a ``TokenSource``)
stores. One ``OAuthClient`` can serve every user of a service.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Literal
from urllib.parse import urlsplit

import anyio
from pydantic import ValidationError
from typing_extensions import Unpack

from ._auth import DEFAULT_API_ORIGINS, LexofficeAuth, make_auth
from ._clock import Clock, system_clock
from ._errors import (
    ConfigurationError,
    DiscoveryError,
    IdTokenError,
    InvalidTokenResponse,
    IssuerMismatchError,
    JWKSError,
    NetworkError,
    ReauthenticationRequired,
    RevocationError,
    UserInfoError,
)
from ._http import AsyncClient, Reply, is_timeout, read_limited
from ._idtoken import IdTokenVerifier, end_session_url, fetch_userinfo
from ._login import PendingLogin, build_login, parse_callback
from ._metadata import (
    ProviderMetadata,
    discovery_url,
    lexoffice_partner_metadata,
    parse_discovery_document,
)
from ._model import describe_validation_error
from ._session import SourceOptions
from ._tokens import ClientAuthMethod, TokenSet, client_auth, parse_token_response
from ._urls import is_loopback_host, origin_of, require_secure_url
from .stores import TokenStore
from .stores._checks import check_seconds

__all__ = ["OAuthClient"]

logger = logging.getLogger("lexoffice_auth")

_FORM = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
_MAX_DISCOVERY_REDIRECTS = 3
# Discovery documents and token responses are small; anything larger is not one.
_MAX_RESPONSE_BYTES = 1 << 20


def _check_redirect_uri(uri: str) -> str:
    """HTTPS, loopback HTTP (RFC 8252 §7.3) or a private-use scheme (RFC 8252 §7.1)."""
    if not isinstance(uri, str) or not uri:
        raise ConfigurationError("redirect_uri must be a non-empty string")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in uri):
        raise ConfigurationError("redirect_uri must not contain whitespace or control characters")
    try:
        scheme = urlsplit(uri).scheme.lower()
    except ValueError as exc:
        raise ConfigurationError("redirect_uri is not a valid URI") from exc
    if scheme in ("http", "https"):
        return require_secure_url(uri, "redirect_uri")
    if "." in scheme:  # reverse-domain private-use scheme, e.g. com.example.app:/cb
        return uri
    raise ConfigurationError(
        f"redirect_uri must be https, loopback http or a private-use scheme: {uri!r}"
    )


def _as_metadata(value: object) -> ProviderMetadata:
    if isinstance(value, ProviderMetadata):
        return value
    if isinstance(value, Mapping):
        try:
            return ProviderMetadata.model_validate(dict(value))
        except ValidationError as exc:
            raise ConfigurationError(f"invalid metadata: {describe_validation_error(exc)}") from exc
    raise ConfigurationError("metadata must be a ProviderMetadata (or a mapping of its fields)")


class OAuthClient:
    """An async OAuth 2.0 client with PKCE, for one registered application.

    Give either ``issuer`` (metadata is discovered from
    ``{issuer}/.well-known/openid-configuration``) or ``metadata`` (static endpoints).

    Example:
        >>> async with OAuthClient("my-app", "https://app.example/cb",
        ...                        issuer="https://id.example") as oauth:   # doctest: +SKIP
        ...     pending = await oauth.start_login()
        ...     # redirect the user to pending.authorization_url; keep `pending`
        ...     tokens = await oauth.complete_login(callback_url, pending)
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
        id_token_leeway: float = 120.0,
        allow_hs256_id_tokens: bool = False,
        basic_auth_encoding: Literal["form", "raw"] = "form",
    ) -> None:
        if not isinstance(client_id, str) or not client_id:
            raise ConfigurationError("client_id must be a non-empty string")
        if (issuer is None) == (metadata is None):
            raise ConfigurationError("give exactly one of issuer= (discovery) or metadata=")
        if issuer is not None:
            require_secure_url(issuer, "issuer")
            if urlsplit(issuer).query:
                raise ConfigurationError("issuer must not contain a query")
        if metadata is not None:
            metadata = _as_metadata(metadata)
        if client_secret is not None and (not isinstance(client_secret, str) or not client_secret):
            raise ConfigurationError("client_secret must be a non-empty string or None")
        if token_endpoint_auth_method not in (
            None,
            "none",
            "client_secret_basic",
            "client_secret_post",
        ):
            raise ConfigurationError(
                f"unsupported token_endpoint_auth_method {token_endpoint_auth_method!r}"
            )
        if token_endpoint_auth_method in ("client_secret_basic", "client_secret_post") and (
            not client_secret
        ):
            raise ConfigurationError(f"{token_endpoint_auth_method} needs a client_secret")
        if basic_auth_encoding not in ("form", "raw"):
            raise ConfigurationError("basic_auth_encoding must be 'form' or 'raw'")
        for name, value in (("scope_param", scope_param), ("scope_separator", scope_separator)):
            if not isinstance(value, str) or not value:
                raise ConfigurationError(f"{name} must be a non-empty string")
        if not callable(clock):
            raise ConfigurationError("clock must be a callable returning epoch seconds")
        self._login_lifetime = check_seconds("login_lifetime", login_lifetime, positive=True)
        self._metadata_ttl = check_seconds("metadata_ttl", metadata_ttl)
        self._timeout = check_seconds("timeout", timeout, positive=True)
        self._client_id = client_id
        self._redirect_uri = _check_redirect_uri(redirect_uri)
        self._issuer = issuer if issuer is not None else metadata.issuer  # type: ignore[union-attr]
        self._scope_param = scope_param
        self._scope_separator = scope_separator
        self._scopes = self._checked_scopes(scopes)
        self._client_secret = client_secret
        self._auth_method = token_endpoint_auth_method
        self._form_encode_basic = basic_auth_encoding == "form"
        self._clock = clock
        self._static_metadata = metadata
        self._discovered: ProviderMetadata | None = None
        self._discovered_at = 0.0
        self._discovery_lock = anyio.Lock()
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else AsyncClient(timeout=timeout)
        self._id_tokens = IdTokenVerifier(
            client_id=client_id,
            http_client=self._http,
            clock=clock,
            leeway=check_seconds("id_token_leeway", id_token_leeway),
            client_secret=client_secret,
            allow_hs256=allow_hs256_id_tokens,
        )

    @property
    def client_id(self) -> str:
        """The registered client id."""
        return self._client_id

    @property
    def redirect_uri(self) -> str:
        """Where the provider sends the user back to."""
        return self._redirect_uri

    @property
    def issuer(self) -> str:
        """The provider's issuer identifier (discovered from, or the static metadata's)."""
        return self._issuer

    @property
    def scopes(self) -> tuple[str, ...]:
        """The scopes a login asks for unless ``start_login`` is given others."""
        return self._scopes

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
        **options: Any,
    ) -> OAuthClient:
        """A client for lexoffice's partner OAuth (static endpoints, no discovery).

        It authenticates with HTTP Basic over the raw ``client_id:client_secret`` and sends
        scopes as ``scopes=a,b``, as real partner integrations do. lexoffice returns no
        id_token and documents no RFC 7009 revocation.
        Scope names come with your partner agreement; real integrations use names such as
        ``contacts.read`` and ``vouchers.write``.

        Example:
            >>> oauth = OAuthClient.lexoffice_partner(
            ...     "id", "secret", "https://shop.example/lexoffice/callback",
            ...     scopes=["profile.read", "contacts.read"])   # doctest: +SKIP
        """
        fixed = {
            "metadata",
            "client_secret",
            "scopes",
            "token_endpoint_auth_method",
            "scope_param",
            "scope_separator",
            "basic_auth_encoding",
        }
        clash = sorted(fixed.intersection(options))
        if clash:
            raise ConfigurationError(f"the lexoffice preset sets {', '.join(clash)} itself")
        return cls(
            client_id,
            redirect_uri,
            metadata=lexoffice_partner_metadata(app_base_url),
            client_secret=client_secret,
            scopes=scopes,
            token_endpoint_auth_method="client_secret_basic",
            scope_param="scopes",
            scope_separator=",",
            basic_auth_encoding="raw",
            **options,
        )

    def _checked_scopes(self, scopes: object) -> tuple[str, ...]:
        if isinstance(scopes, str) or not isinstance(scopes, Iterable):
            raise ConfigurationError(
                "scopes must be a list of scope names, e.g. ['openid', 'email']"
            )
        result = tuple(scopes)
        for scope in result:
            if (
                not isinstance(scope, str)
                or not scope
                or self._scope_separator in scope
                or any(c.isspace() for c in scope)
            ):
                raise ConfigurationError(f"invalid scope name {scope!r}")
        return result

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
        secret = ", client_secret=***" if self._client_secret else ""
        return f"OAuthClient(client_id={self.client_id!r}, issuer={self.issuer!r}{secret})"

    # --- discovery ----------------------------------------------------------------------------

    async def metadata(self) -> ProviderMetadata:
        """The provider's metadata: static, or discovered once and cached for ``metadata_ttl``.

        Concurrent first calls share one fetch.
        """
        if self._static_metadata is not None:
            return self._static_metadata
        cached = self._discovered
        if cached is not None and time.monotonic() - self._discovered_at < self._metadata_ttl:
            return cached
        async with self._discovery_lock:
            # Another task may have fetched while we waited for the lock.
            cached = self._discovered
            if cached is not None and time.monotonic() - self._discovered_at < self._metadata_ttl:
                return cached
            fresh = await self._discover()
            self._discovered, self._discovered_at = fresh, time.monotonic()
            return fresh

    async def _discover(self) -> ProviderMetadata:
        url = discovery_url(self.issuer)
        origin = origin_of(url)
        for _ in range(_MAX_DISCOVERY_REDIRECTS + 1):
            response = await self._send("GET", url, DiscoveryError, "discovery")
            if response.status_code in (301, 302, 303, 307, 308):
                location = response.headers.get("location")
                if not location:
                    raise DiscoveryError("discovery redirect has no Location header")
                try:
                    target = str(response.url.join(location))
                    target_origin = origin_of(target)
                except ValueError as exc:  # ConfigurationError included
                    raise DiscoveryError("discovery redirect has an invalid Location") from exc
                if target_origin != origin:
                    raise DiscoveryError(
                        f"discovery redirected to another origin ({target_origin}); refused"
                    )
                url = target
                continue
            if response.status_code != 200:
                raise DiscoveryError(
                    f"discovery document request failed with HTTP {response.status_code}"
                )
            return parse_discovery_document(_body(response, DiscoveryError), self.issuer)
        raise DiscoveryError("discovery followed too many redirects")

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
        metadata = await self.metadata()
        return build_login(
            metadata,
            client_id=self.client_id,
            redirect_uri=self.redirect_uri,
            scopes=self._checked_scopes(scopes) if scopes is not None else self.scopes,
            now=self._clock(),
            lifetime=self._login_lifetime,
            scope_param=self._scope_param,
            scope_separator=self._scope_separator,
            extra_params=extra_params,
        )

    async def complete_login(self, callback_url: str, pending: PendingLogin) -> TokenSet:
        """Check the callback against ``pending`` and exchange its code for tokens.

        Raises ``AuthorizationDenied``, ``StateMismatchError``, ``IssuerMismatchError``,
        ``LoginExpiredError`` or ``CallbackError`` for a bad callback, before any code is sent.
        """
        metadata = await self.metadata()
        if pending.issuer != metadata.issuer:
            raise IssuerMismatchError("this pending login was started with another provider")
        code = parse_callback(callback_url, pending, metadata, now=self._clock())
        return await self.exchange_code(code, pending)

    async def exchange_code(self, code: str, pending: PendingLogin) -> TokenSet:
        """Exchange an authorization code for tokens, with the pending login's PKCE verifier.

        Use ``complete_login`` when you have the callback URL: it also checks ``state`` and
        ``iss``. This is for providers that show the code to the user to paste (out of band).
        """
        if not isinstance(code, str) or not code.strip():
            raise ConfigurationError("the authorization code is empty")
        metadata = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code.strip(),
            "redirect_uri": pending.redirect_uri,
            "code_verifier": pending.code_verifier.get_secret_value(),
        }
        tokens = await self._token_request(metadata, form, requested_scopes=pending.scopes)
        return await self._checked_login_tokens(metadata, tokens, pending)

    async def _checked_login_tokens(
        self, metadata: ProviderMetadata, tokens: TokenSet, pending: PendingLogin
    ) -> TokenSet:
        """Verify the login's id_token (OIDC Core §3.1.3.7) and attach its claims."""
        if tokens.id_token is None:
            if pending.nonce is not None:
                # Core §3.1.3.3: an OpenID request must come back with an id_token.
                raise IdTokenError("missing", "the provider returned no id_token for openid")
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
        except JWKSError as exc:
            # The refresh already happened: with rotation the old refresh token is dead, so
            # dropping these tokens would force a new login over a JWKS outage. Keep them and
            # the identity proven at login; only the unverifiable new id_token is discarded.
            logger.warning("new id_token not verified after refresh, kept previous one: %s", exc)
            return tokens.model_copy(
                update={"id_token": previous.id_token, "id_claims": previous.id_claims}
            )
        return tokens.model_copy(update={"id_claims": claims})

    # --- tokens in use ----------------------------------------------------------------------------

    def auth_for(
        self,
        account_key: str,
        store: TokenStore | None = None,
        *,
        api_origins: Iterable[str] = DEFAULT_API_ORIGINS,
        **options: Unpack[SourceOptions],
    ) -> LexofficeAuth:
        """An ``httpx.Auth`` that keeps ``account_key``'s tokens in ``store`` fresh.

        ``options`` go to the ``TokenSource`` (``leeway``, ``on_token``, ``retries``, ...);
        its clock defaults to this client's. Save the login's tokens once with
        ``await auth.source.save(tokens)``.

        Example:
            >>> auth = oauth.auth_for("acme", FileTokenStore("tokens.json"))   # doctest: +SKIP
            >>> await auth.source.save(tokens)                                  # doctest: +SKIP
            >>> async with httpx.AsyncClient(auth=auth) as client:              # doctest: +SKIP
            ...     await client.get("https://api.lexware.io/v1/profile")
        """
        options.setdefault("clock", self._clock)
        return make_auth(self, account_key, store, api_origins=api_origins, **options)

    # --- OpenID Connect extras -------------------------------------------------------------------

    async def userinfo(self, token_set: TokenSet) -> dict[str, Any]:
        """The userinfo endpoint's claims for ``token_set``; its ``sub`` must be the id_token's.

        Raises ``UserInfoError`` when there is no verified id_token to compare with, the
        endpoint fails, or it names another subject.
        """
        if token_set.id_claims is None:
            raise UserInfoError("no verified id_token: log in with the openid scope first")
        metadata = await self.metadata()
        return await fetch_userinfo(
            self._http,
            metadata,
            token_set.access_token.get_secret_value(),
            token_set.id_claims.sub,
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
        ``ReauthenticationRequired`` when there is no refresh token, ``InvalidGrantError``
        when the provider no longer accepts it, ``NetworkError`` when it cannot be reached.
        """
        if token_set.refresh_token is None:
            raise ReauthenticationRequired("the token set has no refresh token; log in again")
        metadata = await self.metadata()
        form = {
            "grant_type": "refresh_token",
            "refresh_token": token_set.refresh_token.get_secret_value(),
        }
        tokens = await self._token_request(metadata, form, previous=token_set)
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
        metadata = await self.metadata()
        endpoint = metadata.revocation_endpoint
        if endpoint is None:
            raise RevocationError("the provider has no revocation endpoint")
        if isinstance(token, TokenSet):
            pairs: list[tuple[str, str]] = []
            if token.refresh_token is not None:
                pairs.append((token.refresh_token.get_secret_value(), "refresh_token"))
            pairs.append((token.access_token.get_secret_value(), "access_token"))
        else:
            if not token:
                raise ConfigurationError("the token to revoke is empty")
            pairs = [(token, token_type_hint or "")]
        method = self._client_auth_method(metadata, revocation=True)
        for value, hint in pairs:
            headers, form = client_auth(
                method, self.client_id, self._client_secret, form_encode=self._form_encode_basic
            )
            form["token"] = value
            if hint:
                form["token_type_hint"] = hint
            response = await self._send(
                "POST", endpoint, RevocationError, "revocation", data=form, headers=headers
            )
            # RFC 7009 §2.2: 200 whether or not the token was valid.
            if response.status_code != 200:
                raise RevocationError(
                    f"revocation failed with HTTP {response.status_code}{_oauth_error(response)}",
                    status_code=response.status_code,
                )

    # --- wire ----------------------------------------------------------------------------------

    def _client_auth_method(
        self, metadata: ProviderMetadata, *, revocation: bool = False
    ) -> ClientAuthMethod:
        if self._auth_method is not None:
            return self._auth_method
        if not self._client_secret:
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

    async def _token_request(
        self,
        metadata: ProviderMetadata,
        form: dict[str, str],
        *,
        previous: TokenSet | None = None,
        requested_scopes: tuple[str, ...] = (),
    ) -> TokenSet:
        headers, auth_fields = client_auth(
            self._client_auth_method(metadata),
            self.client_id,
            self._client_secret,
            form_encode=self._form_encode_basic,
        )
        response = await self._send(
            "POST",
            metadata.token_endpoint,
            NetworkError,
            "token",
            data={**form, **auth_fields},
            headers=headers,
        )
        return parse_token_response(
            response.status_code,
            _body(response, InvalidTokenResponse),
            now=self._clock(),
            previous=previous,
            requested_scopes=requested_scopes,
        )

    async def _send(
        self,
        method: str,
        url: str,
        error: type[Exception],
        what: str,
        *,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """Send one request; an HTTP-library failure (connect, timeout, decode) is ``error``."""
        all_headers = dict(_FORM) if data is not None else {"Accept": "application/json"}
        all_headers.update(headers or {})
        host = _host(url)

        def failure(exc: BaseException) -> Exception:
            if is_timeout(exc):
                return error(f"{what} request to {host} timed out")
            return error(f"{what} request to {host} failed: {type(exc).__name__}")

        return await read_limited(
            self._http,
            method,
            url,
            headers=all_headers,
            data=data,
            time_limit=self._timeout,
            limit=_MAX_RESPONSE_BYTES,
            failure=failure,
        )


def _body(reply: Reply, error: type[Exception]) -> bytes:
    """The reply's body, or ``error`` when it was larger than we read."""
    if reply.body is None:
        message = (
            f"response from {_host(str(reply.url))} is larger than {_MAX_RESPONSE_BYTES} bytes"
        )
        if issubclass(error, InvalidTokenResponse):
            raise InvalidTokenResponse(message, status_code=reply.status_code, transient=False)
        raise error(message)
    return reply.body


def _host(url: str) -> str:
    host = urlsplit(url).hostname or url
    return f"{host} (loopback)" if is_loopback_host(host) else host


def _oauth_error(reply: Reply) -> str:
    try:
        data = json.loads(reply.body or b"")
    except (ValueError, RecursionError):
        return ""
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return f": {data['error']}"
    return ""
