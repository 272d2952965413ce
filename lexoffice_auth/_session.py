"""TokenSource: the current access token of one account, refreshed exactly once when it runs out.

The shape follows golang.org/x/oauth2's ``ReuseTokenSource``: a source per account key
wraps something that can refresh (``OAuthClient``) and a ``TokenStore``; the auth plug-in
only asks the source for a header. Stores are touched only when the cached token is no
longer good, so a request with a valid token costs a clock read and an attribute load.
"""

from __future__ import annotations

import inspect
import logging
import math
import random
from collections.abc import Awaitable, Callable
from typing import NoReturn, Protocol, TypedDict

import anyio

from ._clock import Clock, system_clock
from ._errors import (
    ConfigurationError,
    IdTokenError,
    NetworkError,
    ReauthenticationRequired,
    TokenEndpointError,
    TokenRequestError,
)
from ._tokens import TokenSet
from .stores import MemoryTokenStore, TokenStore
from .stores._checks import check_account_key, check_count, check_seconds, check_token_set

__all__ = ["Refresher", "SourceOptions", "TokenHook", "TokenSource"]

logger = logging.getLogger("lexoffice_auth")

TokenHook = Callable[[TokenSet], Awaitable[None] | None]
"""Called with every new token set after it is saved and the locks are released.

A plain or an async function; it can be cancelled, and its exceptions are only logged.
"""

# RFC 6749 §5.2 errors after which the same refresh token can never succeed.
_TERMINAL_ERRORS = frozenset({"invalid_grant", "invalid_client", "unauthorized_client"})


class SourceOptions(TypedDict, total=False):
    """The keyword options of ``TokenSource``, for functions that pass them through."""

    leeway: float
    leeway_fraction: float
    clock: Clock
    on_token: TokenHook | None
    retries: int
    backoff: float
    max_backoff: float
    reject_refresh_interval: float


class Refresher(Protocol):
    """Anything that turns a token set into a fresher one; ``OAuthClient`` is one."""

    async def refresh(self, token_set: TokenSet) -> TokenSet:
        """A new token set from ``token_set``'s refresh token."""
        ...


class TokenSource:
    """The access token of one account key, kept fresh.

    ``await access_token()`` returns a token that stays valid for at least the leeway,
    refreshing first when needed. The leeway is ``min(leeway, leeway_fraction * lifetime)``
    so a provider issuing 30-second tokens does not cause a refresh on every call: with the
    defaults (60 s, a quarter) a one-hour token is refreshed 60 s early and a 30-second
    token 7.5 s early, i.e. it is used for three quarters of its life.

    Refresh is single-flight: concurrent callers in this process share one refresh (an
    ``anyio.Lock``), and processes sharing the store share one too (``store.lock``); after
    taking the locks the store is read again, because another holder may have refreshed
    already. A new token set is saved before anyone gets it; ``on_token`` is called after
    that, once the locks are released and outside the cancellation shield, so a slow hook
    neither blocks other holders of the store lock nor resists cancellation.

    After a 401 (:meth:`handle_rejected`) a token this source refreshed less than
    ``reject_refresh_interval`` seconds ago is not refreshed again: an API that rejects even
    brand-new tokens would otherwise cause a refresh per request.

    Failures:

    * terminal (``invalid_grant``, ``invalid_client``, ``unauthorized_client``, no refresh
      token): ``ReauthenticationRequired``. It is remembered, so later calls fail fast
      without calling the token endpoint, until a new login is saved through
      :meth:`save` or the store holds another token set (saved by another process).
      A refresh whose new id_token fails verification (``IdTokenError``, e.g. another
      ``sub``) is terminal too, with the ``IdTokenError`` as ``__cause__``: the grant now
      names another identity, or the provider misbehaves.
    * transient (network errors, 5xx, 429, ``temporarily_unavailable``): the refresh token is
      kept and the refresh is retried ``retries`` times with exponential backoff; then the
      error is raised to every caller that waited for that refresh.
    * anything else (a store error, an unexpected exception): raised as is; the callers
      that waited for that refresh get a copy (same class, message and attributes, chained
      to the original) and never retry it with a refresh token the provider may have
      rotated away already.

    A refresh request that has been sent is seen through (shielded from cancellation,
    bounded by the refresher's own timeout) and its result saved: with rotating refresh
    tokens, abandoning it could lose the only refresh token that still works.

    Example:
        >>> source = TokenSource(oauth, "acme", FileTokenStore("tokens.json"))  # doctest: +SKIP
        >>> await source.save(await oauth.complete_login(url, pending))         # doctest: +SKIP
        >>> token = await source.access_token()                                 # doctest: +SKIP
    """

    def __init__(
        self,
        refresher: Refresher,
        account_key: str,
        store: TokenStore | None = None,
        *,
        leeway: float = 60.0,
        leeway_fraction: float = 0.25,
        clock: Clock = system_clock,
        on_token: TokenHook | None = None,
        retries: int = 2,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        reject_refresh_interval: float = 10.0,
    ) -> None:
        refresh = getattr(refresher, "refresh", None)
        if not callable(refresh) or (
            inspect.isroutine(refresh) and not inspect.iscoroutinefunction(refresh)
        ):
            raise ConfigurationError(
                "refresher needs an async refresh(token_set) method (e.g. an OAuthClient), "
                f"got {type(refresher).__name__}"
            )
        if store is not None and not isinstance(store, TokenStore):
            raise ConfigurationError(
                "store must have async load/save/delete and lock() (a TokenStore), "
                f"got {type(store).__name__}"
            )
        if not callable(clock) or (on_token is not None and not callable(on_token)):
            raise ConfigurationError("clock and on_token must be callables")
        self._refresher = refresher
        self._account_key = check_account_key(account_key)
        self._store: TokenStore = store if store is not None else MemoryTokenStore()
        self._leeway = check_seconds("leeway", leeway)
        if isinstance(leeway_fraction, bool) or not isinstance(leeway_fraction, (int, float)):
            raise ConfigurationError("leeway_fraction must be a number within [0, 1]")
        if not 0 <= leeway_fraction <= 1:  # also refuses nan
            raise ConfigurationError("leeway_fraction must be a number within [0, 1]")
        self._fraction = float(leeway_fraction)
        self._clock = clock
        self._on_token = on_token
        self._retries = check_count("retries", retries)
        self._backoff = check_seconds("backoff", backoff)
        self._max_backoff = check_seconds("max_backoff", max_backoff)
        self._reject_interval = check_seconds("reject_refresh_interval", reject_refresh_interval)
        # When the current token set was obtained by this source's own refresh (its clock).
        self._refreshed_at = -math.inf
        self._lock = anyio.Lock()
        # The hot path reads only these two: the precomputed header and when to stop using it.
        self._header = ""
        self._refresh_at = -math.inf
        self._current: TokenSet | None = None
        # (token set refreshed from, its successor) while the successor is not yet saved.
        self._unsaved: tuple[TokenSet, TokenSet] | None = None
        self._terminal: str | None = None
        self._terminal_tokens: TokenSet | None = None
        self._attempts = 0
        self._last_failure: Exception | None = None

    def __repr__(self) -> str:
        if self._terminal is not None:
            state = "reauthentication required"
        elif self._current is None:
            state = "not loaded"
        else:
            state = "valid" if self._clock() < self._refresh_at else "due for refresh"
        return f"TokenSource(account_key={self._account_key!r}, store={self._store!r}, {state})"

    @property
    def account_key(self) -> str:
        """The account this source holds tokens for."""
        return self._account_key

    @property
    def store(self) -> TokenStore:
        """The store the tokens are kept in."""
        return self._store

    @property
    def current(self) -> TokenSet | None:
        """The cached token set, without any I/O or refresh (``None`` before the first use)."""
        return self._current

    # --- reading --------------------------------------------------------------------------

    async def authorization_header(self) -> str:
        """``"Bearer <token>"`` for a token valid for at least the leeway."""
        if self._clock() < self._refresh_at:
            return self._header
        return await self._renew(None)

    async def access_token(self) -> str:
        """An access token valid for at least the leeway, refreshed first when needed."""
        return (await self.authorization_header())[len("Bearer ") :]

    async def token_set(self) -> TokenSet:
        """The whole current token set (e.g. for its scopes or id_token claims)."""
        await self.authorization_header()
        assert self._current is not None  # _renew either adopts a token set or raises
        return self._current

    async def refresh(self) -> TokenSet:
        """Refresh now, even if the token still looks valid (unless another holder just did)."""
        if self._current is None:
            await self.authorization_header()
        await self._renew(self._header)
        assert self._current is not None
        return self._current

    async def handle_rejected(self, header: str) -> str:
        """The header to retry with after the API answered 401 to ``header``.

        Refreshes only if ``header`` is still the current one; a token that was already
        replaced (by another task or process) is not refreshed a second time. Neither is a
        token this source refreshed less than ``reject_refresh_interval`` seconds ago: the
        current header is returned, and the caller's retry meets the API's verdict again.
        """
        if header != self._header and self._clock() < self._refresh_at:
            return self._header
        if header == self._header and self._clock() - self._refreshed_at < self._reject_interval:
            return self._header
        return await self._renew(header)

    # --- writing --------------------------------------------------------------------------

    async def save(self, token_set: TokenSet) -> None:
        """Store a new token set (e.g. after a login) and use it from now on.

        Clears a remembered ``ReauthenticationRequired``.
        """
        check_token_set(token_set)
        async with self._lock, self._store.lock(self._account_key):
            with anyio.CancelScope(shield=True):
                await self._store.save(self._account_key, token_set)
                self._adopt(token_set)
        await self._notify(token_set)

    async def forget(self) -> None:
        """Delete this account's tokens from the store and the cache (e.g. on logout)."""
        async with self._lock, self._store.lock(self._account_key):
            await self._store.delete(self._account_key)
            self._current = self._unsaved = None
            self._header = ""
            self._refresh_at = -math.inf

    # --- the slow path ----------------------------------------------------------------------

    async def _renew(self, rejected: str | None) -> str:
        seen = self._attempts
        async with self._lock:
            # While we waited for the lock another task may have done the work.
            if self._clock() < self._refresh_at and (rejected is None or rejected != self._header):
                return self._header
            if self._attempts != seen and self._last_failure is not None:
                # Share the failure of the refresh we waited for instead of repeating it.
                _raise_for_waiter(self._last_failure)
            await self._fail_fast_if_terminal()
            new = await self._renew_locked(rejected)
            header = self._header
        if new is not None:
            await self._notify(new)
        return header

    async def _renew_locked(self, rejected: str | None) -> TokenSet | None:
        """Adopt a usable token set, refreshing if needed; the new one if it was saved now."""
        key = self._account_key
        stored = await self._store.load(key)
        if self._usable(stored, rejected):
            assert stored is not None
            self._adopt(stored)
            return None
        async with self._store.lock(key):
            stored = await self._store.load(key)
            if self._usable(stored, rejected):
                assert stored is not None
                self._adopt(stored)
                return None
            if self._unsaved is not None and self._unsaved[0] == stored:
                # An earlier refresh from this very token set succeeded but could not be
                # saved; its refresh token is the live one (the stored one may be rotated
                # away already), so save it instead of refreshing with the stored one.
                stored = self._unsaved[1]
                if self._usable(stored, rejected):
                    with anyio.CancelScope(shield=True):
                        await self._save_and_adopt(stored, stored)
                    return stored
            if stored is None:
                raise ReauthenticationRequired(
                    f"no token is stored for account {key!r}; log in first"
                )
            if stored.refresh_token is None:
                self._remember_terminal(stored, "the token set has no refresh token")
            return await self._refresh_and_save(stored)

    async def _refresh_and_save(self, stored: TokenSet) -> TokenSet:
        attempt = 0
        while True:
            try:
                with anyio.CancelScope(shield=True):
                    try:
                        new = await self._refresher.refresh(stored)
                    finally:
                        self._attempts += 1
                    await self._save_and_adopt(new, stored)
                self._last_failure = None
                return new
            except ReauthenticationRequired as exc:
                self._remember_terminal(stored, str(exc), exc)
            except TokenRequestError as exc:
                if exc.error in _TERMINAL_ERRORS:
                    self._remember_terminal(stored, f"the provider answered {exc.error}", exc)
                if not exc.transient or attempt >= self._retries:
                    self._last_failure = exc
                    raise
            except (NetworkError, TokenEndpointError) as exc:
                if not getattr(exc, "transient", False) or attempt >= self._retries:
                    self._last_failure = exc
                    raise
            except IdTokenError as exc:
                # The provider has already rotated the grant; its new id_token names another
                # identity or is forged. Neither the old nor the new tokens may be used.
                self._remember_terminal(stored, f"the refreshed id_token failed ({exc.check})", exc)
            except Exception as exc:
                # Whatever it was, the refresh token may be rotated away now: the tasks that
                # waited for this refresh get its error rather than replaying the token.
                self._last_failure = exc
                raise
            delay = min(self._max_backoff, self._backoff * 2**attempt)
            attempt += 1
            # Jitter spreads the retries of many processes; not a security use of random.
            await anyio.sleep(delay * (0.5 + random.random() / 2))  # noqa: S311

    async def _save_and_adopt(self, token_set: TokenSet, base: TokenSet) -> None:
        self._unsaved = (base, token_set)
        await self._store.save(self._account_key, token_set)
        self._unsaved = None
        self._adopt(token_set)
        self._refreshed_at = self._clock()

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

    async def _fail_fast_if_terminal(self) -> None:
        if self._terminal is None:
            return
        stored = await self._store.load(self._account_key)
        if stored is not None and stored != self._terminal_tokens:
            self._terminal = self._terminal_tokens = None
            return
        raise ReauthenticationRequired(self._terminal)

    def _refresh_deadline(self, token_set: TokenSet, now: float) -> float:
        expires_at = token_set.expires_at
        if expires_at is None:
            return math.inf
        lifetime = token_set.lifetime
        if lifetime is None:
            lifetime = expires_at - now
        return expires_at - min(self._leeway, self._fraction * max(lifetime, 0.0))

    def _usable(self, token_set: TokenSet | None, rejected: str | None) -> bool:
        if token_set is None:
            return False
        if rejected is not None and _bearer(token_set) == rejected:
            return False
        return self._clock() < self._refresh_deadline(token_set, self._clock())

    def _adopt(self, token_set: TokenSet) -> None:
        self._current = token_set
        self._header = _bearer(token_set)
        self._refresh_at = self._refresh_deadline(token_set, self._clock())
        self._terminal = self._terminal_tokens = None
        # Only a token set this source refreshed itself is throttled (see handle_rejected).
        self._refreshed_at = -math.inf

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


def _raise_for_waiter(failure: Exception) -> NoReturn:
    """Raise ``failure`` again for a task that waited for it, as an exception of its own.

    Raising one instance in many tasks would make them all write to its one traceback.
    The copy keeps the class, message and attributes; a ``ReauthenticationRequired`` keeps
    its cause (the provider's answer), anything else is chained to the original.
    """
    if type(failure) is ReauthenticationRequired:
        raise ReauthenticationRequired(str(failure)) from failure.__cause__
    cls = type(failure)
    try:
        # Not copy.copy(): it calls __init__ with .args, which keyword-only parameters
        # (status_code=, transient=) break. __new__ sets .args; the rest is in __dict__.
        fresh = cls.__new__(cls, *failure.args)
        fresh.__dict__.update(vars(failure))
    except Exception:  # an exotic exception type: share the instance after all
        raise failure.with_traceback(None) from failure.__cause__
    raise fresh from failure


def _bearer(token_set: TokenSet) -> str:
    return "Bearer " + token_set.access_token.get_secret_value()
