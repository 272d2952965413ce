"""RefreshingTokenSource: one account's OAuth tokens, refreshed exactly once when they run out.

The shape follows golang.org/x/oauth2's ``ReuseTokenSource``: a source per account key
wraps something that can refresh (``OAuthClient``) and a ``TokenStore``. The rules (when
to refresh, what a failure means, how long to wait) are ``RefreshPolicy``; this
module is the locking and I/O around them. Stores are touched only when the cached token
is no longer good, so a request with a valid token costs a clock read and a header write.
"""

from __future__ import annotations

import inspect
import logging
import math
import random
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, NoReturn, Protocol

import anyio

from .._core.checks import check_own_account_key, conforms
from .._core.clock import Clock, system_clock
from .._core.http import Request, Response
from ..errors import (
    ConfigurationError,
    ReauthenticationRequired,
    TokenEndpointError,
    TokenSetSuperseded,
    TokenStoreError,
)
from ..stores import MemoryTokenStore, TokenStore
from ..stores._stored import StoredTokenSet, access_token_of
from ..telemetry import current_trigger, refreshing, store_error, triggered_by
from .dpop_proofs import DPoPProofs
from .failures import raise_for_waiter, save_error, terminal_reason
from .policy import RefreshPolicy
from .revocation import next_generation

if TYPE_CHECKING:
    # pydantic loads with the first token set built, not with this module: a request with
    # a valid token in a FileTokenStore needs none (see _renew_locked).
    from .._oauth.dpop import DPoPKey
    from .._oauth.tokens import TokenSet

# What authorize puts on a request: the Authorization header, the access token, and the
# DPoP key to prove possession with (None for a Bearer token). Read and replaced as one.
_Credential = tuple[str, str, "DPoPKey | None"]

__all__ = ["Refresher", "RefreshingTokenSource", "TokenHook"]

logger = logging.getLogger("lexoffice_auth")

TokenHook = Callable[["TokenSet"], Awaitable[None] | None]
"""Called with every new token set after it is saved and the locks are released.

A plain or an async function; it can be cancelled, and its exceptions are only logged.
"""


class Refresher(Protocol):
    """Anything that turns a token set into a fresher one; ``OAuthClient`` is one."""

    async def refresh(self, token_set: TokenSet) -> TokenSet:
        """A new token set from ``token_set``'s refresh token."""
        ...


class RefreshingTokenSource(DPoPProofs):
    """The OAuth tokens of one account key, kept fresh; a ``TokenSource``.

    ``await access_token()`` returns a token valid for at least the policy's leeway,
    refreshing first when needed; ``LexofficeAuth`` calls ``authorize`` per request.

    A token set whose ``token_type`` is ``DPoP`` (RFC 9449) goes as ``Authorization: DPoP
    <token>`` with a fresh ``DPoP`` proof per request (its own ``jti``, ``ath``, and the
    latest nonce of the request's origin), signed with the key stored with the tokens; a
    Bearer token goes alone. A 401 ``use_dpop_nonce`` challenge is answered by a new proof
    with the server's nonce (``challenged``), not by a refresh.

    Refresh is single-flight: concurrent callers in this process share one refresh (an
    ``anyio.Lock``), and processes sharing the store share one too (``store.lock``); after
    taking the locks the store is read again, because another holder may have refreshed
    already. A refresh that completed while a caller waited satisfies that caller, whatever
    the new token's lifetime. A new token set is saved before anyone gets it; ``on_token``
    is called after that, once the locks are released and outside the cancellation shield.

    On a 401 (``rejected``) the token is refreshed only if the rejected one is still
    current, and tokens rejected right after such a refresh back off (see
    ``RefreshPolicy``), so one refresh recovers any revocation and an API that
    rejects every token cannot cause a refresh storm.

    Failures (classified by ``RefreshPolicy.classify``):

    * terminal (``invalid_grant``, ``invalid_client``, ``unauthorized_client``, no refresh
      token, a refreshed id_token naming another identity): ``ReauthenticationRequired``,
      remembered so later calls fail fast without calling the token endpoint, until a new
      login is saved through ``save`` or the store holds another token set.
    * transient (network errors, 5xx, 429, ``temporarily_unavailable``): the refresh token
      is kept and the refresh retried with backoff; then the error goes to every caller
      that waited for that refresh.
    * anything else: raised as is; the callers that waited for that refresh get a copy and
      never retry with a refresh token the provider may have rotated away already.

    A refresh request that has been sent is seen through (shielded from cancellation,
    bounded by the refresher's own timeout) and its result saved: with rotating refresh
    tokens, abandoning it could lose the only refresh token that still works.

    Example (a sandbox login, then an hour later the token is refreshed by itself):
        >>> import anyio
        >>> from lexoffice_auth import MemoryTokenStore, OAuthClient
        >>> from lexoffice_auth.testing import FakeLexoffice
        >>> fake = FakeLexoffice()
        >>> async def main() -> bool:
        ...     oauth = OAuthClient("sandbox-client", "http://127.0.0.1/callback",
        ...                         issuer=fake.issuer, http_client=fake.client(),
        ...                         clock=fake.clock)
        ...     pending = await oauth.start_login()
        ...     callback_url = fake.approve(pending.authorization_url)
        ...     source = RefreshingTokenSource(oauth, "acme", MemoryTokenStore(),
        ...                                    clock=fake.clock)  # default: the system clock
        ...     await source.save(await oauth.complete_login(callback_url, pending))
        ...     first = await source.access_token()
        ...     fake.advance(3600)  # the access token expires
        ...     return await source.access_token() != first
        >>> anyio.run(main)
        True
    """

    def __init__(
        self,
        refresher: Refresher,
        account_key: str,
        store: TokenStore | None = None,
        *,
        policy: RefreshPolicy | None = None,
        clock: Clock | None = None,
        on_token: TokenHook | None = None,
    ) -> None:
        refresh = getattr(refresher, "refresh", None)
        if not callable(refresh) or (
            inspect.isroutine(refresh) and not inspect.iscoroutinefunction(refresh)
        ):
            raise ConfigurationError(
                "refresher needs an async refresh(token_set) method (e.g. an OAuthClient), "
                f"got {type(refresher).__name__}"
            )
        if store is not None and not conforms(store, TokenStore):
            raise ConfigurationError(
                "store must have async load/save/delete and lock() (a TokenStore), "
                f"got {type(store).__name__}"
            )
        if policy is not None and not isinstance(policy, RefreshPolicy):
            raise ConfigurationError(f"policy must be a RefreshPolicy, not {type(policy).__name__}")
        if clock is None:
            # The refresher's clock (an OAuthClient has one), so that both agree on "expired".
            clock = getattr(refresher, "clock", None) or system_clock
        if not callable(clock) or (on_token is not None and not callable(on_token)):
            raise ConfigurationError("clock and on_token must be callables")
        self._refresher = refresher
        self._account_key = check_own_account_key(account_key)
        self._store: TokenStore = store if store is not None else MemoryTokenStore()
        self._policy = policy if policy is not None else RefreshPolicy()
        self._clock = clock
        self._on_token = on_token
        self._lock = anyio.Lock()
        # The hot path reads only these two: the precomputed credential and when to stop
        # using it. _header is its first item, kept apart for the 401 comparisons.
        self._credential: _Credential = ("", "", None)
        self._header = ""
        self._refresh_at = -math.inf
        # A StoredTokenSet until someone asks for the TokenSet (see current).
        self._current: TokenSet | StoredTokenSet | None = None
        # Bumped whenever a token set is adopted: a waiter seeing it change was served.
        self._generation = 0
        # (token set refreshed from, its successor) while the successor is not yet saved.
        self._unsaved: tuple[TokenSet, TokenSet] | None = None
        self._terminal: str | None = None
        self._terminal_tokens: TokenSet | None = None
        self._attempts = 0
        self._last_failure: Exception | None = None
        # After a failure with Retry-After: no refresh request before this time.
        self._quiet_until = -math.inf
        # 401 handling: did a 401 produce the current token, how many in a row, and when.
        self._from_rejection = False
        self._rejection_streak = 0
        self._rejection_refreshed_at = -math.inf

    def __repr__(self) -> str:
        if self._terminal is not None:
            state = "reauthentication required"
        elif self._current is None:
            state = "not loaded"
        else:
            state = "valid" if self._clock() < self._refresh_at else "due for refresh"
        return (
            f"RefreshingTokenSource(account_key={self._account_key!r}, "
            f"store={self._store!r}, {state})"
        )

    @property
    def account_key(self) -> str:
        """The account this source holds tokens for."""
        return self._account_key

    @property
    def store(self) -> TokenStore:
        """The store the tokens are kept in."""
        return self._store

    @property
    def policy(self) -> RefreshPolicy:
        """The refresh policy."""
        return self._policy

    @property
    def current(self) -> TokenSet | None:
        """The cached token set, without any I/O or refresh (``None`` before the first use)."""
        if isinstance(self._current, StoredTokenSet):
            self._current = self._current.token_set()
        return self._current

    @property
    def clock(self) -> Clock:
        """The clock deadlines are read on (seconds since the epoch)."""
        return self._clock

    @property
    def refresh_due_at(self) -> float:
        """When a request would refresh the cached token first (``-inf``: at the next call).

        A background refresher refreshes before this time, so that no request waits.
        """
        return self._refresh_at

    async def refresh_ahead(self) -> TokenSet:
        """Refresh before the deadline, for a background refresher; requests do not wait.

        Single-flight like every refresh: a token set another worker saved meanwhile is
        adopted instead. Reported with ``trigger="background"``.
        """
        with triggered_by("background"):
            return await self.refresh()

    # --- TokenSource -------------------------------------------------------------------------

    async def authorize(self, request: Request) -> None:
        """Set ``Authorization`` (``Bearer …``, or ``DPoP …`` with a fresh ``DPoP`` proof)
        with a token valid for at least the leeway."""
        if self._clock() < self._refresh_at:
            header, token, key = self._credential
        else:
            header, token, key = await self._renew(None)
        request.headers["Authorization"] = header
        if key is not None:
            self._prove(request, key, token, self._clock())

    def accepted(self, request: Request) -> None:
        """The API answered ``request`` with something other than 401 (``LexofficeAuth`` calls it).

        A token the API has accepted once is no longer "just issued": a later 401 for it
        is a new revocation and refreshes at once, however soon it comes.
        """
        if self._from_rejection and request.headers.get("Authorization") == self._header:
            self._from_rejection = False
            self._rejection_streak = 0

    async def rejected(self, request: Request, response: Response) -> bool:
        """After a 401: refresh if the rejected token is still current; True to retry once.

        A token that was already replaced (by another task or process) is not refreshed a
        second time: the retry carries the current one. A token that a 401-driven refresh
        produced and that is rejected before the API ever accepted it (a 401 loop) is
        refreshed only after the policy's backoff; until then the 401 goes back to the
        caller. A token the API accepted before is refreshed at once (a new revocation).
        """
        used = request.headers.get("Authorization", "")
        if used != self._header:
            return True
        if "DPoP" in request.headers:
            from .._oauth.dpop import refuses_the_proof

            if refuses_the_proof(response.status_code, response.headers):
                return False  # the proof was refused again: a new token would not mend it
        streak = self._rejection_streak + 1 if self._from_rejection else 0
        wait = self._policy.rejection_delay(streak)
        if self._clock() - self._rejection_refreshed_at < wait:
            return False
        with triggered_by("rejected"):
            await self._renew(used, rejection_streak=streak)
        return True

    # --- reading ---------------------------------------------------------------------------

    async def access_token(self) -> str:
        """An access token valid for at least the leeway, refreshed first when needed."""
        if self._clock() >= self._refresh_at:
            return (await self._renew(None))[1]
        return self._credential[1]

    async def token_set(self) -> TokenSet:
        """The whole current token set (e.g. for its scopes or id_token claims)."""
        await self.access_token()
        current = self.current
        assert current is not None  # _renew either adopts a token set or raises
        return current

    async def refresh(self) -> TokenSet:
        """Refresh now, even if the token still looks valid (unless another holder just did)."""
        with triggered_by("explicit" if current_trigger() == "request" else current_trigger()):
            attempts = self._attempts
            if self._current is None:
                await self.access_token()
            # Loading may itself have refreshed a due token: that is the refresh asked for.
            if self._attempts == attempts:
                await self._renew(self._header)
        current = self.current
        assert current is not None
        return current

    # --- writing --------------------------------------------------------------------------

    async def save(self, token_set: TokenSet) -> None:
        """Store a new token set (e.g. after a login) and use it from now on.

        Clears a remembered ``ReauthenticationRequired``.
        """
        from .._oauth.tokens import check_token_set  # loaded already if it is a TokenSet

        check_token_set(token_set)
        async with self._lock, self._store.lock(self._account_key):
            with anyio.CancelScope(shield=True):
                for attempt in range(3):
                    try:
                        # One generation past the stored one, so that no late save of an
                        # older refresh can replace this login.
                        token_set = await next_generation(self._store, self._account_key, token_set)
                        await self._store.save(self._account_key, token_set)
                        break
                    except TokenSetSuperseded:
                        if attempt < 2:
                            continue  # written meanwhile outside the lock: look again
                        raise
                    except Exception as exc:
                        error = save_error(self._account_key, exc, "the token set", in_memory=False)
                        store_error(self._account_key, error)
                        raise error from exc
                self._unsaved = None
                self._adopt(token_set)
        await self._notify(token_set)

    async def forget(self) -> None:
        """Delete this account's tokens from the store and the cache (e.g. on logout)."""
        async with self._lock, self._store.lock(self._account_key):
            await self._store.delete(self._account_key)
            self._current = self._unsaved = None
            self._credential = ("", "", None)
            self._header = ""
            self._refresh_at = -math.inf

    # --- the slow path ----------------------------------------------------------------------

    async def _renew(
        self, rejected: str | None, *, rejection_streak: int | None = None
    ) -> _Credential:
        seen_attempts = self._attempts
        seen_generation = self._generation
        async with self._lock:
            replaced = rejected is None or rejected != self._header
            # While we waited for the lock another task may have done the work: a token set
            # adopted meanwhile serves us even if its lifetime is zero.
            served = self._generation != seen_generation or self._clock() < self._refresh_at
            if replaced and self._current is not None and served:
                return self._credential
            if self._attempts != seen_attempts and self._last_failure is not None:
                # Share the failure of the refresh we waited for instead of repeating it.
                raise_for_waiter(self._last_failure)
            try:
                new = await self._renew_locked(rejected)
            except TokenStoreError as exc:
                store_error(self._account_key, exc)
                raise
            if new is not None and rejection_streak is not None:
                self._from_rejection = True
                self._rejection_streak = rejection_streak
                self._rejection_refreshed_at = self._clock()
            credential = self._credential
        if new is not None:
            await self._notify(new)
        return credential

    async def _renew_locked(self, rejected: str | None) -> TokenSet | None:
        """Adopt a usable token set, refreshing if needed; the new one if it was saved now."""
        key = self._account_key
        if self._terminal is None and self._unsaved is None:
            # The common case, a valid stored token, needs no TokenSet (nor pydantic) from a
            # store that can do without: only its access token and expiry.
            peek = await self._load_stored(key)
            if self._usable(peek, rejected):
                assert peek is not None
                self._adopt(peek)
                return None
            first = peek.token_set() if peek is not None else None
        else:
            first = await self._store.load(key)
        if self._terminal is not None:
            # Fail fast, without the token endpoint, until the store holds other tokens.
            if first is None or first == self._terminal_tokens:
                raise ReauthenticationRequired(self._terminal)
            self._terminal = self._terminal_tokens = None
        if self._unsaved is None and self._usable(first, rejected):
            assert first is not None
            self._adopt(first)
            return None
        async with self._store.lock(key):
            stored = await self._store.load(key)
            if self._unsaved is not None:
                base, live = self._unsaved
                if stored == base:
                    # A refresh from the stored token set succeeded but could not be saved:
                    # its result is the live one (the stored refresh token may be rotated
                    # away already). Save it if it is still good, else refresh from it.
                    if self._usable(live, rejected):
                        return live if await self._save_unsaved(live) else None
                    return await self._refresh_and_save(live, base)
                # The store moved on (a new login, another process): it holds the truth.
                self._unsaved = None
            if stored is not None and stored != first and not _is_rejected(stored, rejected):
                # Another process refreshed while we waited for its lock: that serves us.
                self._adopt(stored)
                return None
            if self._usable(stored, rejected):
                assert stored is not None
                self._adopt(stored)
                return None
            if stored is None:
                raise ReauthenticationRequired(
                    f"no token is stored for account {key!r}; log in first"
                )
            return await self._refresh_and_save(stored, stored)

    async def _refresh_and_save(self, token_set: TokenSet, stored: TokenSet) -> TokenSet | None:
        """Refresh from ``token_set`` (``stored`` is what the store holds) and save the result."""
        if token_set.refresh_token is None:
            self._remember_terminal(stored, "the token set has no refresh token")
        if self._clock() < self._quiet_until and self._last_failure is not None:
            # The token endpoint asked us to wait (Retry-After): do not ask again yet.
            raise_for_waiter(self._last_failure)
        attempt = 0
        while True:
            refreshed = False
            try:
                with anyio.CancelScope(shield=True):
                    try:
                        with refreshing(self._account_key, attempt):
                            new = await self._refresher.refresh(token_set)
                    finally:
                        self._attempts += 1
                    refreshed = True
                    new = new.model_copy(update={"generation": stored.generation + 1})
                    self._unsaved = (stored, new)
                    try:
                        await self._store.save(self._account_key, new)
                    except TokenSetSuperseded:
                        # We outlived our lock and another holder saved a newer set: adopt it.
                        await self._adopt_newer()
                        self._last_failure = None
                        return None
                    except Exception as exc:
                        # The provider may have rotated the refresh token already: the new
                        # set is the only live one. Use it from memory, retry the save at
                        # every call until it works, and tell this caller with a typed error.
                        self._adopt_unsaved(new)
                        raise save_error(self._account_key, exc, "the refreshed tokens") from exc
                    self._unsaved = None
                    self._adopt(new)
                self._last_failure = None
                self._quiet_until = -math.inf
                return new
            except Exception as exc:
                if refreshed:
                    # Waiters are served by the adoption; they must not share this error.
                    self._last_failure = None
                    raise
                outcome = self._policy.classify(exc)
                if outcome == "terminal":
                    self._remember_terminal(stored, terminal_reason(exc), exc)
                # Jitter spreads the retries of many processes; not a security use of random.
                retry_after = exc.retry_after if isinstance(exc, TokenEndpointError) else None
                delay = self._policy.retry_delay(attempt, random.random(), retry_after)  # noqa: S311
                if outcome == "fatal" or delay is None:
                    # Whatever it was, the refresh token may be rotated away now: the tasks
                    # that waited for this refresh get its error rather than replaying it.
                    self._last_failure = exc
                    self._quiet_until = self._clock() + self._policy.quiet_period(exc)
                    raise
            attempt += 1
            await anyio.sleep(delay)

    async def _save_unsaved(self, live: TokenSet) -> bool:
        """Retry saving ``live`` (in use from memory); True when it is saved now."""
        try:
            with anyio.CancelScope(shield=True):
                await self._store.save(self._account_key, live)
        except TokenSetSuperseded:
            await self._adopt_newer()
            return False
        except Exception as exc:
            logger.warning(
                "the refreshed tokens of account %r still cannot be saved (%s); "
                "using them from memory",
                self._account_key,
                type(exc).__name__,
            )
            self._adopt_unsaved(live)
            return False
        self._unsaved = None
        self._adopt(live)
        return True

    async def _adopt_newer(self) -> None:
        """Our save was refused as stale: the stored, newer token set is the live one."""
        self._unsaved = None
        newer = await self._store.load(self._account_key)
        if newer is None:
            raise ReauthenticationRequired(
                f"the token set of account {self._account_key!r} was deleted; log in again"
            )
        logger.warning(
            "account %r: another holder saved newer tokens while this one refreshed "
            "(its lock had expired); using the stored ones",
            self._account_key,
        )
        self._adopt(newer)

    def _adopt_unsaved(self, token_set: TokenSet) -> None:
        # In use, but calls go through _renew (and retry the save) until it is saved; the
        # generation bump lets the tasks that queued behind this attempt use it meanwhile.
        self._adopt(token_set)
        self._refresh_at = -math.inf

    def _remember_terminal(
        self, tokens: TokenSet, reason: str, cause: BaseException | None = None
    ) -> NoReturn:
        self._terminal = f"{reason}; log in again for account {self._account_key!r}"
        self._terminal_tokens = tokens
        self._refresh_at = -math.inf
        error = ReauthenticationRequired(self._terminal)
        error.__cause__ = cause
        # Tasks queued behind this refresh share this very error (and its cause).
        self._last_failure = error
        raise error

    async def _load_stored(self, key: str) -> StoredTokenSet | None:
        """The stored token set, unbuilt when the store can (``FileTokenStore.load_stored``)."""
        load_stored = getattr(self._store, "load_stored", None)
        if load_stored is not None:
            stored: StoredTokenSet | None = await load_stored(key)
            return stored
        token_set = await self._store.load(key)
        return StoredTokenSet.of(token_set) if token_set is not None else None

    def _usable(self, token_set: TokenSet | StoredTokenSet | None, rejected: str | None) -> bool:
        if token_set is None or _is_rejected(token_set, rejected):
            return False
        now = self._clock()
        return now < self._policy.deadline_of(token_set, now)

    def _adopt(self, token_set: TokenSet | StoredTokenSet) -> None:
        self._current = token_set
        token = access_token_of(token_set)
        key = token_set.dpop_key if token_set.token_type == "DPoP" else None
        self._header = f"{token_set.token_type} {token}"
        self._credential = (self._header, token, key)
        self._refresh_at = self._policy.deadline_of(token_set, self._clock())
        self._terminal = self._terminal_tokens = None
        self._generation += 1
        # The 401 backoff applies only to tokens a 401-driven refresh produced (see _renew).
        self._from_rejection = False

    async def _notify(self, token_set: TokenSet) -> None:
        if self._on_token is None:
            return
        try:
            result = self._on_token(token_set)
            if inspect.isawaitable(result):
                await result
        except Exception:
            # The token is saved and valid; a failing audit/persistence hook must not
            # fail the request that happened to trigger the refresh.
            logger.exception("on_token hook failed for account %r", self._account_key)


def _is_rejected(token_set: TokenSet | StoredTokenSet, rejected: str | None) -> bool:
    return rejected is not None and _header_of(token_set) == rejected


def _header_of(token_set: TokenSet | StoredTokenSet) -> str:
    return f"{token_set.token_type} {access_token_of(token_set)}"
