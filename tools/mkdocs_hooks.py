"""MkDocs hooks for the documentation site (see mkdocs.yml).

Docstrings are written for ``help()`` and doctest first: an example's expected output such as
``[0.0, 1.0, 2.0, 4.0]`` followed by a bracket looks like a Markdown reference link to
mkdocs-autorefs, which then warns that it cannot find the "target" ``0.0, 1.0, 2.0, 4.0``. Such
a target is not a Python name, so it cannot be a broken cross-reference: this filter drops
exactly those warnings. A target that looks like a dotted Python name still fails
``mkdocs build --strict``.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

_NAME = re.compile(r"[A-Za-z_][\w.]*")
_MISSING = re.compile(r"Could not find cross-reference target '(?P<target>[^']*)'")


class _NotAPythonName(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        match = _MISSING.search(record.getMessage())
        return match is None or _NAME.fullmatch(match.group("target")) is not None


def on_config(config: Any) -> Any:
    """Install the filter on every handler of the ``mkdocs`` logger (the strict-mode counter)."""
    for handler in logging.getLogger("mkdocs").handlers:
        if not any(isinstance(f, _NotAPythonName) for f in handler.filters):
            handler.addFilter(_NotAPythonName())
    return config


_INCLUDE = re.compile(r'^--8<-- "(?P<path>[\w.-]+)"$', re.MULTILINE)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Include a file from the repository root (a line ``--8<-- "SECURITY.md"``).

    SECURITY.md and CHANGELOG.md sit at the root and link to ``docs/x.md``; included into
    ``docs/``, the same target is ``x.md``.
    """

    def include(match: re.Match[str]) -> str:
        root = Path(config["config_file_path"]).parent
        text = (root / match.group("path")).read_text(encoding="utf-8")
        return text.replace("](docs/", "](")

    return _INCLUDE.sub(include, markdown)
