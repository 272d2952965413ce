"""A Redis token store: token sets and refresh locks shared by a fleet of workers.

``redis`` is an optional dependency (``pip install lexoffice-auth[redis]``), imported only
when a ``RedisTokenStore`` is created. The store drives redis-py's synchronous client in
anyio worker threads, so it runs on asyncio and on trio alike (redis-py's asyncio client
runs on asyncio only).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from functools import partial
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlsplit, urlunsplit

import anyio
import anyio.lowlevel
import anyio.to_thread

from .._core.checks import check_account_key, check_seconds
from .._oauth.tokens import TokenSet, check_token_set
from ..errors import ConfigurationError, TokenStoreError
from ._envelope import check_generation, generation_of, read_envelope
from ._index import check_connection_id

if TYPE_CHECKING:
    from redis import Redis
    from redis.lock import Lock

_T = TypeVar("_T")

__all__ = ["RedisConnectionIndex", "RedisTokenStore"]

logger = logging.getLogger("lexoffice_auth")

_FORMAT = "lexoffice-auth/redis-token"
_VERSION = 1
# WATCH/MULTI retries before a save gives up; only a writer that keeps changing the very
# same key between our GET and EXEC can exhaust them.
_CAS_ATTEMPTS = 16
# How often a waiting host retries the lock (redis-py's Lock polls with SET NX).
_LOCK_POLL = 0.05
# Releasing the lock is shielded from cancellation but never waits longer than this.
_RELEASE_TIMEOUT = 5.0
# Socket timeouts of a client created from a URL (redis-py's default is to wait forever).
_SOCKET_TIMEOUT = 10.0


def _import_redis() -> ModuleType:
    try:
        import redis
        import redis.exceptions
        import redis.lock
    except ImportError as exc:
        raise ConfigurationError(
            "RedisTokenStore needs the redis package: pip install 'lexoffice-auth[redis]'"
        ) from exc
    return redis


def redact_url(url: str) -> str:
    """``url`` with the password (userinfo or ``?password=``) replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid Redis URL>"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, colon, _ = userinfo.partition(":")
        netloc = f"{user}{':***' if colon else ''}@{hostport}"
    query = re.sub(r"(?i)(^|&)(password=)[^&]*", r"\1\2***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _describe_client(client: Any) -> str:
    """Where a user-supplied client connects to, without its credentials."""
    try:
        kwargs = client.connection_pool.connection_kwargs
    except AttributeError:
        return f"<{type(client).__name__}>"
    if kwargs.get("path"):
        return f"unix://{kwargs['path']}"
    host, port, db = kwargs.get("host", "localhost"), kwargs.get("port", 6379), kwargs.get("db", 0)
    return f"redis://{host}:{port}/{db}"


def _password_of(client: Any) -> str | None:
    try:
        password = client.connection_pool.connection_kwargs.get("password")
    except AttributeError:
        return None
    return password if isinstance(password, str) and password else None


class RedisTokenStore:
    """Token sets in Redis, with a refresh lock per account key that works across hosts.

    Pass your own synchronous ``redis.Redis`` client (it stays open; close it yourself) or
    a ``url`` (the store creates a client with 10 s socket timeouts; ``await
    store.aclose()`` or ``async with store:`` closes it). Every Redis call runs in an anyio
    worker thread, so the store works on asyncio and on trio, and one store may be used
    from several event loops and threads (redis-py's client and pool are thread-safe).

    * Each account key has one Redis key, ``{prefix}tokens:{escaped account key}``; the
      account key is percent-escaped (``urllib.parse.quote(key, safe="")``), so any string
      is safe, glob characters included, and the Redis key stays readable.
    * The value is a JSON envelope ``{"format", "version", "account_key", "token_set"}``.
      A value that is not such an envelope (another program's key, corrupt JSON, a newer
      version, another Redis type) raises ``TokenStoreError`` and is never overwritten or
      deleted: ``save`` checks and writes atomically (``WATCH``/``MULTI``).
    * Saves are compare-and-set (``compare_and_set``): in the same ``WATCH``/``MULTI``
      transaction, a token set of ``generation`` ``n > 0`` is refused when the key holds
      generation ``>= n`` (``TokenSetSuperseded``), so a holder whose lease ran out cannot
      overwrite the token set of the holder that came after it.
    * ``lock(account_key)`` is redis-py's ``Lock`` on ``{prefix}lock:{escaped key}`` with
      a lease of ``lock_lease`` seconds. Waiting polls (cancellable, in ``anyio.sleep``);
      while the block runs, a thread renews the lease, so a crashed holder's lock expires
      after at most one lease. Waiting longer than ``lock_timeout`` raises
      ``TokenStoreError``.
    * Redis errors (refused connection, timeouts, authentication) raise
      ``TokenStoreError``; messages and ``repr`` never show the password.

    Example (creating it connects to nothing, and its ``repr`` hides the password):
        >>> store = RedisTokenStore(url="redis://:s3cret@redis.internal:6379/0")
        >>> "s3cret" in repr(store)
        False
        >>> # auth = LexofficeAuth.from_oauth(oauth, "acme", store)
    """

    compare_and_set = True
    """Saves refuse to go back in time (see ``TokenStore``)."""

    def __init__(
        self,
        client: Redis | None = None,
        *,
        url: str | None = None,
        prefix: str = "lexoffice-auth:",
        lock_timeout: float = 60.0,
        lock_lease: float = 30.0,
    ) -> None:
        redis = _import_redis()
        if (client is None) == (url is None):
            raise ConfigurationError("RedisTokenStore takes either a client or url=, not both")
        if not isinstance(prefix, str):
            raise ConfigurationError("prefix must be a string")
        lock_timeout = check_seconds("lock_timeout", lock_timeout, positive=True)
        lock_lease = check_seconds("lock_lease", lock_lease, positive=True)
        # UnicodeDecodeError: a client with decode_responses=True reading non-UTF-8 bytes.
        self._errors: tuple[type[BaseException], ...] = (
            redis.exceptions.RedisError,
            OSError,
            TimeoutError,
            UnicodeDecodeError,
        )
        self._watch_error: type[Exception] = redis.exceptions.WatchError
        self._not_owned: type[Exception] = redis.exceptions.LockNotOwnedError
        self._lock_class: type[Lock] = redis.lock.Lock
        if url is not None:
            if not isinstance(url, str):
                raise ConfigurationError("url must be a string such as redis://host:6379/0")
            self._where = redact_url(url)
            try:
                client = redis.Redis.from_url(
                    url,
                    socket_timeout=_SOCKET_TIMEOUT,
                    socket_connect_timeout=_SOCKET_TIMEOUT,
                )
            except ValueError as exc:
                raise ConfigurationError(
                    f"invalid Redis URL {self._where!r}: expected redis://, rediss:// or unix://"
                ) from (None if _password_in(str(exc), url) else exc)
            self._owns_client = True
        else:
            if not isinstance(client, redis.Redis):
                raise ConfigurationError(
                    "client must be a synchronous redis.Redis (the store runs it in worker "
                    "threads, on asyncio and trio); redis.asyncio clients are not accepted"
                )
            self._where = _describe_client(client)
            self._owns_client = False
        assert client is not None
        self._client: Redis = client
        self._password = _password_of(client)
        self.prefix = prefix
        self.lock_timeout = lock_timeout
        self.lock_lease = lock_lease

    def __repr__(self) -> str:
        return f"RedisTokenStore({self._where!r}, prefix={self.prefix!r})"

    async def aclose(self) -> None:
        """Close the client the store created from ``url`` (a client you passed stays open)."""
        if self._owns_client:
            await self._run("close the connection", self._client.close)

    async def __aenter__(self) -> RedisTokenStore:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # --- keys --------------------------------------------------------------------------

    @property
    def client(self) -> Redis:
        """The synchronous ``redis.Redis`` client, e.g. to pace API calls on the same server
        (``RedisRateLimiter.for_store(store, key=...)``)."""
        return self._client

    def token_key(self, account_key: str) -> str:
        """The Redis key holding ``account_key``'s token set."""
        return f"{self.prefix}tokens:{_escape(account_key)}"

    def lock_key(self, account_key: str) -> str:
        """The Redis key of ``account_key``'s refresh lock."""
        return f"{self.prefix}lock:{_escape(account_key)}"

    @property
    def connection_index(self) -> RedisConnectionIndex:
        """This store's connection index (see ``RedisConnectionIndex``)."""
        return RedisConnectionIndex(self)

    # --- TokenStore ----------------------------------------------------------------------

    async def load(self, account_key: str) -> TokenSet | None:
        """The token set of ``account_key`` or ``None``; ``TokenStoreError`` if unreadable."""
        key = self.token_key(account_key)
        raw = await self._run(f"read {key!r}", self._client.get, key)
        if raw is None:
            return None
        envelope = self._check(key, account_key, raw)
        try:
            return TokenSet.from_dict(envelope.get("token_set"))
        except TokenStoreError as exc:
            raise TokenStoreError(
                f"Redis key {key!r} (account {account_key!r}) is invalid: {exc}"
            ) from exc

    async def save(self, account_key: str, token_set: TokenSet) -> None:
        """Store ``token_set`` for ``account_key``, unless the key holds a foreign value.

        ``TokenSetSuperseded`` if the key holds the same or a newer generation.
        """
        check_account_key(account_key)
        check_token_set(token_set)
        envelope = {
            "format": _FORMAT,
            "version": _VERSION,
            "account_key": account_key,
            "token_set": token_set.to_dict(),
        }
        value = json.dumps(envelope, sort_keys=True)
        await self._check_and_set(account_key, value, token_set.generation)

    async def delete(self, account_key: str) -> None:
        """Forget ``account_key``'s token set (a foreign value is left alone and reported)."""
        await self._check_and_set(account_key, None, 0)

    @asynccontextmanager
    async def lock(self, account_key: str) -> AsyncIterator[None]:
        """The refresh lock of ``account_key``, shared by every host using this Redis.

        Raises ``TokenStoreError`` after ``lock_timeout`` seconds of waiting. While the block
        runs, the lease is renewed every third of ``lock_lease``, for at most
        ``lock_timeout`` seconds in all, so a slow refresh keeps the lock but a holder that
        hangs cannot keep it forever. If the lease was lost anyway, the block's work stands
        (a saved token is valid, a stale save is refused by the compare-and-set) and a
        warning is logged.
        """
        name = self.lock_key(account_key)
        # thread_local=False: the token is shared by the threads that acquire, renew and
        # release it (each call may run in another worker thread).
        lock = self._lock_class(
            self._client, name, timeout=self.lock_lease, blocking=False, thread_local=False
        )
        # Our own token, so that an acquire cut short by cancellation can be undone.
        token = uuid.uuid4().hex
        what = f"take the refresh lock {name!r}"
        deadline = time.monotonic() + self.lock_timeout
        try:
            while not await self._run(what, partial(lock.acquire, blocking=False, token=token)):
                if time.monotonic() >= deadline:
                    raise TokenStoreError(
                        f"timed out after {self.lock_timeout:g} s waiting for the refresh "
                        f"lock of account {account_key!r} in Redis {self._where}"
                    )
                await anyio.sleep(_LOCK_POLL)
            # A worker thread is not interrupted: a cancellation that arrived meanwhile is
            # delivered here, and the lock it got is given back below.
            await anyio.lowlevel.checkpoint_if_cancelled()
        except BaseException:
            with anyio.move_on_after(_RELEASE_TIMEOUT, shield=True):
                await anyio.to_thread.run_sync(self._undo_acquire, lock, token)
            raise
        stop = threading.Event()
        renewer = threading.Thread(
            target=self._keep_lease,
            args=(lock, account_key, stop),
            name=f"lexoffice-auth-lease-{name}",
            daemon=True,
        )
        renewer.start()
        try:
            yield
        finally:
            stop.set()
            with anyio.move_on_after(_RELEASE_TIMEOUT, shield=True):
                await anyio.to_thread.run_sync(renewer.join, _RELEASE_TIMEOUT)
                await anyio.to_thread.run_sync(self._release, lock, account_key)

    # --- helpers (the blocking ones run in worker threads) -----------------------------------

    async def _run(self, what: str, call: Callable[..., _T], *args: Any) -> _T:
        """``call(*args)`` in a worker thread; Redis errors become ``TokenStoreError``."""
        with self._translate(what):
            return await anyio.to_thread.run_sync(partial(call, *args))

    def _undo_acquire(self, lock: Lock, token: str) -> None:
        with contextlib.suppress(*self._errors, self._not_owned):
            lock.do_release(token)

    def _keep_lease(self, lock: Lock, account_key: str, stop: threading.Event) -> None:
        stop_at = time.monotonic() + self.lock_timeout
        interval = self.lock_lease / 3
        while time.monotonic() + interval < stop_at:
            if stop.wait(interval):
                return
            try:
                lock.reacquire()
            except self._not_owned:
                logger.warning(
                    "the Redis refresh lock of account %r expired while held; another "
                    "host may refresh at the same time",
                    account_key,
                )
                return
            except self._errors as exc:
                # The lease is still running; the next renewal may get through.
                logger.warning(
                    "could not renew the Redis refresh lock of account %r: %s",
                    account_key,
                    type(exc).__name__,
                )

    def _release(self, lock: Lock, account_key: str) -> None:
        try:
            lock.release()
        except self._not_owned:
            logger.warning(
                "the Redis refresh lock of account %r had expired before it was released "
                "(the work done under it stands; consider a longer lock_lease)",
                account_key,
            )
        except self._errors as exc:
            logger.warning(
                "could not release the Redis refresh lock of account %r (%s); it expires "
                "by itself within %g s",
                account_key,
                type(exc).__name__,
                self.lock_lease,
            )

    async def _check_and_set(self, account_key: str, value: str | None, generation: int) -> None:
        key = self.token_key(account_key)
        action = "write" if value is not None else "delete"
        done = await self._run(
            f"{action} {key!r}", self._check_and_set_sync, account_key, key, value, generation
        )
        if not done:
            raise TokenStoreError(
                f"could not {action} Redis key {key!r}: it kept changing under concurrent writers"
            )

    def _check_and_set_sync(
        self, account_key: str, key: str, value: str | None, generation: int
    ) -> bool:
        with self._client.pipeline(transaction=True) as pipe:
            for _ in range(_CAS_ATTEMPTS):
                try:
                    pipe.watch(key)  # type: ignore[no-untyped-call]
                    current = pipe.get(key)
                    if current is not None:
                        envelope = self._check(key, account_key, current)
                        if value is not None:
                            stored = generation_of(envelope.get("token_set"))
                            check_generation(account_key, stored, generation)
                    elif value is None:
                        pipe.unwatch()
                        return True
                    pipe.multi()
                    if value is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, value)
                    pipe.execute()
                    return True
                except self._watch_error:
                    continue
        return False

    def _check(self, key: str, account_key: str, raw: bytes | str) -> dict[str, Any]:
        """The envelope in ``raw``; ``TokenStoreError`` if it is not one of ours."""
        envelope = read_envelope(
            raw,
            fmt=_FORMAT,
            version=_VERSION,
            where=f"Redis key {key!r}",
            remedy="delete the key, or choose another prefix",
        )
        if envelope.get("account_key") != account_key:
            raise TokenStoreError(
                f"Redis key {key!r} belongs to another account key; it was left untouched"
            )
        return envelope

    @contextlib.contextmanager
    def _translate(self, what: str) -> Iterator[None]:
        try:
            yield
        except TokenStoreError:
            raise
        except self._errors as exc:
            detail = str(exc)
            leaked = self._password is not None and self._password in detail
            if leaked:
                assert self._password is not None
                detail = detail.replace(self._password, "***")
            message = f"Redis {self._where}: cannot {what}: {type(exc).__name__}"
            if detail:
                message += f": {detail}"
            # The redis exception stays attached unless its text had to be scrubbed.
            raise TokenStoreError(message) from (None if leaked else exc)


class RedisConnectionIndex:
    """The connection index in one Redis hash, ``{prefix}connections``, of a ``RedisTokenStore``.

    Field: the connection id; value: the account key. Each call is one atomic Redis command
    (``HSET``, ``HGET``, ``HDEL``), run in a worker thread like the store's own.

    Example (creating it connects to nothing):
        >>> index = RedisConnectionIndex(RedisTokenStore(url="redis://redis.internal:6379/0"))
        >>> index.key
        'lexoffice-auth:connections'
    """

    def __init__(self, store: RedisTokenStore) -> None:
        if not isinstance(store, RedisTokenStore):
            raise ConfigurationError("RedisConnectionIndex needs the RedisTokenStore it belongs to")
        self.store = store
        self.key = f"{store.prefix}connections"

    def __repr__(self) -> str:
        return f"RedisConnectionIndex({self.store!r})"

    async def record(self, connection_id: str, account_key: str) -> None:
        """Note that ``connection_id`` belongs to ``account_key``."""
        field = check_connection_id(connection_id)
        value = check_account_key(account_key)
        await self.store._run(f"write {self.key!r}", self.store.client.hset, self.key, field, value)

    async def account_for(self, connection_id: str) -> str | None:
        """The account key recorded for ``connection_id``, or ``None``."""
        field = check_connection_id(connection_id)
        raw = await self.store._run(f"read {self.key!r}", self.store.client.hget, self.key, field)
        if raw is None:
            return None
        return raw.decode() if isinstance(raw, bytes) else str(raw)

    async def forget(self, connection_id: str) -> None:
        """Drop the entry of ``connection_id``."""
        field = check_connection_id(connection_id)
        await self.store._run(f"write {self.key!r}", self.store.client.hdel, self.key, field)


def _escape(account_key: str) -> str:
    return quote(check_account_key(account_key), safe="")


def _password_in(text: str, url: str) -> bool:
    try:
        password = urlsplit(url).password
    except ValueError:
        return True
    return password is not None and password != "" and password in text
