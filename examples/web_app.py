"""A small FastAPI service that connects lexoffice accounts and calls the API for them.

What it shows, end to end (``tests/integration/test_web_app.py`` runs all of it against the
sandbox):

* ``GET /connect?account=acme`` starts an OAuth login for the account ``acme`` and sends the
  browser to the provider. The login in progress (PKCE verifier, state, nonce) travels in a
  sealed cookie, so the service keeps no per-login state of its own.
* ``GET /callback`` is where the provider sends the browser back. The cookie is opened, the
  login completed, the tokens saved for the account, and the cookie deleted.
* ``GET /accounts/{account}/contacts`` lists the account's contacts; tokens refresh on their
  own. An account that must log in again gets 401 with a link to ``/connect``.
* ``POST /webhooks/lexoffice`` receives lexoffice's signed events; ``token.revoked`` marks the
  account's tokens revoked, so its next API call answers 401 at once.

Configuration is environment variables (see `Settings.from_env` and
``docs/guides/web-app.md``). Run it with::

    uvicorn examples.web_app:create_app --factory --port 8000

Account keys here come from the query string because the example has no users of its own.
In your service the account is the signed-in user's (or tenant's) id from your own session;
never let one user name another user's account.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import os
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from lexoffice_auth import (
    AuthPool,
    FileTokenStore,
    LexofficeClient,
    OAuthClient,
    PendingLogin,
    ReauthenticationRequired,
    TokenStore,
)
from lexoffice_auth.api import API_BASE_URL, Contact, TokenBucket
from lexoffice_auth.errors import (
    AuthorizationDenied,
    ConfigurationError,
    LexofficeAuthError,
    LoginError,
    TokenEndpointError,
)
from lexoffice_auth.stores import EncryptedTokenStore
from lexoffice_auth.webhooks import WebhookEvent, revoke_connection, webhook_endpoint

__all__ = ["Settings", "create_app"]

logger = logging.getLogger("web_app")

PENDING_COOKIE = "lexoffice_pending_login"
# A login must finish within this many seconds; it matches OAuthClient's login_lifetime.
LOGIN_MAX_AGE = 600
# Account keys end up in a cookie, a URL path and a store key: keep them boring.
ACCOUNT_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")


# --- configuration ---------------------------------------------------------------------


def default_token_store() -> Path:
    """``tokens.json`` in this user's data directory (never the working directory, which is
    often a repository: tokens and lock files do not belong there)."""
    import platformdirs

    return (
        Path(platformdirs.user_data_dir("lexoffice-auth-web-app", appauthor=False)) / "tokens.json"
    )


@dataclass(frozen=True)
class Settings:
    """Everything the app needs, read from the environment by `from_env`."""

    client_id: str
    redirect_uri: str
    cookie_key: str
    client_secret: str | None = None
    # An OpenID provider with discovery (e.g. the sandbox); None: lexoffice's partner OAuth.
    issuer: str | None = None
    app_base_url: str | None = None
    scopes: tuple[str, ...] = ()
    api_base: str = API_BASE_URL
    token_store: Path = field(default_factory=default_token_store)
    token_keys: tuple[str, ...] = ()
    webhook_public_key: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``LEXOFFICE_*`` variables; a missing required one is a ``ConfigurationError``.

        Required: ``LEXOFFICE_CLIENT_ID``, ``LEXOFFICE_REDIRECT_URI``, ``LEXOFFICE_COOKIE_KEY``
        (and ``LEXOFFICE_CLIENT_SECRET`` for lexoffice's partner OAuth). Optional:
        ``LEXOFFICE_ISSUER`` (use a provider with discovery instead of the lexoffice preset),
        ``LEXOFFICE_APP_BASE_URL`` (the preset's host), ``LEXOFFICE_SCOPES`` (comma-separated),
        ``LEXOFFICE_API_BASE``, ``LEXOFFICE_TOKEN_STORE`` (a file path),
        ``LEXOFFICE_TOKEN_KEYS`` (comma-separated keys: encrypt the stored tokens), and
        ``LEXOFFICE_WEBHOOK_PUBLIC_KEY`` (PEM text, or the path of a PEM file).
        """
        env = os.environ if environ is None else environ

        def required(name: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                raise ConfigurationError(f"set the environment variable {name}")
            return value

        def optional(name: str) -> str | None:
            return env.get(name, "").strip() or None

        def listed(name: str) -> tuple[str, ...]:
            return tuple(item.strip() for item in env.get(name, "").split(",") if item.strip())

        issuer = optional("LEXOFFICE_ISSUER")
        if issuer is not None:
            # A provider with discovery; offline_access asks for a refresh token.
            default_scopes: tuple[str, ...] = ("openid", "offline_access", "profile.read")
        else:
            default_scopes = ("profile.read",)
        # profile.read: the callback reads GET /v1/profile to learn the connection id.
        scopes = listed("LEXOFFICE_SCOPES") or (*default_scopes, "contacts.read")
        return cls(
            client_id=required("LEXOFFICE_CLIENT_ID"),
            client_secret=(
                optional("LEXOFFICE_CLIENT_SECRET")
                if issuer is not None
                else required("LEXOFFICE_CLIENT_SECRET")
            ),
            redirect_uri=required("LEXOFFICE_REDIRECT_URI"),
            cookie_key=required("LEXOFFICE_COOKIE_KEY"),
            issuer=issuer,
            app_base_url=optional("LEXOFFICE_APP_BASE_URL"),
            scopes=scopes,
            api_base=optional("LEXOFFICE_API_BASE") or API_BASE_URL,
            token_store=Path(optional("LEXOFFICE_TOKEN_STORE") or default_token_store()),
            token_keys=listed("LEXOFFICE_TOKEN_KEYS"),
            webhook_public_key=_pem(optional("LEXOFFICE_WEBHOOK_PUBLIC_KEY")),
        )


def _pem(value: str | None) -> str | None:
    """PEM text as given, or read from the file a path names (PEM is awkward in env files)."""
    if value is None or value.startswith("-----BEGIN"):
        return value
    try:
        return Path(value).read_text(encoding="ascii")
    except (OSError, UnicodeError) as exc:
        raise ConfigurationError(
            f"LEXOFFICE_WEBHOOK_PUBLIC_KEY is neither PEM text nor a readable file: {exc}"
        ) from None


def _key_bytes(text: str) -> bytes:
    """The cookie key: base64 of at least 32 random bytes (``secrets.token_urlsafe(32)``)."""
    cleaned = text.strip().rstrip("=").replace("+", "-").replace("/", "_")
    try:
        raw = base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) < 32:
        raise ConfigurationError(
            "LEXOFFICE_COOKIE_KEY must be base64 of at least 32 random bytes; make one with "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return raw


# --- the app ---------------------------------------------------------------------------


def create_app(settings: Settings | None = None) -> FastAPI:
    """The FastAPI app; without ``settings`` they come from the environment."""
    settings = settings if settings is not None else Settings.from_env()
    cookie_key = _key_bytes(settings.cookie_key)

    # One OAuth client serves every account: it keeps no per-user state.
    if settings.issuer is not None:
        oauth = OAuthClient(
            settings.client_id,
            settings.redirect_uri,
            issuer=settings.issuer,
            client_secret=settings.client_secret,
            scopes=settings.scopes,
            login_lifetime=LOGIN_MAX_AGE,
        )
    else:
        assert settings.client_secret is not None  # from_env requires it for the preset
        preset: dict[str, Any] = {}
        if settings.app_base_url is not None:
            preset["app_base_url"] = settings.app_base_url
        oauth = OAuthClient.lexoffice_partner(
            settings.client_id,
            settings.client_secret,
            settings.redirect_uri,
            scopes=settings.scopes,
            login_lifetime=LOGIN_MAX_AGE,
            **preset,
        )

    # Tokens of every account in one file (locked across processes), encrypted at rest when
    # keys are configured: a leaked file or backup then holds no usable token.
    store: TokenStore = FileTokenStore(settings.token_store)
    if settings.token_keys:
        store = EncryptedTokenStore(store, settings.token_keys)
    # The pool hands out one cached, self-refreshing auth per account. api_origins is where
    # tokens may go: only the configured API, never anywhere else.
    api_origin = "{0.scheme}://{0.netloc}".format(urlsplit(settings.api_base))
    pool = AuthPool(oauth, store, api_origins=[api_origin])
    # One HTTP client (connection reuse) and one rate limiter for all API calls: lexoffice
    # allows 2 requests per second per API client, whichever account they are for.
    http = httpx.AsyncClient(timeout=httpx.Timeout(40.0, connect=10.0))
    limiter = TokenBucket(2.0)

    def lexoffice(account: str) -> LexofficeClient:
        # Cheap to build per request: the auth is cached in the pool, the rest is shared.
        return LexofficeClient(
            pool.get(account), base_url=settings.api_base, http_client=http, limiter=limiter
        )

    # The pending-login cookie goes back only to the callback, and only over HTTPS unless the
    # redirect URI is loopback http (local development; browsers and httpx alike would drop
    # a Secure cookie there). SameSite=Lax: the provider's redirect back is a top-level GET
    # navigation, which Lax lets through; cross-site POSTs and subresources do not get it.
    callback = urlsplit(settings.redirect_uri)
    cookie_flags: dict[str, Any] = {
        "path": callback.path or "/",
        "secure": callback.scheme == "https",
        "httponly": True,
        "samesite": "lax",
    }

    def seal_key(account: str) -> bytes:
        # The account travels in the cookie next to the sealed login. Sealing with a key
        # derived from the account binds the two: a cookie edited to name another account
        # does not open, so a login always lands on the account that started it.
        return hmac.digest(cookie_key, b"pending login for account\0" + account.encode(), "sha256")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await http.aclose()
        await oauth.aclose()

    app = FastAPI(title="lexoffice-auth example", lifespan=lifespan)

    @app.get("/connect")
    async def connect(account: str) -> Response:
        """Start connecting ``account`` to lexoffice: redirect to the provider."""
        if not ACCOUNT_KEY.fullmatch(account):
            return _problem(400, "bad_account", "account must be 1-64 of A-Z a-z 0-9 _ -")
        try:
            pending = await oauth.start_login()  # discovery, on first use only (cached)
        except LexofficeAuthError as exc:
            return _problem(502, "provider_error", str(exc))
        response = RedirectResponse(pending.authorization_url, status_code=302)
        response.set_cookie(
            PENDING_COOKIE,
            f"{account}.{pending.seal(seal_key(account))}",
            max_age=LOGIN_MAX_AGE,
            **cookie_flags,
        )
        return response

    @app.get("/callback")
    async def finish(request: Request) -> Response:
        """The provider sends the browser back here with ``code``, ``state`` and ``iss``."""
        response: Response
        cookie = request.cookies.get(PENDING_COOKIE)
        account, _, sealed = (cookie or "").partition(".")
        try:
            if not cookie or not ACCOUNT_KEY.fullmatch(account):
                raise LoginError(
                    "no login in progress in this browser (the cookie is missing or expired); "
                    "start again at /connect",
                    reason="pending",
                )
            pending = PendingLogin.unseal(sealed, seal_key(account), max_age=LOGIN_MAX_AGE)
            # The full URL the browser came back to: complete_login checks that it arrived at
            # the redirect URI. Behind a proxy, make the framework see the public URL.
            tokens = await oauth.complete_login(str(request.url), pending)
        except AuthorizationDenied as exc:
            response = _problem(403, "denied", f"lexoffice access was not granted: {exc}")
        except LoginError as exc:
            # Tampered, expired or foreign cookie; wrong state or issuer: all are the
            # browser's problem, none is worth a retry of the same callback.
            response = _problem(400, "login_failed", str(exc))
        except TokenEndpointError as exc:
            # invalid_grant: the code was used already or has expired (a replayed or late
            # callback); anything else is the provider failing.
            if exc.error == "invalid_grant":
                response = _problem(400, "login_failed", str(exc))
            else:
                response = _problem(502, "provider_error", str(exc))
        except LexofficeAuthError as exc:  # discovery, network, id_token checks
            response = _problem(502, "provider_error", str(exc))
        else:
            await pool.get(account).source.save(tokens)
            try:
                # Learn the connection id now (GET /v1/profile), so that a later token.revoked
                # finds this account: the SDK keeps it with the tokens and indexes it in the
                # same store. A late event for an older connection leaves this login alone.
                async with lexoffice(account) as lx:
                    connection_id = await lx.record_connection()
            except LexofficeAuthError as exc:
                # The tokens are saved and work; only revocation by webhook would miss them.
                response = _problem(502, "profile_unavailable", f"connected, but {exc}")
            else:
                logger.info("account %r connected (connection %s)", account, connection_id)
                response = RedirectResponse(f"/accounts/{account}/contacts", status_code=303)
        # Single use, whatever happened: a pending login must not be replayed.
        response.delete_cookie(PENDING_COOKIE, **cookie_flags)
        return response

    @app.get("/accounts/{account}/contacts")
    async def contacts(account: str) -> Response:
        """The first page of the account's contacts."""
        if not ACCOUNT_KEY.fullmatch(account):
            return _problem(400, "bad_account", "account must be 1-64 of A-Z a-z 0-9 _ -")
        try:
            async with lexoffice(account) as lx:
                page = await lx.contacts.list(size=25)
        except ReauthenticationRequired:
            # Never connected, revoked (token.revoked), or the refresh token expired: only a
            # new login helps. 401 plus where to go; the SDK's message stays in the log.
            logger.info("account %r must connect again", account, exc_info=True)
            return _problem(
                401,
                "reauthentication_required",
                "connect your lexoffice account again",
                connect=f"/connect?account={quote(account)}",
            )
        except LexofficeAuthError as exc:  # lexoffice or the token endpoint failed
            return _problem(502, "lexoffice_error", str(exc))
        return JSONResponse(
            {
                "account": account,
                "contacts": [
                    {"id": contact.id, "name": _display_name(contact)} for contact in page.content
                ],
            }
        )

    async def on_event(event: WebhookEvent) -> None:
        # Called only for a body whose signature checked out. token.revoked: the user
        # disconnected the app in lexoffice; tombstone the account's tokens (every process
        # sharing the store sees it) so its next call answers 401 without a token request.
        # The account comes from the store's connection index (record_connection above).
        account = await revoke_connection(event, pool=pool)
        if account is not None:
            logger.info("account %r revoked by lexoffice", account)

    if settings.webhook_public_key is not None:
        # Signature checks (401), body limits (413) and parsing (400) are the SDK's.
        app.add_route(
            "/webhooks/lexoffice",
            webhook_endpoint(settings.webhook_public_key, on_event),
            methods=["POST"],
        )
    else:
        logger.warning("LEXOFFICE_WEBHOOK_PUBLIC_KEY is not set: no webhook endpoint")
    return app


def _problem(status: int, error: str, message: str, **extra: str) -> JSONResponse:
    return JSONResponse({"error": error, "message": message, **extra}, status_code=status)


def _display_name(contact: Contact) -> str | None:
    company, person = contact.company, contact.person
    if company is not None:
        return company.name
    if person is not None:
        return " ".join(p for p in (person.first_name, person.last_name) if p) or None
    return None
