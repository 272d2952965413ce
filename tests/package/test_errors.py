"""The public exception hierarchy: one constructor, picklable, shown under its public module."""

from __future__ import annotations

import copy
import inspect
import pickle

import pytest

from lexoffice_auth import errors
from lexoffice_auth.errors import (
    ApiError,
    LexofficeAuthError,
    LoginError,
    NetworkError,
    RateLimited,
    ReauthenticationRequired,
    TokenEndpointError,
)

CLASSES = [
    getattr(errors, name) for name in errors.__all__ if inspect.isclass(getattr(errors, name))
]

# For each class: every attribute it declares, set to a value other than its default.
SAMPLE_VALUES = {
    "transient": True,
    "endpoint": "jwks",
    "status_code": 418,
    "error": "invalid_grant",
    "error_description": "the code was used",
    "error_uri": "https://id.example/errors/1",
    "reason": "state",
    "check": "nonce",
    "trace_id": "trace-1",
    "details": ({"field": "name", "message": "too long"},),
    "retried": 3,
    "retry_after": 1.5,
    "stored_generation": 7,
    "generation": 6,
}


def declared(cls: type[LexofficeAuthError]) -> dict[str, object]:
    names = {n for klass in cls.__mro__ for n in getattr(klass, "__annotations__", {})}
    return {name: SAMPLE_VALUES[name] for name in names if name in SAMPLE_VALUES}


def test_there_are_about_a_dozen_auth_errors_and_the_api_errors() -> None:
    auth = [c for c in CLASSES if not issubclass(c, ApiError)]
    # 16 since TokenSetSuperseded (a TokenStoreError a store raises for a stale save).
    assert 12 <= len(auth) <= 16
    assert all(issubclass(c, LexofficeAuthError) for c in CLASSES)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_error_round_trips_through_pickle(cls: type[LexofficeAuthError]) -> None:
    attributes = declared(cls)
    error = cls(f"{cls.__name__} happened", **attributes)
    for clone in (pickle.loads(pickle.dumps(error)), copy.copy(error)):
        assert type(clone) is cls
        assert str(clone) == str(error) == f"{cls.__name__} happened"
        assert clone.args == error.args
        for name, value in attributes.items():
            assert getattr(clone, name) == value


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_errors_are_shown_under_the_public_module(cls: type[LexofficeAuthError]) -> None:
    assert cls.__module__ == "lexoffice_auth.errors"
    assert repr(cls("boom")) == f"{cls.__name__}('boom')"


def test_one_constructor_refuses_attributes_a_class_does_not_have() -> None:
    with pytest.raises(TypeError, match="reason"):
        TokenEndpointError("x", reason="state")
    with pytest.raises(TypeError):
        LoginError("x", _private=1)


def test_caught_by_operation_and_by_cause() -> None:
    assert NetworkError("down").transient
    assert RateLimited("slow down").transient
    assert not TokenEndpointError("no").transient
    assert issubclass(errors.ApiKeyRejected, ReauthenticationRequired)
    assert issubclass(errors.AuthorizationDenied, LoginError)
    assert issubclass(errors.DiscoveryError, errors.ProviderError)
    assert issubclass(errors.ConfigurationError, ValueError)
