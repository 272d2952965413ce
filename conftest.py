"""Repository-level pytest configuration (not shipped in the package).

``pytest`` also runs the docstring examples of the ``lexoffice_auth`` package (it is in
``testpaths``): this hook collects each of its modules as doctests, as ``--doctest-modules``
would, but for the package only (the test helpers under ``tests/`` are not doctest
modules). A module that needs an optional extra which is not installed is left out, so the
command works with any set of extras; with ``.[dev]`` nothing is left out.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from _pytest.doctest import DoctestModule

_PACKAGE = Path(__file__).parent / "lexoffice_auth"

# module or package path (relative to the package) -> the package it cannot be imported without
_NEEDS = {
    "cli/_commands": "click",
    "api/_pacing.py": "redis",  # RedisRateLimiter's example
    "stores/_redis.py": "redis",
    "testing/_server.py": "uvicorn",
    "webhooks/_endpoint.py": "starlette",
}
_LEFT_OUT = {
    _PACKAGE / path for path, package in _NEEDS.items() if not importlib.util.find_spec(package)
}


def _left_out(file_path: Path) -> bool:
    """The module, or a package it is in, needs an extra that is not installed."""
    return any(path in _LEFT_OUT for path in (file_path, *file_path.parents))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix != ".py" or _PACKAGE not in file_path.parents:
        return None
    if _left_out(file_path) or parent.config.option.doctestmodules:
        return None
    return DoctestModule.from_parent(parent, path=file_path)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker per core, plus one.

    Part of the suite waits in real time on other processes (the multi-process fleet and
    concurrency tests, pytester runs of users' suites, the served sandbox, the docs build);
    a spare worker keeps both cores busy meanwhile (measured on 2 cores: 132 s against
    156 s for the same run with one worker per core).
    """
    import os

    return (os.cpu_count() or 1) + 1
