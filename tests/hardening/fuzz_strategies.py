"""Hypothesis strategies shared by the ``test_fuzz_*`` files: JSON values and hostile text."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from lexoffice_auth import errors as documented
from lexoffice_auth.errors import LexofficeAuthError

hostile_text = st.text(max_size=30) | st.sampled_from(
    ["", "\ud800", "\x00", "é", "☃", "a" * 300, "https://id.example.com", "none", "RS256"]
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from([10**400, -(10**400), 2**1024])  # beyond any float
    | st.floats(allow_nan=True, allow_infinity=True)
    | hostile_text
)
json_values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text, inner, max_size=4),
    max_leaves=12,
)


def deeply_nested(depth: int) -> bytes:
    """A JSON array nested ``depth`` deep (parsers and encoders that recurse choke on it)."""
    return b"[" * depth + b"]" * depth


def as_json_bytes(value: Any) -> bytes:
    """``value`` as JSON bytes, lone surrogates and NaN included (as a hostile peer sends)."""
    return json.dumps(value).encode("utf-8", "surrogatepass")


def assert_documented(
    exc: BaseException, *allowed: type[LexofficeAuthError], **attributes: object
) -> None:
    """``exc`` is one of ``allowed``, a class that ``lexoffice_auth.errors`` declares, and
    has the ``attributes`` given. (Any other exception propagates and fails the test.)"""
    assert isinstance(exc, allowed), repr(exc)
    assert type(exc).__name__ in documented.__all__, repr(exc)
    assert type(exc).__module__ == "lexoffice_auth.errors", repr(exc)
    for name, value in attributes.items():
        assert getattr(exc, name, None) == value, (name, repr(exc))
