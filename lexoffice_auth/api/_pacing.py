"""Client-side pacing: lexoffice allows 2 requests/second per client, one bucket for all.

Both limiters work in two steps:

1. **Reserve** a slot with GCRA (the "virtual scheduling" form of a token bucket): O(1),
   fair (first come, first served), no queue. Then sleep until the slot with
   ``anyio.sleep`` (never blocks the loop, works on asyncio and trio, cancellable; a
   cancelled waiter gives its slot back when it was the last one reserved).
2. **Pass the gate**: a real token bucket, checked at the moment of sending. A waiter that
   woke late (a busy loop) or early (trio's timers may fire a few ms early) is held until
   the bucket really has a token. Without this, lateness would silently eat the slack of
   lexoffice's own bucket and a long burst would end in 429s even at the allowed rate.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import anyio

from .. import telemetry
from ..errors import ConfigurationError, NetworkError, RateLimited
from ..rules import RefillingBucket

if TYPE_CHECKING:
    import redis

__all__ = ["RateLimiter", "RedisRateLimiter", "TokenBucket"]


@runtime_checkable
class RateLimiter(Protocol):
    """Anything that can pace requests: ``await limiter.acquire()`` before each one.

    A limiter that also has ``feedback(throttled: bool)`` hears how every request fared
    (``TokenBucket`` uses it to slow down when lexoffice allows less than configured).
    """

    async def acquire(self) -> None:
        """Return when the next request may be sent."""


def _check_rate(rate: float, burst: float) -> tuple[float, float]:
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate < 1e6:
        raise ConfigurationError(f"rate must be a number of requests per second > 0, got {rate!r}")
    if isinstance(burst, bool) or not isinstance(burst, (int, float)) or not 1 <= burst < 1e6:
        raise ConfigurationError(f"burst must be a number >= 1, got {burst!r}")
    return float(rate), float(burst)


# Adapting to a server that allows less than configured (see TokenBucket.feedback).
_WINDOW = 10.0  # seconds of accepted requests that tell what the server allows
_CUT_BELOW = 0.95  # the new rate, as a share of what the server accepted
_CUT_AT_LEAST = 0.9  # every cut lowers the rate by at least 10 %
_CALM_BEFORE_PROBING = 300.0  # seconds without a 429 before the rate creeps up again
_PROBE_STEP = 0.01  # each accepted request then adds this share of the configured rate
_FLOOR = 0.05  # never below this share of the configured rate


class TokenBucket:
    """An in-process token bucket: ``rate`` requests per second, bursts of ``burst``.

    One bucket may be shared by any number of clients (and event loops or threads); they
    then share the budget, as lexoffice counts per API client, not per connection. The
    default ``burst=1`` sends nothing faster than one request every ``1/rate`` seconds,
    which leaves lexoffice's own bucket room for network jitter.

    The bucket adapts when lexoffice allows less than ``rate`` (its limits "may be changed
    on short notice"): the client reports every answer through ``feedback``, a 429
    despite pacing cuts ``current_rate`` to just below what lexoffice accepted over the
    last 10 s (multiplicative decrease), and after 5 minutes without a 429 it creeps back
    towards ``rate`` (additive increase).

    Example:
        >>> bucket = TokenBucket(2.0)
        >>> bucket.rate, bucket.burst, bucket.current_rate
        (2.0, 1.0, 2.0)
    """

    def __init__(
        self,
        rate: float = 2.0,
        *,
        burst: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate, self.burst = _check_rate(rate, burst)
        self._clock = clock
        self._tat = float("-inf")  # theoretical arrival time of the next request
        # The gate: lexoffice's own bucket rule, checked at send time; its rate follows
        # current_rate.
        self._gate = RefillingBucket.full(rate=self.rate, capacity=self.burst, now=clock())
        self._lock = threading.Lock()
        self._set_rate(self.rate)
        self._accepted: deque[float] = deque()
        self._first_answer: float | None = None
        self._last_cut = float("-inf")

    def __repr__(self) -> str:
        return f"TokenBucket(rate={self.rate}, burst={self.burst})"

    @property
    def current_rate(self) -> float:
        """The rate in force: ``rate``, or less while lexoffice allows less."""
        return self._current

    def _set_rate(self, rate: float) -> None:
        self._current = rate
        self._gate.rate = rate
        self._interval = 1.0 / rate
        self._tolerance = (self.burst - 1.0) * self._interval

    def feedback(self, throttled: bool) -> None:
        """Report how a paced request fared: ``throttled`` for a 429 (or lexoffice's
        rate-limit 500), else False. The client calls this for every answer."""
        with self._lock:
            now = self._clock()
            if self._first_answer is None:
                self._first_answer = now
            while self._accepted and self._accepted[0] < now - _WINDOW:
                self._accepted.popleft()
            if throttled:
                self._cut(now)
                return
            self._accepted.append(now)
            calm = now - self._last_cut
            if calm >= _CALM_BEFORE_PROBING and self._current < self.rate:
                self._set_rate(min(self.rate, self._current + self.rate * _PROBE_STEP))

    def _cut(self, now: float) -> None:
        # One cut per burst of 429s: those answers all describe the same overload.
        if now - self._last_cut < max(1.0, 2 * self._interval):
            return
        first = now if self._first_answer is None else self._first_answer
        elapsed = min(_WINDOW, now - first)
        accepted = len(self._accepted) / elapsed if elapsed >= 1.0 else self._current
        rate = min(self._current * _CUT_AT_LEAST, accepted * _CUT_BELOW)
        self._set_rate(max(self.rate * _FLOOR, rate))
        self._last_cut = now

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

    def take(self) -> float:
        """Take a token now if the bucket has one (0.0), else the seconds until it will."""
        with self._lock:
            if self._gate.take(self._clock()):
                return 0.0
            return max((1.0 - self._gate.tokens) / self._current, 1e-4)

    async def acquire(self) -> None:
        """Wait (without blocking the event loop) until a request may be sent."""
        delay, end = self.reserve()
        try:
            if delay > 0:
                await anyio.sleep(delay)
            while (wait := self.take()) > 0:  # noqa: ASYNC110 - a timed wait, no event to await
                await anyio.sleep(wait)
        except BaseException:
            self._give_back(end)
            raise


# KEYS[1]: the bucket's key. ARGV: interval (µs), tolerance (µs), extra lifetime (ms), the
# furthest a sane schedule reaches ahead (µs). Returns {µs to wait, 1 if the stored value was
# unusable}: a value that is no number, or reaches further ahead than any real queue could
# (a squatted or corrupted key), is taken as absent instead of making every caller wait.
# The key lives until its last reserved slot plus the extra lifetime. Uses the server's
# clock, so hosts whose clocks disagree share one schedule; atomic, as Redis runs a script
# in one go.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local horizon = tonumber(ARGV[4])
local raw = redis.call('GET', KEYS[1])
local tat = tonumber(raw or '0')
local reset = 0
if tat == nil or tat ~= tat or tat > now + horizon then
  tat = now
  reset = 1
end
if tat < now then tat = now end
local ttl = math.ceil((tat + interval - now) / 1000) + tonumber(ARGV[3])
redis.call('SET', KEYS[1], string.format('%d', tat + interval), 'PX', ttl)
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
return {wait, reset}
"""


# The gate: a token bucket in a hash {tokens, updated (µs)}. ARGV: rate (per µs), burst,
# expiry (ms). Returns {0 when a token was taken, else the µs until one exists; 1 if the
# stored state was unusable (no numbers, tokens outside [-1, burst], a time in the future)
# and was started afresh}.
_GATE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1])
local updated = tonumber(state[2])
local reset = 0
if state[1] or state[2] then
  if tokens == nil or updated == nil or tokens ~= tokens or tokens < -1 or tokens > burst
     or updated > now + 1000000 then
    tokens = nil
    reset = 1
  end
end
if tokens == nil then
  tokens = burst
  updated = now
end
if now > updated then
  tokens = math.min(burst, tokens + (now - updated) * rate)
  updated = now
end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', string.format('%d', updated))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return {wait, reset}
"""


class RedisRateLimiter:
    """A token bucket kept in Redis, shared by every process (and host) using the same key.

    Needs the ``redis`` extra (``pip install 'lexoffice-auth[redis]'``); ``redis`` is
    imported only when this class is created. The reservation is one atomic Lua script
    on the server's clock (and the gate, a second script, checks the bucket at send time);
    the scripts run in a worker thread (``anyio.to_thread``) so the limiter works on
    asyncio and trio alike, and every wait is an ``anyio.sleep``.

    Pass ``url`` (``redis://host:6379/0``) or a synchronous ``redis.Redis`` ``client``.
    Use one ``key`` per lexoffice API client (API key or OAuth connection). A cancelled
    waiter's slot is not given back here (other processes may have reserved after it):
    cancellations make the schedule slower, never faster.

    A stored value that is unusable (not a number, or a schedule reaching further ahead
    than ``max_wait``: a squatted or corrupted key) is logged and started afresh, and no
    wait ever exceeds ``max_wait`` seconds: past it, ``acquire`` raises
    ``RateLimited`` instead of waiting on.

    Example (creating it connects to nothing; the first request does):
        >>> limiter = RedisRateLimiter("redis://127.0.0.1:6379/0", key="acme")
        >>> limiter
        RedisRateLimiter(key='lexoffice-auth:rate:acme', rate=2.0, burst=1.0)
        >>> # LexofficeClient(auth, limiter=limiter): every process with key "acme" shares it
    """

    @classmethod
    def for_store(
        cls, store: Any, *, key: str, rate: float = 2.0, burst: float = 1.0
    ) -> RedisRateLimiter:
        """A limiter on the Redis server of a ``RedisTokenStore`` (its ``client``).

        A fleet that keeps its tokens in Redis paces its API calls there too, with no
        second connection to configure. The store keeps owning the client.
        """
        client = getattr(store, "client", None)
        if client is None:
            raise ConfigurationError(
                f"for_store() needs a RedisTokenStore, not {type(store).__name__}"
            )
        return cls(key=key, rate=rate, burst=burst, client=client)

    def __init__(
        self,
        url: str | None = None,
        *,
        key: str,
        rate: float = 2.0,
        burst: float = 1.0,
        client: redis.Redis | None = None,
        prefix: str = "lexoffice-auth:rate:",
        max_wait: float = 60.0,
    ) -> None:
        self.rate, self.burst = _check_rate(rate, burst)
        if isinstance(max_wait, bool) or not isinstance(max_wait, (int, float)):
            raise ConfigurationError(f"max_wait must be a number of seconds, got {max_wait!r}")
        if not 0 < max_wait < 1e6:
            raise ConfigurationError(f"max_wait must be a number of seconds > 0, got {max_wait!r}")
        self.max_wait = float(max_wait)
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
            round(self.max_wait * 1_000_000) + interval_us,
        )
        self._script = self._client.register_script(_GCRA)
        self._gate = self._client.register_script(_GATE)
        self._gate_args = (self.rate / 1_000_000, self.burst, self._args[2])

    def __repr__(self) -> str:
        return f"RedisRateLimiter(key={self._key!r}, rate={self.rate}, burst={self.burst})"

    def _run(self, script: Any, key: str, args: tuple[float, ...]) -> float:
        try:
            micros, reset = script(keys=[key], args=list(args))
        except self._redis_errors as exc:
            raise NetworkError(f"the rate limiter's Redis server failed: {exc}") from exc
        if reset:
            telemetry.log_event(
                "rate_limit.reset",
                f"the rate limiter's Redis key {key!r} held an unusable value; started afresh",
                level=logging.WARNING,
                key=key,
            )
        return int(micros) / 1_000_000

    def _reserve(self) -> float:
        return self._run(self._script, self._key, self._args)

    def _take(self) -> float:
        return self._run(self._gate, self._key + ":gate", self._gate_args)

    async def acquire(self) -> None:
        """Reserve a slot in Redis, wait for it, then pass the gate; never blocks the loop,
        never waits longer than ``max_wait`` in all."""
        waited = await self._wait(await anyio.to_thread.run_sync(self._reserve), 0.0)
        while (delay := await anyio.to_thread.run_sync(self._take)) > 0:
            waited = await self._wait(delay, waited)

    async def _wait(self, delay: float, waited: float) -> float:
        if delay <= 0:
            return waited
        if waited + delay > self.max_wait:
            raise RateLimited(
                f"the shared rate limit {self._key!r} would make this request wait more "
                f"than max_wait={self.max_wait:g} s; too many callers share it",
                retry_after=delay,
            )
        await anyio.sleep(delay)
        return waited + delay

    def close(self) -> None:
        """Close the connection pool if this limiter created it."""
        if self._owns:
            self._client.close()
