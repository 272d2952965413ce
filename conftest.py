"""Repository-level pytest configuration (not shipped in the package).

``pytest`` collects the docstring examples of ``lexoffice_auth`` too (``--doctest-modules``
in pyproject.toml). A module that needs an optional extra which is not installed is left
out here, so the command works with any set of extras; with ``.[dev]`` nothing is left out.
"""

from __future__ import annotations

import importlib.util

# module path -> the package it cannot be imported without
_NEEDS = {
    "lexoffice_auth/cli/_commands.py": "click",
}

collect_ignore = [path for path, package in _NEEDS.items() if not importlib.util.find_spec(package)]
