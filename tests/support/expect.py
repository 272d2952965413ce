"""``pytest.raises`` for errors that one class covers, told apart by an attribute."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from lexoffice_auth.errors import LoginError, ProviderError, TokenEndpointError

ANY = object()


@contextmanager
def raises_login(reason: str, match: str | None = None) -> Iterator[Any]:
    """A ``LoginError`` whose ``reason`` is ``reason``."""
    with pytest.raises(LoginError, match=match) as info:
        yield info
    assert info.value.reason == reason, info.value


@contextmanager
def raises_token(error: object = ANY, match: str | None = None) -> Iterator[Any]:
    """A ``TokenEndpointError``; ``error=None``: no OAuth error body; ``ANY``: one with a code."""
    with pytest.raises(TokenEndpointError, match=match) as info:
        yield info
    if error is ANY:
        assert info.value.error is not None, info.value
    else:
        assert info.value.error == error, info.value


@contextmanager
def raises_provider(endpoint: str, match: str | None = None) -> Iterator[Any]:
    """A ``ProviderError`` from ``endpoint`` (``jwks``, ``userinfo``, ...)."""
    with pytest.raises(ProviderError, match=match) as info:
        yield info
    assert info.value.endpoint == endpoint, info.value
