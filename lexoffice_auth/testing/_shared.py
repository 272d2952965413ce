"""``Shared``: an attribute of ``FakeLexoffice`` that lives in its ``SandboxState``.

``FakeLexoffice`` keeps its long-standing attributes (``fake.calls``, ``fake.consent``,
``fake.rate_limit``, ...) while the data sits in the one state its parts share.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, overload

__all__ = ["Shared"]

T = TypeVar("T")


class Shared(Generic[T]):
    """Forward an attribute to ``obj.state`` (or ``obj.state.oauth`` with ``oauth=True``).

    Example:
        >>> class Box:
        ...     size: Shared[int] = Shared("How big.")
        ...     def __init__(self, state): self.state = state
        >>> from types import SimpleNamespace
        >>> box = Box(SimpleNamespace(size=3))
        >>> box.size = 4
        >>> box.state.size
        4
    """

    def __init__(self, doc: str, *, oauth: bool = False, writable: bool = True) -> None:
        self.__doc__ = doc
        self._oauth = oauth
        self._writable = writable
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def _home(self, obj: Any) -> Any:
        return obj.state.oauth if self._oauth else obj.state

    @overload
    def __get__(self, obj: None, owner: type) -> Shared[T]: ...

    @overload
    def __get__(self, obj: object, owner: type) -> T: ...

    def __get__(self, obj: object, owner: type) -> Shared[T] | T:
        if obj is None:
            return self
        value: T = getattr(self._home(obj), self._name)
        return value

    def __set__(self, obj: object, value: T) -> None:
        if not self._writable:
            raise AttributeError(f"{self._name} cannot be replaced")
        setattr(self._home(obj), self._name, value)
