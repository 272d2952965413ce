"""PEP 562 loaders: a package's public names load on first use, not with the package."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    owner: str, where: Mapping[str, str], names: Iterable[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of module ``owner``, whose names load on first use.

    ``where`` maps each lazy name to the module that defines it, written as a relative
    import in ``owner`` would name it. The first access imports that module and caches the
    value on ``owner``, so later accesses are plain attribute reads. ``__dir__`` lists
    ``names`` (``owner``'s ``__all__``).

    Example:
        >>> where = {"TokenSet": "._oauth.tokens"}
        >>> getattr_, dir_ = lazy_exports("lexoffice_auth", where, ["TokenSet"])
        >>> getattr_("TokenSet").__name__, dir_()
        ('TokenSet', ['TokenSet'])
    """
    listed = sorted(names)

    def load(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {owner!r} has no attribute {name!r}")
        home = sys.modules[owner]
        # Relative to the module's own package, as a ``from .x import`` in it would be.
        value = getattr(importlib.import_module(module, home.__package__), name)
        setattr(home, name, value)
        return value

    def listing() -> list[str]:
        return listed

    return load, listing
