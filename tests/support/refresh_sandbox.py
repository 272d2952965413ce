"""The sandbox as the refresh tests use it: one grant with predictable tokens, a frozen clock.

``refresh_sandbox()`` is a ``FakeLexoffice`` with the hooks those tests need:

* ``token_names="sequential"``: the login's tokens are ``at-0``/``rt-0``, the n-th token
  response gives ``at-n`` (and, with rotation, ``rt-n``), so a test can assert which
  generation every request used;
* ``refresh_token_reuse="reject"``: a rotated-away refresh token is answered ``invalid_grant``
  and recorded in ``fake.reused_refresh_tokens`` while the grant stays alive, so every reuse
  counts, not only the first;
* lexoffice's API base and no rate limit, so the API half answers ``/v1/profile`` for bursts.

Canned failures are ``fake.reject_next_token_requests`` / ``fail_next_token_requests``, a slow
provider ``token_delay``, a revoked access token ``fake.revoke_access_tokens``; the
multi-process tests serve the same sandbox with ``fake.serve()``. The rest are readers.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
from pydantic import SecretStr

from lexoffice_auth import OAuthClient, ProviderMetadata, TokenSet
from lexoffice_auth.testing import (
    API_BASE_URL,
    DEFAULT_CLIENT_ID,
    DEFAULT_REDIRECT_URI,
    FakeClock,
    FakeLexoffice,
)

NOW = 1_800_000_000.0
API = API_BASE_URL


def frozen_clock(now: float = NOW) -> FakeClock:
    """The sandbox's clock, frozen: it moves only when told to."""
    return FakeClock(start=now, ticking=False)


def refresh_sandbox(
    clock: FakeClock | None = None,
    *,
    access_token_lifetime: float = 3600,
    rotate: bool = True,
    token_delay: float = 0.0,
    api_base: str = API_BASE_URL,
) -> FakeLexoffice:
    """A sandbox with sequential tokens whose dead refresh tokens are counted, not fatal."""
    return FakeLexoffice(
        clock=clock if clock is not None else frozen_clock(),
        api_base=api_base,
        access_token_lifetime=access_token_lifetime,
        rotate_refresh_tokens=rotate,
        token_names="sequential",
        refresh_token_reuse="reject",
        token_delay=token_delay,
        rate_limit=None,
    )


def served_refresh_sandbox(token_delay: float = 0.05) -> FakeLexoffice:
    """``refresh_sandbox`` on the real clock, for worker processes: serve it (``fake.serve()``).

    Each token answer arrives ``token_delay`` seconds late: a slow provider widens the window
    in which a second process could start a refresh of its own.
    """
    return refresh_sandbox(FakeClock(), token_delay=token_delay)


def login_tokens(fake: FakeLexoffice, *, expired: bool = False, refresh: bool = True) -> TokenSet:
    """A new login's tokens (``at-0``, ``rt-0`` on a fresh sandbox) as a store holds them.

    ``expired``: stored as expired ten seconds ago, so the first use refreshes (the sandbox
    itself would still accept the access token). ``refresh=False`` drops the refresh token.
    """
    body = fake.mint_tokens(scopes=())
    now = fake.clock()
    lifetime = float(body["expires_in"])
    issued_at = now - lifetime - 10 if expired else now
    return TokenSet(
        access_token=SecretStr(body["access_token"]),
        expires_at=issued_at + lifetime,
        issued_at=issued_at,
        refresh_token=SecretStr(body["refresh_token"]) if refresh else None,
    )


def oauth_client(
    fake: FakeLexoffice,
    *,
    http_client: httpx.AsyncClient | None = None,
    clock: Callable[[], float] | None = None,
) -> OAuthClient:
    """An ``OAuthClient`` of the sandbox's public client, on its token endpoint (no discovery)."""
    return OAuthClient(
        DEFAULT_CLIENT_ID,
        DEFAULT_REDIRECT_URI,
        metadata=ProviderMetadata(
            issuer=fake.issuer,
            authorization_endpoint=fake.issuer + "/oauth2/authorize",
            token_endpoint=fake.issuer + "/oauth2/token",
        ),
        http_client=http_client if http_client is not None else fake.client(),
        clock=clock if clock is not None else fake.clock,
    )


def api_client(fake: FakeLexoffice, auth: httpx.Auth) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` on the sandbox's API base with ``auth``."""
    return httpx.AsyncClient(base_url=fake.api_base, auth=auth, transport=fake.transport())


def bearers(fake: FakeLexoffice) -> list[str | None]:
    """The ``Authorization`` header of every request to the sandbox's API, in order."""
    host = httpx.URL(fake.api_base).host
    return [r.headers.get("Authorization") for r in fake.requests if r.url.host == host]


def dump(token_set: TokenSet | None) -> str | None:
    """A comparable form of a token set (secrets included) for assertions.

    Without ``generation``: the store's save counter, not part of the tokens (the
    compare-and-set tests check it themselves).
    """
    if token_set is None:
        return None
    data = token_set.to_dict()
    data.pop("generation", None)
    return json.dumps(data, sort_keys=True)
