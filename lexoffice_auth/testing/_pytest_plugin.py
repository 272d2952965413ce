"""pytest fixtures for the sandbox, registered through the ``pytest11`` entry point.

Loading this module imports nothing heavy: the sandbox is imported when a fixture runs,
so projects that never use the fixtures pay nothing, and a missing optional dependency
(uvicorn for :meth:`FakeLexoffice.serve`) only matters to tests that serve.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ._fake import FakeLexoffice

__all__ = ["fake_lexoffice"]


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
