"""The sandbox: a fake OpenID provider and lexoffice API for tests, demos and your own tests.

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
    from ._clock import FakeClock
    from ._fake import (
        DEFAULT_CLIENT_ID,
        DEFAULT_REDIRECT_URI,
        DEFAULT_USER,
        LEXWARE_API_BASE,
        SANDBOX_API_BASE,
        SANDBOX_ISSUER,
        FakeLexoffice,
        TokenFailure,
    )
    from ._index_contract import ConnectionIndexContract
    from ._model import ConsentRequest, FakeClient, FakeUser
    from ._server import SandboxServer, asgi_app
    from ._store_contract import TokenStoreContract

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_REDIRECT_URI",
    "DEFAULT_USER",
    "LEXWARE_API_BASE",
    "SANDBOX_API_BASE",
    "SANDBOX_ISSUER",
    "ConnectionIndexContract",
    "ConsentRequest",
    "FakeClient",
    "FakeClock",
    "FakeLexoffice",
    "FakeUser",
    "SandboxServer",
    "TokenFailure",
    "TokenStoreContract",
    "asgi_app",
]

# Loaded on first use, so that the pytest plugin (a submodule) costs nothing to load.
_WHERE = {
    "FakeClock": "._clock",
    "ConsentRequest": "._model",
    "FakeClient": "._model",
    "FakeUser": "._model",
    "SandboxServer": "._server",
    "asgi_app": "._server",
    "TokenStoreContract": "._store_contract",
    "ConnectionIndexContract": "._index_contract",
}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(_WHERE.get(name, "._fake"), __name__)
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
