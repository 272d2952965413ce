"""Telemetry: structured log events, and OpenTelemetry metrics and spans when installed.

**Log events.** Everything goes to the ``lexoffice_auth`` logger. Each event record carries
its name in ``record.lexoffice_event`` and its facts as further attributes (set through
``extra=``), so a JSON log formatter can ship them as fields:

=========================  =======  =========================================================
``lexoffice_event``        level    fields
=========================  =======  =========================================================
``refresh.started``        DEBUG    ``account_key``, ``trigger``, ``attempt``
``refresh.succeeded``      INFO     ``account_key``, ``trigger``, ``attempt``, ``duration_ms``
``refresh.failed``         WARNING  as above, ``error_type``, ``error_code``, ``transient``
``unauthorized.recovered`` INFO     ``account_key`` (a 401 was answered by a retry that worked)
``ratelimit.waited``       DEBUG    ``wait_ms`` (the client paced a request)
``ratelimit.rejected``     WARNING  ``method``, ``path``, ``retry_after`` (lexoffice said 429)
``store.error``            WARNING  ``account_key``, ``error_type``, ``error``
``background.failed``      WARNING  ``account_key``, ``error_type``, ``retry_in_s``
=========================  =======  =========================================================

``trigger`` says who asked for a refresh: ``"request"`` (a request found the token due),
``"rejected"`` (a 401), ``"background"`` (``BackgroundRefresher``)
or ``"explicit"`` (``source.refresh()``). No event ever holds a token, a refresh token, a
client secret or a provider's free text: errors are named by type and OAuth error code.

**OpenTelemetry** (``pip install 'lexoffice-auth[otel]'``): when ``opentelemetry-api`` is
importable the SDK records, through the global meter and tracer providers (or the ones
given to ``use_opentelemetry``):

* ``lexoffice.auth.refreshes`` (counter; ``outcome``, ``trigger``),
* ``lexoffice.auth.refresh.duration`` (histogram, seconds; ``outcome``, ``trigger``),
* ``lexoffice.auth.unauthorized_recovered`` (counter),
* ``lexoffice.api.rate_limit.wait`` (histogram, seconds; ``kind``: ``pacing`` / ``429``),
* spans ``lexoffice.refresh`` and ``lexoffice.api.request``.

Metric attributes never include the account key (thousands of accounts would make
thousands of series); spans and log events do. ``opentelemetry`` is imported on the first
event, never by ``import lexoffice_auth``; without it each hook costs one ``None`` check.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

__all__ = [
    "LOGGER_NAME",
    "current_trigger",
    "disable_opentelemetry",
    "log_event",
    "triggered_by",
    "use_opentelemetry",
]

LOGGER_NAME = "lexoffice_auth"
"""The logger every event goes to."""

logger = logging.getLogger(LOGGER_NAME)

_trigger: ContextVar[str] = ContextVar("lexoffice_auth_refresh_trigger", default="request")


def current_trigger() -> str:
    """Who asks for a refresh in the current task (``"request"`` unless set)."""
    return _trigger.get()


@contextlib.contextmanager
def triggered_by(trigger: str) -> Iterator[None]:
    """Refreshes started inside this block are reported with ``trigger``."""
    token = _trigger.set(trigger)
    try:
        yield
    finally:
        _trigger.reset(token)


def log_event(event: str, message: str, *, level: int = logging.INFO, **fields: Any) -> None:
    """Log ``message`` as event ``event`` with ``fields`` as record attributes."""
    if logger.isEnabledFor(level):
        logger.log(level, message, extra={"lexoffice_event": event, **fields})


# --- OpenTelemetry, loaded lazily --------------------------------------------------------


class _Otel:
    """The instruments, made once from a meter and a tracer."""

    _recording: bool
    _trace: Any

    def tracing(self) -> bool:
        """Whether a span would be recorded (a provider given, or one set globally since)."""
        if self._recording:
            return True
        # opentelemetry-api keeps the global provider in a module attribute that is set once
        # and for all; reading it skips get_tracer_provider()'s environment lookup on every
        # API call. (It was called once in __init__, which loads a provider named by
        # OTEL_PYTHON_TRACER_PROVIDER.) Should the attribute ever go, ask the function.
        current = getattr(self._trace, "_TRACER_PROVIDER", self)
        if current is None:
            return False
        if current is self:
            current = self._trace.get_tracer_provider()
        recording = not isinstance(current, self._trace.ProxyTracerProvider)
        self._recording = recording
        return recording

    def __init__(self, meter_provider: Any = None, tracer_provider: Any = None) -> None:
        from opentelemetry import metrics, trace

        meter = (
            metrics.get_meter(LOGGER_NAME)
            if meter_provider is None
            else meter_provider.get_meter(LOGGER_NAME)
        )
        self.tracer = (
            trace.get_tracer(LOGGER_NAME)
            if tracer_provider is None
            else tracer_provider.get_tracer(LOGGER_NAME)
        )
        # With no provider given and none set globally, opentelemetry-api hands out a proxy
        # whose spans record nothing; making them costs ~15 µs a request for nothing.
        self._recording = tracer_provider is not None
        self._trace = trace
        trace.get_tracer_provider()
        self.refreshes = meter.create_counter(
            "lexoffice.auth.refreshes", unit="1", description="Token refresh requests"
        )
        self.refresh_duration = meter.create_histogram(
            "lexoffice.auth.refresh.duration", unit="s", description="Token refresh duration"
        )
        self.recovered = meter.create_counter(
            "lexoffice.auth.unauthorized_recovered",
            unit="1",
            description="401 answers recovered by one refresh and retry",
        )
        self.rate_limit_wait = meter.create_histogram(
            "lexoffice.api.rate_limit.wait", unit="s", description="Time a request waited"
        )


_otel: _Otel | None = None
_otel_checked = False


def _instruments() -> _Otel | None:
    global _otel, _otel_checked
    if _otel_checked:
        return _otel
    _otel_checked = True
    try:
        _otel = _Otel()
    except ImportError:
        _otel = None
    return _otel


def use_opentelemetry(*, meter_provider: Any = None, tracer_provider: Any = None) -> bool:
    """Record metrics and spans with these providers (default: the global ones).

    Returns False (and records nothing) when ``opentelemetry-api`` is not installed.
    Without a call the global providers are used from the first event on.

    Example:
        >>> from opentelemetry.sdk.metrics import MeterProvider          # doctest: +SKIP
        >>> use_opentelemetry(meter_provider=MeterProvider(metric_readers=[reader]))
        ... # doctest: +SKIP
    """
    global _otel, _otel_checked
    try:
        _otel = _Otel(meter_provider, tracer_provider)
    except ImportError:
        _otel = None
    _otel_checked = True
    return _otel is not None


def disable_opentelemetry() -> None:
    """Record no metrics and no spans from now on (log events stay)."""
    global _otel, _otel_checked
    _otel, _otel_checked = None, True


# --- hooks the SDK calls -------------------------------------------------------------------


@contextlib.contextmanager
def _span(name: str, attributes: dict[str, Any]) -> Iterator[Any]:
    otel = _instruments()
    if otel is None or not otel.tracing():
        yield None
        return
    with otel.tracer.start_as_current_span(name, attributes=attributes) as span:
        yield span


@contextlib.contextmanager
def refreshing(account_key: str, attempt: int) -> Iterator[None]:
    """Around one refresh request: events, the refresh span, counter and duration."""
    trigger = _trigger.get()
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "refreshing the tokens of account %r (%s)",
            account_key,
            trigger,
            extra={
                "lexoffice_event": "refresh.started",
                "account_key": account_key,
                "trigger": trigger,
                "attempt": attempt,
            },
        )
    started = time.perf_counter()
    outcome = "succeeded"
    try:
        with _span(
            "lexoffice.refresh",
            {"lexoffice.account_key": account_key, "lexoffice.trigger": trigger},
        ):
            yield
    except BaseException as exc:
        outcome = "failed"
        duration = time.perf_counter() - started
        if logger.isEnabledFor(logging.WARNING):
            code = getattr(exc, "error", None)
            logger.warning(
                "refreshing the tokens of account %r failed (%s)",
                account_key,
                type(exc).__name__,
                extra={
                    "lexoffice_event": "refresh.failed",
                    "account_key": account_key,
                    "trigger": trigger,
                    "attempt": attempt,
                    "duration_ms": round(duration * 1000, 3),
                    "error_type": type(exc).__name__,
                    "error_code": code if isinstance(code, str) else None,
                    "transient": bool(getattr(exc, "transient", False)),
                },
            )
        raise
    else:
        duration = time.perf_counter() - started
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                "refreshed the tokens of account %r in %.1f ms",
                account_key,
                duration * 1000,
                extra={
                    "lexoffice_event": "refresh.succeeded",
                    "account_key": account_key,
                    "trigger": trigger,
                    "attempt": attempt,
                    "duration_ms": round(duration * 1000, 3),
                },
            )
    finally:
        otel = _instruments()
        if otel is not None:
            attrs = {"outcome": outcome, "trigger": trigger}
            otel.refreshes.add(1, attrs)
            otel.refresh_duration.record(time.perf_counter() - started, attrs)


def unauthorized_recovered(account_key: str | None) -> None:
    """A 401 was followed by a retry that lexoffice accepted."""
    log_event(
        "unauthorized.recovered",
        f"a 401 for account {account_key!r} was recovered by a refresh and one retry",
        account_key=account_key,
    )
    otel = _instruments()
    if otel is not None:
        otel.recovered.add(1)


def retry_scheduled(attempt: int, wait: float, error: str) -> None:
    """The API client will try a call again after ``wait`` seconds (logged at DEBUG).

    Example:
        >>> retry_scheduled(1, 0.5, "ServerError")  # silent unless DEBUG is enabled
    """
    log_event(
        "api.retry_scheduled",
        f"attempt {attempt} failed ({error}); retrying in {wait:.2f} s",
        level=logging.DEBUG,
        attempt=attempt,
        wait_s=round(wait, 3),
        error=error,
    )


def rate_limit_waited(seconds: float) -> None:
    """The client's limiter held a request back for ``seconds``."""
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "paced a request for %.1f ms",
            seconds * 1000,
            extra={"lexoffice_event": "ratelimit.waited", "wait_ms": round(seconds * 1000, 3)},
        )
    otel = _instruments()
    if otel is not None:
        otel.rate_limit_wait.record(seconds, {"kind": "pacing"})


def rate_limited(method: str, path: str, retry_after: float | None) -> None:
    """lexoffice answered 429; the client will back off (or give up)."""
    log_event(
        "ratelimit.rejected",
        f"{method} {path}: lexoffice answered 429 (rate limit)",
        level=logging.WARNING,
        method=method,
        path=path,
        retry_after=retry_after,
    )
    otel = _instruments()
    if otel is not None and retry_after is not None:
        otel.rate_limit_wait.record(float(retry_after), {"kind": "429"})


def store_error(account_key: str, error: BaseException) -> None:
    """A token store failed; ``error`` is a ``TokenStoreError`` (its text holds no secret)."""
    log_event(
        "store.error",
        f"the token store failed for account {account_key!r}: {type(error).__name__}",
        level=logging.WARNING,
        account_key=account_key,
        error_type=type(error).__name__,
        error=str(error),
    )


_NO_SPAN: contextlib.nullcontext[None] = contextlib.nullcontext()


def api_request(method: str, path: str) -> contextlib.AbstractContextManager[Any]:
    """The span of one API call (retries included); yields the span or None.

    Without a recording tracer this is a shared no-op, so an API call pays nothing for it.
    """
    otel = _instruments()
    if otel is None or not otel.tracing():
        return _NO_SPAN
    return _span("lexoffice.api.request", {"http.request.method": method, "url.path": path})
