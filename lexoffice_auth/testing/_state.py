"""``SandboxState``: the one state object the sandbox's parts share.

The provider's records, the API's resource stores, the voucher-number sequences, the
request counters and the event hook all live here. The API handlers, the webhook events
and the server receive this object; none of them points back at ``FakeLexoffice``.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from lexoffice_auth.errors import ConfigurationError

from ._clock import Clock
from ._model import ConsentRequest, FakeClient, FakeUser

if TYPE_CHECKING:
    from ._keys import SigningKey

__all__ = [
    "FEATURES",
    "QUIRKS",
    "Credential",
    "OAuthState",
    "Profile",
    "Record",
    "RefreshTokenReuse",
    "SandboxState",
    "TokenNames",
    "TokenRejection",
]

QUIRKS = frozenset({"stale_version_406", "rate_limit_500", "file_accept_json_base64"})
"""Opt-in live behaviour that integrators report but lexoffice's docs do not (§3d)."""
FEATURES = frozenset({"e-invoice"})
"""Account settings the sandbox knows: ``"e-invoice"`` lets ``POST /v1/files`` take XML."""

TokenNames = Literal["random", "sequential"]
"""How the provider names its tokens: unguessable, or ``at-0``, ``rt-0``, ``at-1``, ..."""
RefreshTokenReuse = Literal["revoke", "reject"]
"""What a rotated-away refresh token costs: the whole grant, or only that request."""
Profile = Literal["fapi2"]
"""A preset of provider requirements: ``"fapi2"`` is the FAPI 2.0 Security Profile's."""


@dataclass(frozen=True)
class TokenRejection:
    """A queued token-endpoint answer: an OAuth ``error`` with an HTTP ``status``."""

    status: int
    error: str


@dataclass(frozen=True)
class Credential:
    """Who is calling: an OAuth grant or an API key."""

    key: str
    user: FakeUser
    connection_id: str
    scopes: frozenset[str] | None  # None: an API key, allowed everything
    grant_id: str | None = None  # None: an API key
    jkt: str | None = None
    """The DPoP key the access token is bound to: it must come with a proof by that key."""


@dataclass
class Record:
    """One stored resource: its JSON, its timestamps, and sandbox-only bookkeeping."""

    data: dict[str, Any]
    created: float
    updated: float
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class OAuthState:
    """The provider's settings and records: users, clients, keys, queued failures."""

    current_user: FakeUser
    """The user the authorization endpoint logs in (unless ``login_hint`` names another)."""
    access_token_lifetime: float = 3600
    refresh_token_lifetime: float | None = None
    code_lifetime: float = 60
    rotate_refresh_tokens: bool = True
    issue_refresh_tokens: bool = True
    id_token_on_refresh: bool = True
    scopes_supported: tuple[str, ...] = ()
    users: dict[str, FakeUser] = field(default_factory=dict)
    clients: dict[str, FakeClient] = field(default_factory=dict)
    consent: Callable[[ConsentRequest], bool] | None = None
    """Optional hook deciding each authorization request; return False to deny."""
    denials: list[str] = field(default_factory=list)
    token_failures: list[str | TokenRejection] = field(default_factory=list)
    """Queued answers of the next token requests: a failure kind or an OAuth error."""
    keys: list[SigningKey] = field(default_factory=list)
    token_calls: Counter[str] = field(default_factory=Counter)
    """Token requests per grant type, e.g. ``token_calls["refresh_token"]``."""
    logouts: int = 0
    token_names: TokenNames = "random"
    issued: Counter[str] = field(default_factory=Counter)
    """How many tokens of each kind (``"at"``, ``"rt"``) were issued: the sequential names."""
    refresh_token_reuse: RefreshTokenReuse = "revoke"
    reused_refresh_tokens: list[str] = field(default_factory=list)
    """Every rotated-away refresh token presented again, in order."""
    token_delay: float = 0.0
    """Seconds each token-endpoint answer takes to arrive."""
    profile: Profile | None = None
    """A preset of requirements: ``"fapi2"`` (FAPI 2.0 Security Profile)."""
    require_par: bool = False
    """Refuse authorization requests that were not pushed first (RFC 9126)."""
    require_dpop: bool = False
    """Refuse token requests without a DPoP proof and Bearer tokens at the API (RFC 9449)."""
    dpop_nonces: bool = False
    """Require the server's ``DPoP-Nonce`` in every proof (RFC 9449 §8, §9)."""
    request_uri_lifetime: float = 60.0
    """Seconds a pushed request's ``request_uri`` stays usable."""
    dpop_nonce_lifetime: float = 300.0
    """Seconds between nonce rotations; the previous nonce stays good until the next one."""
    seen_jtis: dict[str, float] = field(default_factory=dict)
    """DPoP proof and client assertion ``jti`` values seen, until when they are remembered."""
    nonces: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    """The DPoP nonces each server (``"provider"``, ``"api"``) issued: (nonce, when)."""

    @property
    def fapi2(self) -> bool:
        """True under the FAPI 2.0 profile."""
        return self.profile == "fapi2"

    @property
    def par_required(self) -> bool:
        """True if every authorization request must be pushed first."""
        return self.require_par or self.fapi2

    @property
    def dpop_required(self) -> bool:
        """True if tokens must be DPoP-bound."""
        return self.require_dpop or self.fapi2


def _no_event(event_type: str, resource_id: str) -> int:
    return 0


def _nobody(token: str) -> Credential | None:
    return None


def checked_names(names: Iterable[str] | None, known: frozenset[str], what: str) -> frozenset[str]:
    """``names`` as a frozenset; an unknown name is a ``ConfigurationError``."""
    if names is None:
        return frozenset()
    if isinstance(names, str):
        raise ConfigurationError(f"{what} must be an iterable of names, not a string")
    chosen = frozenset(names)
    unknown = sorted(str(n) for n in chosen - known)
    if unknown:
        raise ConfigurationError(
            f"unknown {what}: {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    return chosen


class SandboxState:
    """Everything a sandbox knows, shared by its provider, API, events and server.

    Example:
        >>> from lexoffice_auth.testing import FakeClock
        >>> state = SandboxState(clock=FakeClock(0, ticking=False))
        >>> state.next_number("RE")
        'RE0001'
        >>> state.store("articles")
        {}
    """

    def __init__(
        self,
        *,
        clock: Clock,
        issuer: str = "https://auth.sandbox.test",
        api_base: str = "https://api.sandbox.test",
        oauth: OAuthState | None = None,
        organization_id: str | None = None,
        company_name: str = "Sandbox GmbH",
        quirks: Iterable[str] | None = None,
        features: Iterable[str] | None = None,
        rate_limit: float | None = 2.0,
        rate_limit_capacity: float = 2.0,
        rate_limit_scope: Literal["connection", "global"] = "connection",
        enforce_api_scopes: bool = False,
    ) -> None:
        self.clock = clock
        self.configured_issuer = issuer
        self.configured_api_base = api_base
        self.served_base: str | None = None
        """While a server runs, its ``http://127.0.0.1:PORT`` (issuer and API base both)."""
        self.oauth = oauth if oauth is not None else OAuthState(FakeUser("u", "u@x.test", "U"))
        self.organization_id = organization_id or str(uuid.uuid4())
        self.company_name = company_name
        self.created_at = clock()
        self.quirks = checked_names(quirks, QUIRKS, "quirks")
        self.features: set[str] = set(checked_names(features, FEATURES, "features"))
        self.rate_limit = rate_limit
        self.rate_limit_capacity = rate_limit_capacity
        self.rate_limit_scope = rate_limit_scope
        self.enforce_api_scopes = enforce_api_scopes
        self.lock = threading.RLock()
        self.calls: Counter[str] = Counter()
        """Requests per endpoint name, e.g. ``calls["token"]``, ``calls["contacts:create"]``."""
        self.stores: dict[str, dict[str, Record]] = {}
        self.lists: dict[str, list[dict[str, Any]]] = {}
        """The plain-array resources (countries, payment-conditions, ...)."""
        self.sequences: Counter[str] = Counter()
        self.subscriptions: dict[str, dict[str, Any]] = {}
        """Event subscriptions by id, as ``GET /v1/event-subscriptions/{id}`` shows them."""
        self.checksums: dict[str, str] = {}
        """Uploaded file content digest -> file id (lexoffice's upload dedupe)."""
        self.emit: Callable[[str, str], int] = _no_event
        """Hook: queue a webhook event ``(event_type, resource_id)``; set by the events."""
        self.authenticate: Callable[[str], Credential | None] = _nobody
        """Hook: the credential behind a Bearer token, or None; set by ``FakeLexoffice``."""

    @property
    def issuer(self) -> str:
        """The issuer; while a server runs, the served base URL."""
        return self.served_base or self.configured_issuer

    @property
    def api_base(self) -> str:
        """The API base URL; while a server runs, the served base URL."""
        return self.served_base or self.configured_api_base

    def now(self) -> float:
        """The sandbox's current time in epoch seconds."""
        return self.clock()

    def new_uuid(self) -> str:
        """A fresh random UUID string."""
        return str(uuid.uuid4())

    def store(self, resource: str) -> dict[str, Record]:
        """The id -> record store of ``resource`` (created on first use)."""
        return self.stores.setdefault(resource, {})

    def next_number(self, prefix: str) -> str:
        """The next voucher number of a sequence: ``RE0001``, ``RE0002``, ..."""
        self.sequences[prefix] += 1
        return f"{prefix}{self.sequences[prefix]:04d}"

    def resource_uri(self, resource: str, item_id: str) -> str:
        """``{api_base}/v1/{resource}/{id}``."""
        return f"{self.api_base.rstrip('/')}/v1/{resource}/{item_id}"
