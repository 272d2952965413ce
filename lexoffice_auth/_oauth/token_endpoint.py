"""The token and revocation endpoints on the wire: client authentication, forms, responses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from .._core.clock import Clock
from .._core.http import AsyncClient, is_transient_status
from .._core.wire import body_of, oauth_error_suffix, send
from ..errors import ConfigurationError, NetworkError, RevocationError, TokenEndpointError
from ..rules import parse_retry_after
from .config import ClientConfig

if TYPE_CHECKING:
    # The pydantic models load with the first grant, so importing OAuthClient stays cheap.
    from .metadata import ProviderMetadata
    from .tokens import ClientAuthMethod, TokenSet

__all__ = ["TokenEndpoint"]


class TokenEndpoint:
    """Sends grant and revocation requests for one configured client (``OAuthClient``'s)."""

    def __init__(self, config: ClientConfig, http: AsyncClient, clock: Clock) -> None:
        self._config = config
        self._http = http
        self._clock = clock

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

    def _credentials(
        self, metadata: ProviderMetadata, *, revocation: bool = False
    ) -> tuple[dict[str, str], dict[str, str]]:
        from .tokens import client_auth

        config = self._config
        return client_auth(
            self.auth_method(metadata, revocation=revocation),
            config.client_id,
            config.client_secret,
            form_encode=config.basic_auth_encoding == "form",
        )

    async def grant(
        self,
        metadata: ProviderMetadata,
        form: dict[str, str],
        *,
        previous: TokenSet | None = None,
        requested_scopes: tuple[str, ...] = (),
    ) -> TokenSet:
        """POST a grant (RFC 6749 §4.1.3, §6) and parse the answer into a ``TokenSet``."""
        from .tokens import parse_token_response

        headers, auth_fields = self._credentials(metadata)
        reply = await send(
            self._http,
            "POST",
            metadata.token_endpoint,
            NetworkError,
            "token",
            data={**form, **auth_fields},
            headers=headers,
            time_limit=self._config.timeout,
        )
        body = body_of(reply, lambda m: TokenEndpointError(m, status_code=reply.status_code))
        try:
            return parse_token_response(
                reply.status_code,
                body,
                now=self._clock(),
                previous=previous,
                requested_scopes=requested_scopes,
            )
        except TokenEndpointError as exc:
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
            headers, form = self._credentials(metadata, revocation=True)
            form["token"] = value
            if hint:
                form["token_type_hint"] = hint
            reply = await send(
                self._http,
                "POST",
                endpoint,
                RevocationError,
                "revocation",
                data=form,
                headers=headers,
                time_limit=self._config.timeout,
            )
            # RFC 7009 §2.2: 200 whether or not the token was valid.
            if reply.status_code != 200:
                raise RevocationError(
                    f"revocation failed with HTTP {reply.status_code}{oauth_error_suffix(reply)}",
                    status_code=reply.status_code,
                    transient=is_transient_status(reply.status_code),
                )
