"""Telemetry: log events with facts but no secrets; OpenTelemetry metrics and spans, optional."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from lexoffice_auth import ApiKeyAuth, LexofficeAuth, OAuthClient, TokenSet, telemetry
from lexoffice_auth.api import LexofficeClient, RetryPolicy
from lexoffice_auth.errors import RateLimited, TokenStoreError
from lexoffice_auth.stores import MemoryTokenStore
from lexoffice_auth.testing import FakeLexoffice

from ..support.logins import REDIRECT, log_in
from ..support.sources import make_source

pytestmark = pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])

SECRET = "very-secret-client-secret-123"
_RECORD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None)))


def confidential(fake: FakeLexoffice, http: httpx.AsyncClient) -> OAuthClient:
    fake.register_client("shop", [REDIRECT], SECRET)
    return OAuthClient(
        "shop",
        REDIRECT,
        client_secret=SECRET,
        issuer=fake.issuer,
        http_client=http,
        clock=fake.clock,
        scopes=("openid", "profile"),
    )


class FlakyStore(MemoryTokenStore):
    """Saves fail while ``failing`` is set."""

    failing = False

    async def save(self, account_key: str, token_set: TokenSet) -> None:
        if self.failing:
            raise OSError("disk full")
        await super().save(account_key, token_set)


def secrets_of(tokens: list[TokenSet]) -> set[str]:
    out = {SECRET}
    for t in tokens:
        out.add(t.access_token.get_secret_value())
        for secret in (t.refresh_token, t.id_token):
            if secret is not None:
                out.add(secret.get_secret_value())
    return out


async def test_events_carry_account_and_timings_but_never_a_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="lexoffice_auth")
    fake = FakeLexoffice(rate_limit=1.0, rate_limit_capacity=1, access_token_lifetime=60)
    seen: list[TokenSet] = []
    store = FlakyStore()
    async with fake.client() as http:
        oauth = confidential(fake, http)
        source = make_source(
            oauth, "acme", store, clock=fake.clock, retries=0, on_token=seen.append
        )
        await source.save(await log_in(fake, oauth))
        auth = LexofficeAuth(source, api_origins=[fake.api_base])
        client = LexofficeClient(
            auth,
            base_url=fake.api_base,
            http_client=http,
            rate_limit=None,
            retry=RetryPolicy.never(),
        )
        await client.request("GET", "/v1/ping")
        fake.advance(61)  # due: a request refreshes
        await client.request("GET", "/v1/ping")
        fake.revoke_access_tokens()  # a 401, recovered by one refresh
        fake.advance(1.1)
        await client.request("GET", "/v1/ping")
        with pytest.raises(RateLimited):  # too soon for lexoffice's bucket
            await client.request("GET", "/v1/ping")
        fake.fail_next_token_requests(1, "temporarily_unavailable")
        fake.advance(61)
        with pytest.raises(Exception):  # noqa: B017, PT011 - the failure is what we log
            await source.access_token()
        store.failing = True
        fake.advance(61)
        with pytest.raises(TokenStoreError):
            await source.access_token()
        store.failing = False
        await source.access_token()
        paced = LexofficeClient(auth, base_url=fake.api_base, http_client=http, rate_limit=1.0)
        fake.advance(5)
        await paced.request("GET", "/v1/ping")
        await paced.request("GET", "/v1/ping")  # the client's own limiter makes it wait
        seen.append(await source.token_set())

    records = caplog.records
    events = {getattr(r, "lexoffice_event", None) for r in records}
    assert {
        "refresh.started",
        "refresh.succeeded",
        "refresh.failed",
        "unauthorized.recovered",
        "ratelimit.rejected",
        "ratelimit.waited",
        "store.error",
    } <= events
    succeeded = [r for r in records if getattr(r, "lexoffice_event", None) == "refresh.succeeded"]
    assert all(r.account_key == "acme" and r.duration_ms >= 0 for r in succeeded)  # type: ignore[attr-defined]
    assert {r.trigger for r in succeeded} >= {"request", "rejected"}  # type: ignore[attr-defined]
    failed = next(r for r in records if getattr(r, "lexoffice_event", None) == "refresh.failed")
    assert failed.error_code == "temporarily_unavailable" and failed.transient  # type: ignore[attr-defined]

    secrets = secrets_of(seen)
    assert len(secrets) > 5
    for record in records:
        texts = [record.getMessage()] + [
            repr(v) for k, v in vars(record).items() if k not in _RECORD_FIELDS
        ]
        for text in texts:
            for secret in secrets:
                assert secret not in text, (record.lexoffice_event, text)  # type: ignore[attr-defined]


@pytest.fixture
def otel() -> Iterator[tuple[Any, Any]]:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    reader = InMemoryMetricReader()
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    assert telemetry.use_opentelemetry(
        meter_provider=MeterProvider(metric_readers=[reader]), tracer_provider=tracer_provider
    )
    yield reader, spans
    telemetry.disable_opentelemetry()


def _points(reader: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    data = reader.get_metrics_data()
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                out.setdefault(metric.name, []).extend(metric.data.data_points)
    return out


async def test_opentelemetry_metrics_and_spans(otel: tuple[Any, Any]) -> None:
    reader, spans = otel
    fake = FakeLexoffice(rate_limit=None, access_token_lifetime=60)
    async with fake.client() as http:
        oauth = confidential(fake, http)
        source = make_source(oauth, "acme", MemoryTokenStore(), clock=fake.clock)
        await source.save(await log_in(fake, oauth))
        auth = LexofficeAuth(source, api_origins=[fake.api_base])
        client = LexofficeClient(auth, base_url=fake.api_base, http_client=http, rate_limit=1000)
        fake.advance(61)
        await client.request("GET", "/v1/ping")  # refresh (request)
        fake.revoke_access_tokens()
        await client.request("GET", "/v1/ping")  # 401 -> refresh (rejected) -> recovered
        await client.request("GET", "/v1/ping")  # paced: a short wait at 1000/s

    points = _points(reader)
    refreshes = {
        (p.attributes["outcome"], p.attributes["trigger"]): p.value
        for p in points["lexoffice.auth.refreshes"]
    }
    assert refreshes == {("succeeded", "request"): 1, ("succeeded", "rejected"): 1}
    durations = points["lexoffice.auth.refresh.duration"]
    assert sum(p.count for p in durations) == 2 and all(p.sum >= 0 for p in durations)
    assert [p.value for p in points["lexoffice.auth.unauthorized_recovered"]] == [1]
    # No account key in metric attributes (one series per account would not scale).
    for name, data in points.items():
        for p in data:
            assert "acme" not in repr(dict(p.attributes)), name
    finished = spans.get_finished_spans()
    names = [s.name for s in finished]
    assert names.count("lexoffice.refresh") == 2
    assert names.count("lexoffice.api.request") == 3
    api = next(s for s in finished if s.name == "lexoffice.api.request")
    assert api.attributes["http.response.status_code"] == 200
    refresh = next(s for s in finished if s.name == "lexoffice.refresh")
    assert refresh.attributes["lexoffice.account_key"] == "acme"


def test_without_opentelemetry_nothing_breaks_and_it_is_never_imported(
    anyio_backend: str,
) -> None:
    script = textwrap.dedent(
        f"""
        import sys, importlib.abc

        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name == "opentelemetry" or name.startswith("opentelemetry."):
                    raise ImportError("blocked: " + name)
                return None

        sys.meta_path.insert(0, Block())

        import anyio
        import lexoffice_auth
        from lexoffice_auth import telemetry
        from lexoffice_auth import LexofficeAuth, OAuthClient, RefreshingTokenSource
        from lexoffice_auth.api import LexofficeClient
        from lexoffice_auth.testing import FakeLexoffice

        async def main():
            fake = FakeLexoffice(rate_limit=None, access_token_lifetime=60)
            async with fake.client() as http:
                oauth = OAuthClient("sandbox-client", "http://127.0.0.1:8400/callback",
                                    issuer=fake.issuer, http_client=http, clock=fake.clock)
                pending = await oauth.start_login()
                tokens = await oauth.complete_login(fake.approve(pending.authorization_url),
                                                    pending)
                source = RefreshingTokenSource(oauth, "acme", clock=fake.clock)
                await source.save(tokens)
                client = LexofficeClient(LexofficeAuth(source, api_origins=[fake.api_base]),
                                         base_url=fake.api_base, http_client=http)
                fake.advance(61)
                assert (await client.request("GET", "/v1/ping")).status_code == 200
                fake.revoke_access_tokens()
                assert (await client.request("GET", "/v1/profile")).status_code == 200

        anyio.run(main, backend={anyio_backend!r})
        assert telemetry._otel is None and telemetry._otel_checked
        assert telemetry.use_opentelemetry() is False
        assert not [m for m in sys.modules if m.startswith("opentelemetry")]
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_import_lexoffice_auth_does_not_import_opentelemetry(anyio_backend: str) -> None:
    script = (
        "import sys, lexoffice_auth; lexoffice_auth.LexofficeAuth; lexoffice_auth.AuthPool; "
        "import lexoffice_auth.api, lexoffice_auth.telemetry; "
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


async def test_a_global_tracer_provider_set_later_is_picked_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Spans start once the application sets its provider, even after the first call."""
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.util._once import Once

    # A process sets its global provider once; give this test a process-like fresh start.
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", None)
    monkeypatch.setattr(trace, "_TRACER_PROVIDER_SET_ONCE", Once())
    telemetry.disable_opentelemetry()
    assert telemetry.use_opentelemetry()
    try:
        http = httpx.AsyncClient(
            transport=httpx.MockTransport(lambda request: httpx.Response(200, json={}))
        )
        client = LexofficeClient(ApiKeyAuth("k" * 40), http_client=http, rate_limit=None)
        await client.request("GET", "/v1/ping")  # no provider yet: no span, nothing breaks
        spans = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(spans))
        trace.set_tracer_provider(provider)
        await client.request("GET", "/v1/ping")
        await http.aclose()
    finally:
        telemetry.disable_opentelemetry()
    assert [s.name for s in spans.get_finished_spans()] == ["lexoffice.api.request"]
