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
    from .._tokens import TokenSet
    from ._fake import FakeLexoffice

__all__ = ["fake_lexoffice", "lexoffice_auth_logged_in"]

_SCOPES: tuple[str, ...] = ("openid", "email", "profile", "contacts.read", "contacts.write")
_SCOPES += ("invoices.read", "invoices.write", "vouchers.read", "profile.read")


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``fake_lexoffice`` marker."""
    config.addinivalue_line(
        "markers",
        "fake_lexoffice(**options): options for the fake_lexoffice fixture's FakeLexoffice, "
        "e.g. rate_limit=None to switch its 2 requests/second limit off",
    )


@pytest.fixture
def fake_lexoffice(request: pytest.FixtureRequest) -> FakeLexoffice:
    """A fresh :class:`~lexoffice_auth.testing.FakeLexoffice` for each test.

    It enforces lexoffice's 2 requests/second, which a ``LexofficeClient`` (paced at 2/s)
    passes. Choose per test with the marker, e.g. for raw httpx code that does not pace:
    ``@pytest.mark.fake_lexoffice(rate_limit=None)`` (any ``FakeLexoffice`` keyword works;
    markers on the class or module apply too, the closest one wins).

    Nothing is mounted for you; pick the mounting that fits the code under test:
    ``fake_lexoffice.transport()`` for an ``httpx.MockTransport``,
    ``with fake_lexoffice.mock():`` to intercept through respx, or
    ``with fake_lexoffice.serve() as base_url:`` for a real server on 127.0.0.1.
    """
    from ._fake import FakeLexoffice

    options: dict[str, object] = {}
    for marker in reversed(list(request.node.iter_markers("fake_lexoffice"))):
        if marker.args:
            raise TypeError("@pytest.mark.fake_lexoffice takes keyword arguments only")
        options.update(marker.kwargs)
    return FakeLexoffice(**options)  # type: ignore[arg-type]


@pytest.fixture
def lexoffice_auth_logged_in(fake_lexoffice: FakeLexoffice) -> LexofficeAuth:
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
    from .._session import TokenSource
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
    source = TokenSource(oauth_client(), "sandbox", store, clock=fake.clock)
    return LexofficeAuth(source, api_origins=[fake.api_base])
