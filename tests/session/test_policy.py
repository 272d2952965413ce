"""RefreshPolicy: the refresh rules as pure functions, apart from locks and I/O."""

from __future__ import annotations

import math

import pytest

from lexoffice_auth import RefreshPolicy, TokenSet
from lexoffice_auth.errors import (
    ConfigurationError,
    IdTokenError,
    NetworkError,
    ProviderError,
    ReauthenticationRequired,
    TokenEndpointError,
    TokenStoreError,
)


def test_leeway_is_capped_by_a_fraction_of_the_lifetime() -> None:
    policy = RefreshPolicy()  # 60 s, a quarter
    assert policy.refresh_deadline(expires_at=3600.0, lifetime=3600.0) == 3540.0
    assert policy.refresh_deadline(expires_at=30.0, lifetime=30.0) == 22.5
    assert policy.refresh_deadline(expires_at=10.0, lifetime=0.0) == 10.0
    assert policy.refresh_deadline(expires_at=None, lifetime=None) == math.inf


def test_unknown_lifetime_counts_from_now() -> None:
    policy = RefreshPolicy(leeway=60, leeway_fraction=0.5)
    tokens = TokenSet(access_token="a", expires_at=100.0)  # no issued_at
    assert policy.deadline_of(tokens, now=80.0) == 90.0  # half of the 20 s left


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (TokenEndpointError("x", error="invalid_grant"), "terminal"),
        (TokenEndpointError("x", error="invalid_client"), "terminal"),
        (TokenEndpointError("x", error="unauthorized_client"), "terminal"),
        (ReauthenticationRequired("no refresh token"), "terminal"),
        (IdTokenError("other sub", check="sub"), "terminal"),
        (NetworkError("timed out"), "transient"),
        (TokenEndpointError("x", error="temporarily_unavailable", transient=True), "transient"),
        (ProviderError("jwks down", endpoint="jwks", transient=True), "transient"),
        (TokenEndpointError("x", error="invalid_scope"), "fatal"),
        (TokenStoreError("disk full"), "fatal"),
        (RuntimeError("a bug"), "fatal"),
    ],
)
def test_failures_are_classified(error: Exception, outcome: str) -> None:
    assert RefreshPolicy.classify(error) == outcome


def test_retry_delay_is_exponential_jittered_and_bounded() -> None:
    policy = RefreshPolicy(retries=3, backoff=1.0, max_backoff=3.0)
    assert [policy.retry_delay(n, 0.0) for n in range(3)] == [0.5, 1.0, 1.5]
    assert [policy.retry_delay(n, 1.0) for n in range(3)] == [1.0, 2.0, 3.0]
    assert policy.retry_delay(3, 0.5) is None


def test_rejection_backoff_doubles_up_to_its_cap() -> None:
    policy = RefreshPolicy()
    assert [policy.rejection_delay(n) for n in range(9)] == [0, 1, 2, 4, 8, 16, 32, 60, 60]
    assert RefreshPolicy(rejection_backoff=0).rejection_delay(5) == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"leeway": -1},
        {"leeway": math.nan},
        {"leeway_fraction": 1.5},
        {"leeway_fraction": True},
        {"retries": -1},
        {"retries": 1.0},
        {"backoff": math.inf},
        {"rejection_backoff": "1"},
        {"max_rejection_backoff": -5},
    ],
)
def test_bad_policies_are_configuration_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        RefreshPolicy(**kwargs)  # type: ignore[arg-type]
