"""What the command line keeps per profile, and how it turns that into clients.

A profile is one account key in a ``FileTokenStore``. Its entry is
an ordinary ``TokenSet`` whose ``extra["lexoffice_auth_cli"]``
records how it was obtained (no secret is kept there):

* ``{"kind": "oauth", "provider": "oidc" | "lexoffice-partner", "issuer", "client_id",
  "redirect_uri", "scopes", "api_base", "fapi"}`` for a browser login: the access and
  refresh tokens are the token set's own. ``fapi`` holds the login's PAR, DPoP and client
  key options (``cli._fapi``; the key by its path only), for the same client later.
  ``token`` and the API commands refresh it through a
  ``RefreshingTokenSource`` (the client secret, if the provider
  needs one, comes from the flags, environment or config file, never from the store);
  every refreshed token set gets the same marker before it is saved.
* ``{"kind": "api_key", "api_base"}`` for ``login --api-key``: the key is the access
  token, with no expiry and no refresh token.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lexoffice_auth.errors import ConfigurationError, ReauthenticationRequired
from lexoffice_auth.rules import API_BASE_URL as DEFAULT_BASE_URL

if TYPE_CHECKING:  # imported where used: `token` with a valid token needs none of them
    import httpx

    from lexoffice_auth import (
        FileTokenStore,
        OAuthClient,
        RefreshingTokenSource,
        TokenSet,
    )
    from lexoffice_auth.stores import StoredTokenSet

from ._fapi import FapiOptions
from ._settings import Settings

__all__ = [
    "MARKER",
    "Profile",
    "ValidToken",
    "build_oauth",
    "mark",
    "partner_paste_redirect_uri",
]

MARKER = "lexoffice_auth_cli"
DEFAULT_OIDC_SCOPES = ("openid", "email", "profile")
DEFAULT_APP_BASE_URL = "https://app.lexoffice.de"


def mark(tokens: TokenSet, marker: dict[str, Any]) -> TokenSet:
    """``tokens`` with the CLI's marker in ``extra`` (the tokens themselves unchanged).

    A copy, not a re-validation: the tokens were validated when they were made, and the
    marker is plain JSON (text and a list of scopes) that the store checks when it saves.
    """
    return tokens.model_copy(update={"extra": {**tokens.extra, MARKER: dict(marker)}})


def partner_paste_redirect_uri(app_base_url: str) -> str:
    """The lexoffice-hosted page that shows the code (what partner integrations use)."""
    return app_base_url.rstrip("/") + "/api/oauth2/authorization_code"


def build_oauth(
    settings: Settings,
    *,
    provider: str,
    redirect_uri: str,
    issuer: str | None = None,
    client_id: str | None = None,
    scopes: tuple[str, ...] = (),
    fapi: FapiOptions | None = None,
    http_client: httpx.AsyncClient | None = None,
) -> OAuthClient:
    """An ``OAuthClient``; ``issuer``, ``client_id``, ``scopes`` and ``fapi`` win over the
    settings.

    The settings fill in what is not given, and always supply the client secret (which
    is never stored with the tokens).
    """
    from lexoffice_auth import OAuthClient

    fapi = fapi if fapi is not None else FapiOptions.from_settings(settings)
    client_id = client_id or settings.get("client_id")
    if not client_id:
        raise ConfigurationError(
            "no client id: pass --client-id or set LEXOFFICE_CLIENT_ID "
            "(for an API key use: lexoffice-auth login --api-key)"
        )
    secret = settings.client_secret
    scopes = scopes or settings.scopes
    if provider == "lexoffice-partner":
        if fapi.active:
            raise ConfigurationError(
                "lexoffice's partner OAuth takes no --par, --dpop, --client-key, "
                "--auth-method or --fapi2"
            )
        if not secret:
            raise ConfigurationError(
                "the lexoffice partner preset needs the client secret: pass --client-secret "
                "or set LEXOFFICE_CLIENT_SECRET"
            )
        if not scopes:
            raise ConfigurationError(
                "the lexoffice partner preset needs --scope (names come with your partner "
                "agreement, e.g. contacts.read)"
            )
        app_base = issuer or settings.get("app_base_url") or DEFAULT_APP_BASE_URL
        return OAuthClient.lexoffice_partner(
            client_id,
            secret,
            redirect_uri,
            scopes=scopes,
            app_base_url=app_base,
            http_client=http_client,
        )
    issuer = issuer or settings.get("issuer")
    if not issuer:
        raise ConfigurationError(
            "no provider: pass --issuer URL (an OpenID provider with discovery) or "
            "--lexoffice-partner, or log in with an API key: lexoffice-auth login --api-key"
        )
    return OAuthClient(
        client_id,
        redirect_uri,
        issuer=issuer,
        client_secret=secret,
        scopes=scopes or DEFAULT_OIDC_SCOPES,
        http_client=http_client,
        **fapi.client_kwargs(),
    )


@dataclass(frozen=True)
class ValidToken:
    """An access token valid now, its type (``Bearer`` or ``DPoP``) and its stored set."""

    value: str = field(repr=False)
    token_type: str
    stored: StoredTokenSet = field(repr=False)


class _MarkingRefresher:
    """Refreshes through ``oauth`` and puts the profile's marker back on the result."""

    def __init__(self, oauth: OAuthClient, marker: dict[str, Any]) -> None:
        self._oauth = oauth
        self._marker = marker

    async def refresh(self, token_set: TokenSet) -> TokenSet:
        return mark(await self._oauth.refresh(token_set), self._marker)


@dataclass
class Profile:
    """One profile of the token store, as loaded.

    The entry is read without building its ``TokenSet`` (``stored``), with the same checks:
    ``token`` with a valid token needs only the access token and its expiry, and so never
    loads pydantic. ``tokens`` builds the ``TokenSet`` on first use.
    """

    name: str
    store: FileTokenStore
    stored: StoredTokenSet | None

    @classmethod
    async def load(cls, settings: Settings) -> Profile:
        from lexoffice_auth import FileTokenStore

        store = FileTokenStore(settings.store_path)
        name = settings.profile
        return cls(name, store, await store.load_stored(name))

    @property
    def tokens(self) -> TokenSet | None:
        """The stored ``TokenSet``, or ``None`` when the profile is not logged in."""
        return self.stored.token_set() if self.stored is not None else None

    @property
    def secret(self) -> str | None:
        """The stored access token (for the redactor), or ``None``."""
        return self.stored.access_token_value() if self.stored is not None else None

    @property
    def marker(self) -> dict[str, Any]:
        raw = self.stored.extra.get(MARKER) if self.stored is not None else None
        return raw if isinstance(raw, dict) else {}

    @property
    def kind(self) -> str | None:
        """``oauth``, ``api_key``, ``unknown`` (saved by other code) or ``None`` (no login)."""
        if self.stored is None:
            return None
        kind = self.marker.get("kind")
        return kind if kind in ("oauth", "api_key") else "unknown"

    def require(self) -> TokenSet:
        return self._require_stored().token_set()

    def _require_stored(self) -> StoredTokenSet:
        if self.stored is None:
            raise ReauthenticationRequired(
                f"not logged in (profile {self.name!r}, store {self.store.path})"
            )
        return self.stored

    def api_base(self, settings: Settings) -> str:
        """``--api-base`` / env / config, else the one recorded at login, else lexoffice's.

        Credentials go there, so a config file may name only lexoffice's API or a loopback
        sandbox; another origin must be given explicitly (``--api-base`` or
        ``LEXOFFICE_API_BASE``, then recorded at login).
        """
        recorded = self.marker.get("api_base")
        return (
            settings.api_base
            or (recorded if isinstance(recorded, str) else None)
            or DEFAULT_BASE_URL
        )

    def oauth(self, settings: Settings) -> OAuthClient:
        """The OAuth client this profile logged in with (for refresh and revocation)."""
        marker = self.marker
        scopes = marker.get("scopes")
        provider = str(marker.get("provider", "oidc"))
        fapi = FapiOptions() if provider == "lexoffice-partner" else None
        return build_oauth(
            settings,
            provider=provider,
            redirect_uri=str(marker.get("redirect_uri") or "http://127.0.0.1/callback"),
            issuer=marker.get("issuer"),
            client_id=marker.get("client_id"),
            scopes=tuple(scopes) if isinstance(scopes, list) else (),
            fapi=fapi or FapiOptions.from_marker(marker, settings),
        )

    def auth(self, settings: Settings, api_base: str, oauth: OAuthClient | None) -> httpx.Auth:
        """An ``httpx.Auth`` for ``api_base``: the settings' API key, or the stored login."""
        from lexoffice_auth import ApiKeyAuth, LexofficeAuth

        origins = [api_base]
        key = settings.api_key
        if key:
            return ApiKeyAuth(key, api_origins=origins)
        tokens = self.require()
        if self.kind == "api_key":
            return ApiKeyAuth(tokens.access_token.get_secret_value(), api_origins=origins)
        if oauth is None:
            raise ConfigurationError("this profile holds an OAuth login; an OAuth client is needed")
        return LexofficeAuth(self._source(oauth), api_origins=origins)

    async def access_token(self, settings: Settings) -> ValidToken:
        """A valid access token: the key as is, or the OAuth token refreshed if needed."""
        tokens = self._require_stored()
        if self.kind != "oauth":
            return ValidToken(tokens.access_token_value(), tokens.token_type, tokens)
        # A token well before its refresh deadline needs no OAuth client (and none of its
        # imports): `$(lexoffice-auth token)` in a script stays fast. The deadline is the
        # one RefreshingTokenSource would use.
        import time

        from lexoffice_auth import RefreshPolicy

        if time.time() < RefreshPolicy().deadline_of(tokens, time.time()) < math.inf:
            return ValidToken(tokens.access_token_value(), tokens.token_type, tokens)
        async with self.oauth(settings) as oauth:
            from lexoffice_auth.stores import StoredTokenSet

            fresh = await self._source(oauth).token_set()
            value = fresh.access_token.get_secret_value()
            return ValidToken(value, fresh.token_type, StoredTokenSet.of(fresh))

    def _source(self, oauth: OAuthClient) -> RefreshingTokenSource:
        """The profile's stored OAuth login, refreshed through ``oauth`` (marker kept)."""
        from lexoffice_auth import RefreshingTokenSource

        return RefreshingTokenSource(
            _MarkingRefresher(oauth, self.marker), self.name, self.store, clock=oauth.clock
        )
