"""Building token sources and auths in tests with the policy as keyword arguments."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lexoffice_auth import DEFAULT_API_ORIGINS, LexofficeAuth, RefreshingTokenSource, RefreshPolicy
from lexoffice_auth.stores import TokenStore


def make_source(
    refresher: Any,
    account_key: str,
    store: TokenStore | None = None,
    *,
    clock: Any = None,
    on_token: Any = None,
    **policy: Any,
) -> RefreshingTokenSource:
    """A ``RefreshingTokenSource`` whose ``RefreshPolicy`` takes ``policy``'s fields."""
    return RefreshingTokenSource(
        refresher,
        account_key,
        store,
        policy=RefreshPolicy(**policy),
        clock=clock,
        on_token=on_token,
    )


def make_auth(
    refresher: Any,
    account_key: str,
    store: TokenStore | None = None,
    *,
    api_origins: Iterable[str] = DEFAULT_API_ORIGINS,
    **options: Any,
) -> LexofficeAuth[RefreshingTokenSource]:
    """A ``LexofficeAuth`` over :func:`make_source`."""
    return LexofficeAuth(
        make_source(refresher, account_key, store, **options), api_origins=api_origins
    )
