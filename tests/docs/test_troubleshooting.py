"""docs/guides/troubleshooting.md names every exception class of lexoffice_auth.errors."""

from __future__ import annotations

import inspect

import lexoffice_auth.errors as errors
from tests.docs.code_blocks import ROOT

PAGE = ROOT / "docs" / "guides" / "troubleshooting.md"


def test_every_error_class_has_a_row() -> None:
    text = PAGE.read_text("utf-8")
    classes = [
        name
        for name in errors.__all__
        if inspect.isclass(getattr(errors, name))
        and issubclass(getattr(errors, name), BaseException)
    ]
    assert len(classes) >= 20
    missing = [name for name in classes if f"| `{name}` |" not in text]
    assert missing == []
