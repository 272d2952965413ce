"""The sandbox: a fake OpenID provider and lexoffice API for tests, demos and your own tests.

The names say *Fake* (``FakeLexoffice``, ``FakeUser``, ``FakeServer``, ``FAKE_ISSUER``,
...); "the sandbox" is the whole of it. ``API_BASE_URL`` is lexoffice's real API base:
pass it as ``api_base`` to intercept code that hard-codes it.

The provider is a generic, strict OpenID Connect provider; lexoffice's real partner OAuth
has no discovery document and no id_token, so the sandbox's OAuth URLs and OIDC behaviour
are not lexoffice's. The API mimics lexoffice's documented endpoints. See ``docs/testing.md``.

Example:
    >>> from lexoffice_auth.testing import FakeLexoffice
    >>> fake = FakeLexoffice()
    >>> fake.issuer
    'https://auth.lexoffice-sandbox.test'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lexoffice_auth.rules import API_BASE_URL

    from ._clock import FakeClock
    from ._fake import (
        DEFAULT_CLIENT_ID,
        DEFAULT_REDIRECT_URI,
        DEFAULT_USER,
        FAKE_API_BASE_URL,
        FAKE_ISSUER,
        FakeLexoffice,
        TokenFailure,
    )
    from ._index_contract import ConnectionIndexContract
    from ._model import ConsentRequest, FakeClient, FakeUser
    from ._server import FakeServer, asgi_app
    from ._store_contract import TokenStoreContract

__all__ = [
    "API_BASE_URL",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_REDIRECT_URI",
    "DEFAULT_USER",
    "FAKE_API_BASE_URL",
    "FAKE_ISSUER",
    "ConnectionIndexContract",
    "ConsentRequest",
    "FakeClient",
    "FakeClock",
    "FakeLexoffice",
    "FakeServer",
    "FakeUser",
    "TokenFailure",
    "TokenStoreContract",
    "asgi_app",
]

# Names kept one release after a rename (removed in 0.4): the old name still works and warns.
_RENAMED = {
    "LEXWARE_API_BASE": "API_BASE_URL",
    "SANDBOX_API_BASE": "FAKE_API_BASE_URL",
    "SANDBOX_ISSUER": "FAKE_ISSUER",
    "SandboxServer": "FakeServer",
}

# Loaded on first use, so that the pytest plugin (a submodule) costs nothing to load.
_WHERE = {
    "API_BASE_URL": "lexoffice_auth.rules",
    "FakeClock": "._clock",
    "ConsentRequest": "._model",
    "FakeClient": "._model",
    "FakeUser": "._model",
    "FakeServer": "._server",
    "asgi_app": "._server",
    "TokenStoreContract": "._store_contract",
    "ConnectionIndexContract": "._index_contract",
}


def __getattr__(name: str) -> Any:
    if name in _RENAMED:
        from lexoffice_auth.rules import deprecated_alias

        new = _RENAMED[name]
        return deprecated_alias(__name__, name, new, {new: __getattr__(new)})
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(_WHERE.get(name, "._fake"), __name__)
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
