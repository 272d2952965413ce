"""``FakeLexoffice``: one object with the sandbox's state, one handler, three mountings."""

from __future__ import annotations

import functools
import math
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import httpx
from httpx import URL, AsyncClient, MockTransport, Request, Response

from lexoffice_auth.errors import ConfigurationError

from ._clock import Clock, FakeClock
from ._controls import DEFAULT_CLIENT_ID, ProviderControls, TokenFailure
from ._events import Events
from ._latency import delayed
from ._model import ConsentRequest, FakeClient, FakeUser
from ._seeding import Seeding
from ._shared import Shared
from ._state import (
    Credential,
    OAuthState,
    Profile,
    RefreshTokenReuse,
    SandboxState,
    TokenNames,
)
from ._urls import origin_of, require_secure_url
from .api import ROUTES, SCOPES, Api
from .api._lists import seed_lists
from .provider import (
    ENDPOINTS,
    HMAC_ALGORITHMS,
    PROVIDER_PATHS,
    Provider,
    check_jwks,
)

if TYPE_CHECKING:
    import respx

    from ._server import FakeServer

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_REDIRECT_URI",
    "DEFAULT_USER",
    "FAKE_API_BASE_URL",
    "FAKE_ISSUER",
    "FakeLexoffice",
    "TokenFailure",
]

FAKE_ISSUER = "https://auth.lexoffice-sandbox.test"
"""The sandbox's default issuer. ``.test`` is a reserved TLD: this is no lexoffice host."""
FAKE_API_BASE_URL = "https://api.lexoffice-sandbox.test"
"""The sandbox's default API base URL (a reserved ``.test`` name, not lexoffice's)."""
DEFAULT_REDIRECT_URI = "http://127.0.0.1/callback"
"""The default client's redirect URI; any port is accepted for it (RFC 8252 §7.3)."""
DEFAULT_USER = FakeUser(
    sub="sandbox-user-1", email="max.mustermann@example.com", name="Max Mustermann"
)
"""The user who logs in unless told otherwise."""


_SECRET_METHODS = ("none", "client_secret_basic", "client_secret_post", "client_secret_jwt")
_SCOPES = tuple(
    dict.fromkeys(
        (
            "openid",
            "profile",
            "email",
            "offline_access",
            "contacts.read",
            "contacts.write",
            "invoices.read",
            "invoices.write",
            "vouchers.read",
            "profile.read",
            *SCOPES,
        )
    )
)


@functools.lru_cache(maxsize=64)  # a sandbox has two bases; parsing them per request is slow
def _origin_and_prefix(base: str) -> tuple[tuple[str, str, int | None], str]:
    base_url = URL(base)
    return (base_url.scheme, base_url.host, base_url.port), base_url.path.rstrip("/")


def _relative(url: URL, base: str) -> str | None:
    """The path of ``url`` below ``base`` (same origin, path prefix), or None."""
    origin, prefix = _origin_and_prefix(base)
    if (url.scheme, url.host, url.port) != origin:
        return None
    path = url.path
    if prefix and not (path == prefix or path.startswith(prefix + "/")):
        return None
    return path[len(prefix) :] or "/"


def _as_seen(request: Request) -> Request:
    """A copy of ``request`` whose headers stay as sent.

    An auth flow that retries changes its request's headers in place; the record must not.
    """
    # A shallow copy by hand: copy.copy goes through httpx's pickling hooks, 4 times slower.
    seen = Request.__new__(Request)
    seen.__dict__.update(vars(request))
    seen.headers = request.headers.copy()
    return seen


def _auth_method(secret: str | None, method: str | None, jwks: Mapping[str, Any] | None) -> str:
    """The client's ``token_endpoint_auth_method``, checked against what it registered."""
    if jwks is not None:
        if secret is not None or method not in (None, "private_key_jwt"):
            raise ConfigurationError("a client with jwks authenticates with private_key_jwt only")
        try:
            check_jwks(jwks)
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        return "private_key_jwt"
    chosen = method or ("client_secret_basic" if secret else "none")
    if chosen == "private_key_jwt":
        raise ConfigurationError("a private_key_jwt client needs jwks= (its public keys)")
    if (chosen == "none") != (secret is None) or chosen not in _SECRET_METHODS:
        raise ConfigurationError(
            "token_endpoint_auth_method must be none for public clients and "
            "client_secret_basic, client_secret_post or client_secret_jwt for ones with a secret"
        )
    if chosen == "client_secret_jwt" and len((secret or "").encode()) < HMAC_ALGORITHMS["HS256"]:
        raise ConfigurationError("a client_secret_jwt secret needs 32 bytes at least (HS256)")
    return chosen


def _check_delay(seconds: object) -> None:
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, (int, float))
        or not math.isfinite(seconds)
        or seconds < 0
    ):
        raise ConfigurationError("token_delay must be a finite number of seconds >= 0")


class FakeLexoffice(ProviderControls, Seeding):
    """An in-memory OpenID provider plus lexoffice API, strict like the real thing.

    The provider is a generic OpenID Connect provider standing in for "a
    standards-compliant provider": lexoffice's own partner OAuth has no discovery and no
    id_token. The API mimics lexoffice's documented contacts, invoices, voucherlist,
    profile and ping endpoints, including its error shapes and its 2 requests/second
    token bucket.

    Mount it as an ``httpx.MockTransport`` (``transport``), as a respx router
    (``mock``), or as a real server on 127.0.0.1 (``serve``).

    Example:
        >>> fake = FakeLexoffice()
        >>> key = fake.add_api_key()
        >>> import httpx
        >>> with httpx.Client(transport=fake.transport()) as http:
        ...     r = http.get(f"{fake.api_base}/v1/ping", headers={"Authorization": f"Bearer {key}"})
        >>> r.json()["userEmail"]
        'max.mustermann@example.com'
    """

    def __init__(
        self,
        *,
        issuer: str = FAKE_ISSUER,
        api_base: str = FAKE_API_BASE_URL,
        clock: Clock | None = None,
        access_token_lifetime: float = 3600,
        refresh_token_lifetime: float | None = None,
        code_lifetime: float = 60,
        rotate_refresh_tokens: bool = True,
        issue_refresh_tokens: bool = True,
        id_token_on_refresh: bool = True,
        rate_limit: float | None = 2.0,
        rate_limit_capacity: float = 2.0,
        rate_limit_scope: Literal["connection", "global"] = "connection",
        enforce_api_scopes: bool = False,
        user: FakeUser = DEFAULT_USER,
        company_name: str = "Sandbox GmbH",
        quirks: Iterable[str] | None = None,
        features: Iterable[str] | None = None,
        token_names: TokenNames = "random",  # noqa: S107 - a naming scheme, no secret
        refresh_token_reuse: RefreshTokenReuse = "revoke",  # noqa: S107 - a policy name
        token_delay: float = 0.0,
        require_par: bool = False,
        require_dpop: bool = False,
        dpop_nonces: bool = False,
        profile: Profile | None = None,
    ) -> None:
        if rate_limit is not None and (rate_limit <= 0 or rate_limit_capacity < 1):
            raise ConfigurationError("rate_limit must be > 0 and rate_limit_capacity >= 1")
        if token_names not in ("random", "sequential"):
            raise ConfigurationError('token_names must be "random" or "sequential"')
        if refresh_token_reuse not in ("revoke", "reject"):
            raise ConfigurationError('refresh_token_reuse must be "revoke" or "reject"')
        _check_delay(token_delay)
        if profile not in (None, "fapi2"):
            raise ConfigurationError('profile must be None or "fapi2"')
        oauth = OAuthState(
            current_user=user,
            access_token_lifetime=access_token_lifetime,
            refresh_token_lifetime=refresh_token_lifetime,
            code_lifetime=code_lifetime,
            rotate_refresh_tokens=rotate_refresh_tokens,
            issue_refresh_tokens=issue_refresh_tokens,
            id_token_on_refresh=id_token_on_refresh,
            scopes_supported=_SCOPES,
            users={user.sub: user},
            token_names=token_names,
            refresh_token_reuse=refresh_token_reuse,
            token_delay=token_delay,
            profile=profile,
            require_par=require_par,
            require_dpop=require_dpop,
            dpop_nonces=dpop_nonces,
        )
        self.state = SandboxState(
            clock=clock if clock is not None else FakeClock(),
            issuer=require_secure_url(issuer, "issuer").rstrip("/"),
            api_base=require_secure_url(api_base, "api_base").rstrip("/"),
            oauth=oauth,
            company_name=company_name,
            quirks=quirks,
            features=features,
            rate_limit=rate_limit,
            rate_limit_capacity=rate_limit_capacity,
            rate_limit_scope=rate_limit_scope,
            enforce_api_scopes=enforce_api_scopes,
        )
        """Everything the sandbox knows; its provider, API, events and server share it."""
        self.state.authenticate = self._credential
        seed_lists(self.state)
        self.api_keys: dict[str, tuple[FakeUser, str]] = {}
        self.requests: list[Request] = []
        """Every request the sandbox answered, in order, with its headers as they were sent."""
        self._lock = self.state.lock
        self.provider = Provider(self.state, ENDPOINTS)
        self.api = Api(self.state, ROUTES)
        """The API half: its routing table and the resource stores (``api.contacts``, ...)."""
        self.events = Events(self.state)
        """Event subscriptions, the webhook signing key and the deliveries."""
        self.register_client(DEFAULT_CLIENT_ID, [DEFAULT_REDIRECT_URI])

    def __repr__(self) -> str:
        return f"FakeLexoffice(issuer={self.issuer!r}, api_base={self.api_base!r})"

    # --- the shared state (attributes kept in ``state``) ----------------------------------

    clock: Shared[Clock] = Shared(
        "The time the sandbox lives in; hand it to the SDK as ``clock=`` too.", writable=False
    )
    calls: Shared[Counter[str]] = Shared(
        'Requests per endpoint name, e.g. ``calls["token"]``, ``calls["contacts:create"]``.',
        writable=False,
    )
    organization_id: Shared[str] = Shared("The one organisation of this sandbox.", writable=False)
    company_name: Shared[str] = Shared("The organisation's name (``GET /v1/profile``).")
    created_at: Shared[float] = Shared(
        "When the sandbox was made (the profile's ``created.date``).", writable=False
    )
    quirks: Shared[frozenset[str]] = Shared(
        "The opt-in live quirks in effect (see ``docs/testing.md``).", writable=False
    )
    rate_limit: Shared[float | None] = Shared("Requests per second the API accepts (None: none).")
    rate_limit_capacity: Shared[float] = Shared("The token bucket's size.")
    rate_limit_scope: Shared[Literal["connection", "global"]] = Shared(
        "One bucket per connection, or one for everybody."
    )
    enforce_api_scopes: Shared[bool] = Shared(
        "Refuse API calls whose OAuth grant lacks the endpoint's scope (403)."
    )
    users: Shared[dict[str, FakeUser]] = Shared("The users who can log in, by ``sub``.", oauth=True)
    current_user: Shared[FakeUser] = Shared(
        "The user the authorization endpoint logs in (unless ``login_hint`` names another).",
        oauth=True,
    )
    clients: Shared[dict[str, FakeClient]] = Shared("Registered OAuth clients.", oauth=True)
    consent: Shared[Callable[[ConsentRequest], bool] | None] = Shared(
        "Optional hook deciding each authorization request; return False to deny.", oauth=True
    )
    token_calls: Shared[Counter[str]] = Shared(
        'Token requests per grant type, e.g. ``token_calls["refresh_token"]``.',
        oauth=True,
        writable=False,
    )
    logouts: Shared[int] = Shared("How many logouts the provider answered.", oauth=True)
    scopes_supported: Shared[tuple[str, ...]] = Shared(
        "The scopes the provider grants.", oauth=True
    )
    access_token_lifetime: Shared[float] = Shared("Access-token lifetime (s).", oauth=True)
    refresh_token_lifetime: Shared[float | None] = Shared(
        "Refresh-token lifetime (s); None: unlimited.", oauth=True
    )
    code_lifetime: Shared[float] = Shared("Authorization-code lifetime (s).", oauth=True)
    rotate_refresh_tokens: Shared[bool] = Shared("Rotate refresh tokens on use.", oauth=True)
    issue_refresh_tokens: Shared[bool] = Shared("Issue refresh tokens at all.", oauth=True)
    id_token_on_refresh: Shared[bool] = Shared("Send a new id_token on refresh.", oauth=True)
    token_names: Shared[TokenNames] = Shared(
        '``"random"`` tokens, or ``"sequential"`` ones: ``at-0``, ``rt-0``, ``at-1``, ...',
        oauth=True,
    )
    refresh_token_reuse: Shared[RefreshTokenReuse] = Shared(
        'A rotated-away refresh token presented again: ``"revoke"`` its grant, or only '
        '``"reject"`` the request (``invalid_grant`` either way).',
        oauth=True,
    )
    reused_refresh_tokens: Shared[list[str]] = Shared(
        "Every rotated-away refresh token presented again, in order (either policy).",
        oauth=True,
        writable=False,
    )
    token_delay: Shared[float] = Shared(
        "Seconds each token-endpoint answer takes to arrive (the state changes at once).",
        oauth=True,
    )

    profile: Shared[Profile | None] = Shared(
        '``"fapi2"``: the FAPI 2.0 preset (PAR, PKCE S256, DPoP, ``private_key_jwt``).',
        oauth=True,
    )
    require_par: Shared[bool] = Shared(
        "Refuse authorization requests that were not pushed first (RFC 9126).", oauth=True
    )
    require_dpop: Shared[bool] = Shared(
        "Refuse token requests without a DPoP proof, and Bearer OAuth tokens at the API.",
        oauth=True,
    )
    dpop_nonces: Shared[bool] = Shared(
        "Require the server's ``DPoP-Nonce`` in every DPoP proof (RFC 9449 §8, §9).", oauth=True
    )
    request_uri_lifetime: Shared[float] = Shared(
        "Seconds a pushed request's ``request_uri`` stays usable (default 60).", oauth=True
    )
    dpop_nonce_lifetime: Shared[float] = Shared(
        "Seconds between DPoP nonce rotations (default 300); the previous nonce stays good "
        "until the next rotation.",
        oauth=True,
    )

    def _credential(self, token: str) -> Credential | None:
        owner = self.api_keys.get(token)
        if owner is not None:
            user, connection = owner
            return Credential("key:" + connection, user, connection, None)
        return self.provider.credential_for(token)

    # --- URLs --------------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        """The issuer; while ``serve`` runs, the served ``http://127.0.0.1:PORT``."""
        return self.state.issuer

    @property
    def api_base(self) -> str:
        """The API base URL; while ``serve`` runs, the served ``http://127.0.0.1:PORT``."""
        return self.state.api_base

    @property
    def discovery_url(self) -> str:
        """``{issuer}/.well-known/openid-configuration``."""
        return self.issuer + "/.well-known/openid-configuration"

    # --- setup -------------------------------------------------------------------------

    def register_client(
        self,
        client_id: str,
        redirect_uris: Iterable[str],
        client_secret: str | None = None,
        *,
        token_endpoint_auth_method: str | None = None,
        jwks: Mapping[str, Any] | None = None,
        require_pushed_authorization_requests: bool = False,
        dpop_bound_access_tokens: bool = False,
    ) -> FakeClient:
        """Register (or replace) an OAuth client.

        Without a secret or keys the client is public (``none``). With a secret it must
        authenticate with ``token_endpoint_auth_method``: ``client_secret_basic`` (the
        default), ``client_secret_post`` or ``client_secret_jwt`` (RFC 7523; a secret of
        32 bytes at least). With ``jwks`` (a JWK Set of its public keys) it authenticates
        with ``private_key_jwt``. ``require_pushed_authorization_requests`` refuses its
        authorization requests unless pushed (PAR); ``dpop_bound_access_tokens`` refuses
        its token requests without a DPoP proof.

        Example:
            >>> fake = FakeLexoffice()
            >>> fake.register_client("shop", ["https://shop.example/cb"], "s3cret").is_public
            False
            >>> import jwt
            >>> from cryptography.hazmat.primitives.asymmetric import ec
            >>> key = ec.generate_private_key(ec.SECP256R1())
            >>> public = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
            >>> bank = fake.register_client("bank", ["https://bank.example/cb"],
            ...                             jwks={"keys": [public | {"kid": "k1"}]})
            >>> bank.token_endpoint_auth_method
            'private_key_jwt'
        """
        method = _auth_method(client_secret, token_endpoint_auth_method, jwks)
        uris = tuple(redirect_uris)
        if not uris:
            raise ConfigurationError("a client needs at least one redirect URI")
        client = FakeClient(
            client_id,
            uris,
            client_secret,
            method,
            jwks=None if jwks is None else dict(jwks),
            require_pushed_authorization_requests=require_pushed_authorization_requests,
            dpop_bound_access_tokens=dpop_bound_access_tokens,
        )
        with self._lock:
            self.clients[client_id] = client
        return client

    def add_user(self, user: FakeUser, *, log_in: bool = False) -> FakeUser:
        """Add a user; with ``log_in=True`` the next logins are theirs."""
        with self._lock:
            self.users[user.sub] = user
            if log_in:
                self.current_user = user
        return user

    def user_for_hint(self, hint: str | None) -> FakeUser | None:
        """The user whose ``sub`` or e-mail equals ``login_hint``, if any."""
        return self.provider.user_for_hint(hint)

    def add_api_key(self, key: str | None = None, *, user: FakeUser | None = None) -> str:
        """Accept ``key`` (or a fresh one) as a static Bearer API key; returns the key."""
        key = key or "sbx_key_" + secrets.token_urlsafe(24)
        with self._lock:
            self.api_keys[key] = (user or self.current_user, self.new_uuid())
        return key

    def remove_api_key(self, key: str) -> None:
        """Stop accepting ``key`` (as if the user deleted it in lexoffice)."""
        with self._lock:
            self.api_keys.pop(key, None)

    # --- knobs -------------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Move the sandbox's clock forward (it must be a ``FakeClock``)."""
        if not isinstance(self.clock, FakeClock):
            raise ConfigurationError("advance() needs the sandbox to run on a FakeClock")
        self.clock.advance(seconds)

    def set_invoice_status(self, invoice_id: str, status: str) -> None:
        """Change an invoice's status (lexoffice's API cannot; its users can)."""
        with self._lock:
            stored = self.api.invoices.get(invoice_id.lower())
            if stored is None:
                raise ConfigurationError("no such invoice in the sandbox")
            stored.data["voucherStatus"] = status
            self.state.emit("invoice.status.changed", invoice_id.lower())

    def reset_counters(self) -> None:
        """Zero ``calls`` and ``token_calls``, forget ``requests`` and ``reused_refresh_tokens``."""
        with self._lock:
            self.calls.clear()
            self.token_calls.clear()
            self.requests.clear()
            self.reused_refresh_tokens.clear()

    def new_uuid(self) -> str:
        """A fresh random UUID string (resource ids, connection ids)."""
        return self.state.new_uuid()

    # --- the handler -------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Answer one request; the single entry point behind every mounting.

        Requests to any other origin raise ``httpx.ConnectError``: nothing leaks past the
        sandbox, and a credential sent to a foreign host fails loudly. With a
        ``token_delay``, a token answer's body is held back: read it (``read()``,
        ``aread()``) to wait, as every mounting does.
        """
        with self._lock:
            self.requests.append(_as_seen(request))
            for base, is_provider in ((self.issuer, True), (self.api_base, False)):
                rel = _relative(request.url, base)
                if rel is None:
                    continue
                if is_provider:
                    name = PROVIDER_PATHS.get(rel)
                    if name is None:
                        continue
                    self.calls[name] += 1
                    response = self.provider.handle(name, request)
                    if name == "token":
                        return delayed(response, self.token_delay)
                    return response
                return self.api.handle(request, rel)
            origin = origin_of(str(request.url))
            if origin in (origin_of(self.issuer), origin_of(self.api_base)):
                return Response(404, json={"message": "Not Found"})
            raise httpx.ConnectError(f"the sandbox does not serve {origin}", request=request)

    def approve(self, authorization_url: str) -> str:
        """Play the browser: send the authorization request, return the redirect target.

        The result is the callback URL (with ``code``, ``state`` and ``iss``, or with
        ``error``) to hand to ``OAuthClient.complete_login``.

        Example:
            >>> import anyio
            >>> from lexoffice_auth import OAuthClient
            >>> fake = FakeLexoffice()
            >>> oauth = OAuthClient("sandbox-client", "http://127.0.0.1/callback",
            ...                     issuer=fake.issuer, http_client=fake.client(),
            ...                     clock=fake.clock)
            >>> pending = anyio.run(oauth.start_login)
            >>> callback = fake.approve(pending.authorization_url)
            >>> callback.startswith("http://127.0.0.1/callback?code=")
            True
        """
        response = self.handle(Request("GET", authorization_url))
        location: str | None = response.headers.get("location")
        if response.status_code != 302 or not location:
            raise ConfigurationError(
                f"the sandbox refused the authorization request (HTTP {response.status_code}); "
                "check client_id and redirect_uri"
            )
        return location

    # --- mountings ---------------------------------------------------------------------

    def transport(self) -> MockTransport:
        """The sandbox as an ``httpx.MockTransport`` (works for sync and async clients).

        Example:
            >>> import httpx
            >>> http = httpx.AsyncClient(transport=FakeLexoffice().transport())
        """
        return MockTransport(self.handle)

    def client(self, **kwargs: Any) -> AsyncClient:
        """An ``httpx.AsyncClient`` wired to ``transport``."""
        return AsyncClient(transport=self.transport(), **kwargs)

    def mock(self) -> respx.MockRouter:
        """A respx router for the sandbox's origins; use it as ``with fake.mock(): ...``.

        Every request to the issuer or API base goes to ``handle``; any other
        request fails (respx's ``assert_all_mocked``). Requires ``respx`` (the ``testing``
        extra); without it this raises ``ConfigurationError``.
        """
        try:
            import respx
        except ImportError as exc:
            raise ConfigurationError(
                "FakeLexoffice.mock() needs respx: pip install 'lexoffice-auth[testing]'"
            ) from exc

        router = respx.MockRouter(assert_all_called=False, assert_all_mocked=True)
        for base in dict.fromkeys((self.state.configured_issuer, self.state.configured_api_base)):
            url = URL(base)
            pattern: dict[str, Any] = {"scheme": url.scheme, "host": url.host}
            if url.port is not None:
                pattern["port"] = url.port
            if url.path.rstrip("/"):
                pattern["path__startswith"] = url.path.rstrip("/")
            router.route(**pattern).mock(side_effect=self.handle)
        return router

    router = mock

    def serve(self, *, served_timeout_hold: float = 30.0) -> FakeServer:
        """A real HTTP server on 127.0.0.1 with an ephemeral port (needs ``uvicorn``).

        Use ``with fake.serve() as base_url:`` or ``async with``. While it runs, the
        issuer and API base are both ``base_url``. A ``"timeout"`` token failure holds
        the request open for up to ``served_timeout_hold`` seconds (until the client
        disconnects), then answers 504 like lexoffice's gateway.
        """
        from ._server import FakeServer

        return FakeServer(self, hold=served_timeout_hold)
