"""Shared test configuration.

Async tests run under anyio's pytest plugin (``anyio_mode = "auto"`` in pyproject.toml)
on the asyncio backend by default. Concurrency tests parametrise ``anyio_backend`` over
``["asyncio", "trio"]`` themselves.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# Hypothesis profiles: "ci" (default; modest, so the fuzz tests stay fast) and "nightly"
# (HYPOTHESIS_PROFILE=nightly pytest tests/hardening). Tests that pin max_examples keep it.
import os  # noqa: E402

from hypothesis import settings  # noqa: E402

settings.register_profile("ci", max_examples=100, deadline=None)
settings.register_profile("nightly", max_examples=5_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# httpx builds a TLS context (certifi's bundle) for every client it creates with a default
# transport: ~30 ms each, and the suite creates thousands whose requests never leave the
# process (respx, the sandbox). One shared default context (SSLContext is made to be
# shared) takes that out of the suite's time without changing what any test checks.
import functools  # noqa: E402

import httpx._transports.default as _httpx_default  # noqa: E402

_create_ssl_context = _httpx_default.create_ssl_context


@functools.cache
def _default_ssl_context(trust_env: bool) -> object:
    return _create_ssl_context(verify=True, cert=None, trust_env=trust_env)


def _shared_default_ssl_context(verify: object = True, cert: object = None, trust_env: bool = True):  # type: ignore[no-untyped-def]
    if verify is True and cert is None:
        return _default_ssl_context(trust_env)
    return _create_ssl_context(verify=verify, cert=cert, trust_env=trust_env)  # type: ignore[arg-type]


_httpx_default.create_ssl_context = _shared_default_ssl_context  # type: ignore[assignment]
