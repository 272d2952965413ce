"""pytest fixtures for the sandbox, registered through the ``pytest11`` entry point.

Loading this module imports nothing of the SDK (and nothing but ``pytest``, which is
already loaded): the sandbox and the SDK are imported when a fixture runs, so projects
that never use the fixtures pay nothing, and a missing optional dependency (respx or
uvicorn, the ``testing`` extra) only matters to tests that use it.

Fixtures:
    ``fake_lexoffice``: a fresh ``FakeLexoffice`` per test.
    ``lexoffice_sandbox_options``: the keyword arguments it is built with (``{}``);
    override it in a ``conftest.py`` to change them for a directory.
    ``lexoffice_auth_logged_in``: a ``LexofficeAuth`` for the sandbox's user after a login.

Marker:
    ``@pytest.mark.lexoffice_sandbox(**options)`` sets ``FakeLexoffice`` options for one
    test (or a class or module), on top of ``lexoffice_sandbox_options``; for example
    ``@pytest.mark.lexoffice_sandbox(rate_limit=None)`` turns off the sandbox's
    lexoffice-like limit of 2 requests per second.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from lexoffice_auth import LexofficeAuth, OAuthClient, RefreshingTokenSource, TokenSet
    from lexoffice_auth.testing import FakeLexoffice

__all__ = [
    "fake_lexoffice",
    "lexoffice_auth_logged_in",
    "lexoffice_sandbox_options",
    "pytest_configure",
]

_MARKER = "lexoffice_sandbox"
_SCOPES: tuple[str, ...] = ("openid", "email", "profile", "contacts.read", "contacts.write")
_SCOPES += ("invoices.read", "invoices.write", "vouchers.read", "profile.read")


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``lexoffice_sandbox`` marker (so ``--strict-markers`` accepts it)."""
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(**options): FakeLexoffice options for the fake_lexoffice fixture, "
        "e.g. rate_limit=None to turn off the 2 requests/second limit (lexoffice-auth)",
    )


@pytest.fixture
def lexoffice_sandbox_options() -> dict[str, Any]:
    """Keyword arguments for the ``fake_lexoffice`` fixture's ``FakeLexoffice`` (none).

    Override this fixture in a ``conftest.py`` to change the defaults for every test
    below it; the ``lexoffice_sandbox`` marker still wins for a single test.
    """
    return {}


@pytest.fixture
def fake_lexoffice(
    request: pytest.FixtureRequest, lexoffice_sandbox_options: dict[str, Any]
) -> FakeLexoffice:
    """A fresh ``FakeLexoffice`` for each test.

    Built with ``lexoffice_sandbox_options``, updated by the ``lexoffice_sandbox`` markers
    from the outermost (module) to the closest (the test itself). By default the sandbox
    enforces lexoffice's limit of 2 requests per second; a test that bursts turns it off
    with ``@pytest.mark.lexoffice_sandbox(rate_limit=None)``.

    Nothing is mounted for you; pick the mounting that fits the code under test:
    ``fake_lexoffice.transport()`` for an ``httpx.MockTransport``,
    ``with fake_lexoffice.mock():`` to intercept through respx, or
    ``with fake_lexoffice.serve() as base_url:`` for a real server on 127.0.0.1.
    """
    from lexoffice_auth.testing import FakeLexoffice

    options = dict(lexoffice_sandbox_options)
    for marker in reversed(list(request.node.iter_markers(_MARKER))):
        if marker.args:
            raise pytest.UsageError(
                f"@pytest.mark.{_MARKER} takes keyword arguments only (FakeLexoffice options)"
            )
        options.update(marker.kwargs)
    return FakeLexoffice(**options)


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

    from lexoffice_auth import LexofficeAuth, OAuthClient
    from lexoffice_auth.stores import MemoryTokenStore
    from lexoffice_auth.testing import DEFAULT_CLIENT_ID, DEFAULT_REDIRECT_URI

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
