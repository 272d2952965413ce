"""``AuthPool``: one ``LexofficeAuth`` per account key, cached, with bounded memory."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from .._auth import DEFAULT_API_ORIGINS, LexofficeAuth
from .._core.checks import check_account_key, check_count, check_seconds
from .._core.clock import Clock
from .._session.revocation import revoke_stored_tokens, revoked_token_set
from ..errors import ConfigurationError
from ..stores import MemoryTokenStore, TokenStore

if TYPE_CHECKING:
    from .._session.policy import RefreshPolicy
    from .._session.refreshing import Refresher, RefreshingTokenSource, TokenHook

__all__ = ["AuthPool"]


class _Entry:
    __slots__ = ("auth", "used")

    def __init__(self, auth: LexofficeAuth[RefreshingTokenSource], used: float) -> None:
        self.auth = auth
        self.used = used


class AuthPool:
    """The ``httpx.Auth`` of any number of accounts from one OAuth client and one store.

    ``pool.get(account_key)`` returns that account's ``LexofficeAuth`` (over a
    ``RefreshingTokenSource``), the same object while it stays in the pool, so its cached
    token serves request after request without touching the store. It is cheap enough to
    call per request (a dict lookup; see ``benchmarks/bench_pool.py``).

    Memory stays bounded: at most ``max_size`` accounts are kept (the least recently used
    one is dropped first) and an account unused for ``max_idle`` seconds is dropped on a
    later ``get``. A dropped account loses only its in-process cache: its tokens stay in
    the store, and the next ``get`` builds a new auth that reads them. An auth dropped
    while a request still uses it keeps working; should a new one for the same account
    refresh at the same moment, the store's lock and re-read make it one refresh, as
    between processes.

    ``get`` does no I/O and never awaits; a pool belongs to one event loop (or one
    thread), like the auths it hands out.

    Example (one sandbox account; a real pool serves thousands from a shared store):
        >>> import anyio
        >>> from lexoffice_auth import MemoryTokenStore, OAuthClient
        >>> from lexoffice_auth.testing import FakeLexoffice
        >>> fake = FakeLexoffice()
        >>> async def main() -> int:
        ...     http = fake.client()
        ...     oauth = OAuthClient("sandbox-client", "http://127.0.0.1/callback",
        ...                         issuer=fake.issuer, http_client=http, clock=fake.clock)
        ...     pool = AuthPool(oauth, MemoryTokenStore(), api_origins=[fake.api_base])
        ...     pending = await oauth.start_login()
        ...     tokens = await oauth.complete_login(
        ...         fake.approve(pending.authorization_url), pending)
        ...     await pool.get("acme").source.save(tokens)
        ...     assert pool.get("acme") is pool.get("acme")  # one auth per account
        ...     response = await http.get(f"{fake.api_base}/v1/profile", auth=pool.get("acme"))
        ...     return response.status_code
        >>> anyio.run(main)
        200
    """

    def __init__(
        self,
        oauth: Refresher,
        store: TokenStore | None = None,
        *,
        api_origins: Iterable[str] = DEFAULT_API_ORIGINS,
        max_size: int = 1000,
        max_idle: float = 900.0,
        policy: RefreshPolicy | None = None,
        clock: Clock | None = None,
        on_token: TokenHook | None = None,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        if check_count("max_size", max_size) < 1:
            raise ConfigurationError("max_size must be at least 1")
        self._max_idle = check_seconds("max_idle", max_idle, positive=True)
        self._max_size = max_size
        if not callable(timer):
            raise ConfigurationError("timer must be a callable returning seconds")
        self._timer = timer
        self._oauth = oauth
        self._store: TokenStore = store if store is not None else MemoryTokenStore()
        self._policy = policy
        self._on_token = on_token
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        # Fail now, not on the first get(): store, origins, refresher and clock are checked
        # (and the clock defaulted, to the refresher's) once, by building one auth.
        probe = LexofficeAuth.from_oauth(
            oauth,
            "probe",
            self._store,
            api_origins=api_origins,
            policy=policy,
            clock=clock,
            on_token=on_token,
        )
        self._api_origins = probe.api_origins
        self._clock = probe.source.clock

    def __repr__(self) -> str:
        return (
            f"AuthPool(store={self._store!r}, accounts={len(self._entries)}, "
            f"max_size={self._max_size}, max_idle={self._max_idle})"
        )

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, account_key: object) -> bool:
        return account_key in self._entries

    @property
    def store(self) -> TokenStore:
        """The store every account's tokens are kept in."""
        return self._store

    @property
    def api_origins(self) -> tuple[str, ...]:
        """The origins the auths send credentials to."""
        return self._api_origins

    def get(self, account_key: str) -> LexofficeAuth[RefreshingTokenSource]:
        """The auth of ``account_key``: the cached one, or a new one over the store."""
        now = self._timer()
        entries = self._entries
        entry = entries.get(account_key)
        if entry is not None:
            entry.used = now
            entries.move_to_end(account_key)
        else:
            entry = _Entry(self._build(check_account_key(account_key)), now)
            entries[account_key] = entry
            if len(entries) > self._max_size:
                entries.popitem(last=False)
        # Drop idle entries from the old end: amortised O(1), the order is by last use.
        horizon = now - self._max_idle
        while True:
            oldest = next(iter(entries.values()))
            if oldest.used >= horizon:
                break
            entries.popitem(last=False)
        return entry.auth

    def sources(self) -> list[RefreshingTokenSource]:
        """The token sources of the accounts cached now (for a ``BackgroundRefresher``)."""
        return [entry.auth.source for entry in self._entries.values()]

    def discard(self, account_key: str) -> bool:
        """Drop ``account_key``'s cached auth (its stored tokens stay); True if it was cached."""
        return self._entries.pop(account_key, None) is not None

    def clear(self) -> None:
        """Drop every cached auth (stored tokens stay)."""
        self._entries.clear()

    async def revoke(self, account_key: str, *, reason: str = "revoked") -> None:
        """Mark ``account_key``'s connection as revoked, here and in the shared store.

        The stored tokens are replaced by a tombstone (no refresh token, expired), so every
        process sharing the store raises ``ReauthenticationRequired`` on its next refresh
        without calling the token endpoint, and this process at once: a cached auth adopts
        the tombstone (through its source's ``save``, so its ``on_token`` hook sees it; tell
        it apart with ``lexoffice_auth.webhooks.is_revoked``) and is dropped from the pool.
        Save a new login through ``pool.get(account_key).source.save(tokens)``.
        """
        check_account_key(account_key)
        at = self._clock()
        entry = self._entries.get(account_key)
        if entry is not None:
            await entry.auth.source.save(revoked_token_set(at=at, reason=reason))
        else:
            await revoke_stored_tokens(self._store, account_key, at=at, reason=reason)
        # Dropped after the save: an auth built meanwhile may have read the old tokens.
        self._entries.pop(account_key, None)

    def _build(self, account_key: str) -> LexofficeAuth[RefreshingTokenSource]:
        return LexofficeAuth.from_oauth(
            self._oauth,
            account_key,
            self._store,
            api_origins=self._api_origins,
            policy=self._policy,
            clock=self._clock,
            on_token=self._on_token,
        )
