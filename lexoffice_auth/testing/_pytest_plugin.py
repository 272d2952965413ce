"""pytest fixtures for the sandbox, registered through the ``pytest11`` entry point.

Loading this module imports nothing heavy: the sandbox is imported when a fixture runs,
so projects that never use the fixtures pay nothing more, and a missing optional
dependency (uvicorn, for :meth:`FakeLexoffice.serve`) only matters to tests that serve.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .._auth import LexofficeAuth
    from .._session import RefreshingTokenSource
    from .._tokens import TokenSet
    from ._fake import FakeLexoffice

__all__ = ["fake_lexoffice", "lexoffice_auth_logged_in"]

_SCOPES: tuple[str, ...] = ("openid", "email", "profile", "contacts.read", "contacts.write")
_SCOPES += ("invoices.read", "invoices.write", "vouchers.read", "profile.read")


@pytest.fixture
def fake_lexoffice() -> FakeLexoffice:
    """A fresh :class:`~lexoffice_auth.testing.FakeLexoffice` for each test.

    Nothing is mounted for you; pick the mounting that fits the code under test:
    ``fake_lexoffice.transport()`` for an ``httpx.MockTransport``,
    ``with fake_lexoffice.mock():`` to intercept through respx, or
    ``with fake_lexoffice.serve() as base_url:`` for a real server on 127.0.0.1.
    """
    from ._fake import FakeLexoffice

    return FakeLexoffice()


@pytest.fixture
def lexoffice_auth_logged_in(
    fake_lexoffice: FakeLexoffice,
) -> LexofficeAuth[RefreshingTokenSource]:
    """A ``LexofficeAuth`` for the sandbox's default user, after a real login.

    The login (discovery, authorization with PKCE, code exchange, id_token check) runs
    against ``fake_lexoffice`` through its ``MockTransport`` before the test starts; the
    auth then refreshes through the same transport. Send its requests through
    ``fake_lexoffice.transport()`` (or inside ``fake_lexoffice.mock()``) to
    ``fake_lexoffice.api_base``. It is a plain (synchronous) fixture, so it works under
    any async test runner.
    """
    from concurrent.futures import ThreadPoolExecutor

    import anyio

    from .._auth import LexofficeAuth
    from .._oauth import OAuthClient
    from ..stores import MemoryTokenStore
    from ._fake import DEFAULT_CLIENT_ID, DEFAULT_REDIRECT_URI

    fake = fake_lexoffice
    store = MemoryTokenStore()

    def oauth_client() -> OAuthClient:
        return OAuthClient(
            DEFAULT_CLIENT_ID,
            DEFAULT_REDIRECT_URI,
            issuer=fake.issuer,
            scopes=_SCOPES,
            http_client=fake.client(),
            clock=fake.clock,
        )

    async def log_in() -> TokenSet:
        async with oauth_client() as oauth:
            pending = await oauth.start_login()
            tokens = await oauth.complete_login(fake.approve(pending.authorization_url), pending)
            await store.save("sandbox", tokens)
            return tokens

    # A thread of its own: the test's event loop may already exist in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(anyio.run, log_in).result()
    # Its HTTP client runs on a MockTransport: nothing to close after the test.
    return LexofficeAuth.from_oauth(
        oauth_client(), "sandbox", store, api_origins=[fake.api_base], clock=fake.clock
    )
