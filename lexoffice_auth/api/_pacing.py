"""Client-side pacing: lexoffice allows 2 requests/second per client, one bucket for all.

Both limiters use GCRA (the "virtual scheduling" form of a token bucket): each caller
reserves the next free slot and sleeps until it. The reservation is O(1) and needs no
queue; the sleep is ``anyio.sleep`` (never blocks the loop, works on asyncio and trio, and
is cancellable). A cancelled waiter gives its slot back when it was the last one reserved.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import anyio

from ..errors import ConfigurationError, NetworkError

if TYPE_CHECKING:
    import redis

__all__ = ["RateLimiter", "RedisRateLimiter", "TokenBucket"]


@runtime_checkable
class RateLimiter(Protocol):
    """Anything that can pace requests: ``await limiter.acquire()`` before each one."""

    async def acquire(self) -> None:
        """Return when the next request may be sent."""


def _check_rate(rate: float, burst: float) -> tuple[float, float]:
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate < 1e6:
        raise ConfigurationError(f"rate must be a number of requests per second > 0, got {rate!r}")
    if isinstance(burst, bool) or not isinstance(burst, (int, float)) or not 1 <= burst < 1e6:
        raise ConfigurationError(f"burst must be a number >= 1, got {burst!r}")
    return float(rate), float(burst)


class TokenBucket:
    """An in-process token bucket: ``rate`` requests per second, bursts of ``burst``.

    One bucket may be shared by any number of clients (and event loops or threads); they
    then share the budget, as lexoffice counts per API client, not per connection. The
    default ``burst=1`` sends nothing faster than one request every ``1/rate`` seconds,
    which leaves lexoffice's own bucket room for network jitter.

    Example:
        >>> bucket = TokenBucket(2.0)
        >>> bucket.rate, bucket.burst
        (2.0, 1.0)
    """

    def __init__(
        self,
        rate: float = 2.0,
        *,
        burst: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate, self.burst = _check_rate(rate, burst)
        self._interval = 1.0 / self.rate
        self._tolerance = (self.burst - 1.0) * self._interval
        self._clock = clock
        self._tat = float("-inf")  # theoretical arrival time of the next request
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TokenBucket(rate={self.rate}, burst={self.burst})"

    def reserve(self) -> tuple[float, float]:
        """Reserve the next slot: ``(seconds to wait, the slot's end)``; no waiting."""
        with self._lock:
            now = self._clock()
            tat = max(self._tat, now)
            self._tat = tat + self._interval
            return max(0.0, tat - self._tolerance - now), self._tat

    def _give_back(self, end: float) -> None:
        with self._lock:
            if self._tat == end:  # nobody reserved after us: the slot is free again
                self._tat -= self._interval

    async def acquire(self) -> None:
        """Wait (without blocking the event loop) until a request may be sent."""
        delay, end = self.reserve()
        if delay <= 0:
            return
        try:
            await anyio.sleep(delay)
        except BaseException:
            self._give_back(end)
            raise


# KEYS[1]: the bucket's key. ARGV: interval (µs), tolerance (µs), expiry (ms).
# Returns the microseconds to wait. Uses the server's clock, so that hosts whose clocks
# disagree still share one schedule; atomic because Redis runs a script in one go.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
redis.call('SET', KEYS[1], string.format('%d', tat + interval), 'PX', tonumber(ARGV[3]))
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
return wait
"""


class RedisRateLimiter:
    """A token bucket kept in Redis, shared by every process (and host) using the same key.

    Needs the ``redis`` extra (``pip install 'lexoffice-auth[redis]'``); ``redis`` is
    imported only when this class is created. The reservation is one atomic Lua script
    on the server's clock; the script runs in a worker thread (``anyio.to_thread``) so the
    limiter works on asyncio and trio alike, and the wait is an ``anyio.sleep``.

    Pass ``url`` (``redis://host:6379/0``) or a synchronous ``redis.Redis`` ``client``.
    Use one ``key`` per lexoffice API client (API key or OAuth connection).

    Example:
        >>> limiter = RedisRateLimiter("redis://127.0.0.1:6379/0", key="acme")  # doctest: +SKIP
        >>> client = LexofficeClient(auth, limiter=limiter)                      # doctest: +SKIP
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        key: str,
        rate: float = 2.0,
        burst: float = 1.0,
        client: redis.Redis | None = None,
        prefix: str = "lexoffice-auth:rate:",
    ) -> None:
        self.rate, self.burst = _check_rate(rate, burst)
        if not isinstance(key, str) or not key:
            raise ConfigurationError("key must be a non-empty string naming the API client")
        if (url is None) == (client is None):
            raise ConfigurationError("pass exactly one of url= or client=")
        try:
            import redis as redis_module
        except ImportError:
            raise ConfigurationError(
                "RedisRateLimiter needs the redis package: pip install 'lexoffice-auth[redis]'"
            ) from None
        self._redis_errors: tuple[type[BaseException], ...] = (redis_module.RedisError,)
        self._client: Any = client if client is not None else redis_module.Redis.from_url(str(url))
        self._owns = client is None
        self._key = prefix + key
        interval_us = round(1_000_000 / self.rate)
        self._args = (
            interval_us,
            round((self.burst - 1.0) * interval_us),
            max(1000, round(2 * self.burst * interval_us / 1000) + 1000),
        )
        self._script = self._client.register_script(_GCRA)

    def __repr__(self) -> str:
        return f"RedisRateLimiter(key={self._key!r}, rate={self.rate}, burst={self.burst})"

    def _reserve(self) -> float:
        try:
            micros = self._script(keys=[self._key], args=list(self._args))
        except self._redis_errors as exc:
            raise NetworkError(f"the rate limiter's Redis server failed: {exc}") from exc
        return int(micros) / 1_000_000

    async def acquire(self) -> None:
        """Reserve a slot in Redis, then wait for it without blocking the event loop."""
        delay = await anyio.to_thread.run_sync(self._reserve)
        if delay > 0:
            await anyio.sleep(delay)

    def close(self) -> None:
        """Close the connection pool if this limiter created it."""
        if self._owns:
            self._client.close()
