"""Every Python code block in README.md and docs/**/*.md runs against the sandbox.

See tests/docs/code_blocks.py for the conventions (fragments, hidden setup, the prepared
namespace). One test per page runs its blocks in order; each fragment is a skipped test
that names its reason, so the skipped blocks stay visible in the test report.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lexoffice_auth.api import TokenBucket
from lexoffice_auth.testing import API_BASE_URL, FakeLexoffice
from tests.docs.code_blocks import ROOT, Step, pages, run, steps
from tests.support.virtual_time import virtual_backend

TEXTS = {page: steps(page.read_text("utf-8")) for page in pages()}
PAGES = [p for p, found in TEXTS.items() if any(s.kind != "fragment" for s in found)]
FRAGMENTS = [
    (page, step)
    for page in pages()
    for step in steps(page.read_text("utf-8"))
    if step.kind == "fragment"
]


def _name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


class _LoopTime:
    """``time`` for the pacing code: ``monotonic`` follows the running loop's clock."""

    def __init__(self) -> None:
        import time

        self._real = time

    def monotonic(self) -> float:
        return asyncio.get_running_loop().time()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _in_loop_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pace the client and the sandbox by the (virtual) event loop's clock.

    The pages run as users run them: clients pace at lexoffice's 2 requests/second and the
    sandbox enforces that rate. Under virtual time those waits end at once, but only if both
    sides measure time by the loop: ``TokenBucket``'s default clock and the sandbox's
    ticking ``FakeClock`` read ``time.monotonic``, so both are pointed at the loop here.
    """
    from lexoffice_auth.testing import _clock

    defaults = dict(TokenBucket.__init__.__kwdefaults__ or {})
    defaults["clock"] = _LoopTime().monotonic
    monkeypatch.setattr(TokenBucket.__init__, "__kwdefaults__", defaults)
    monkeypatch.setattr(_clock, "time", _LoopTime())


@contextlib.contextmanager
def _page_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    stack = contextlib.ExitStack()

    def mount_sandbox(**options: Any) -> FakeLexoffice:
        """A sandbox answering for https://api.lexware.io (respx) with LEXOFFICE_API_KEY set."""
        options.setdefault("api_base", API_BASE_URL)
        fake = FakeLexoffice(**options)
        stack.enter_context(fake.mock())
        monkeypatch.setenv("LEXOFFICE_API_KEY", fake.add_api_key())
        return fake

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("LEXOFFICE_API_KEY", raising=False)
    with stack:
        yield {"__name__": "__docs__", "mount_sandbox": mount_sandbox}


# Virtual time jumps to the next timer whenever no task is ready, also while one waits on a
# thread; a page whose calls wait on threads mid-request (file token stores) would see the
# client's deadline pass. Those pages run in real time.
REAL_TIME = {"docs/guides/web-service.md": "file token stores work in threads"}


@pytest.fixture
def anyio_backend(request: pytest.FixtureRequest) -> Any:
    page = request.node.callspec.params["page"]
    if _name(page) in REAL_TIME:
        return "asyncio"
    return virtual_backend("asyncio")  # waits (pacing, retries) take no real time


@pytest.mark.parametrize("page", PAGES, ids=_name)
async def test_the_code_blocks_of_the_page_run(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, anyio_backend: Any
) -> None:
    todo = [s for s in TEXTS[page] if s.kind != "fragment"]
    if anyio_backend != "asyncio":
        _in_loop_time(monkeypatch)
    with _page_environment(tmp_path, monkeypatch) as namespace:
        for step in todo:
            await run(step, page, namespace)


@pytest.mark.parametrize(
    ("page", "step"), FRAGMENTS, ids=[f"{_name(p)}:{s.line}" for p, s in FRAGMENTS]
)
def test_fragment(page: Path, step: Step) -> None:
    pytest.skip(f"fragment on purpose: {step.why}")


def test_the_harness_sees_blocks_setups_and_fragments() -> None:
    text = "\n".join(
        [
            "<!-- setup: x = 1 -->",
            "```python",
            "y = x + 1",
            "```",
            "<!-- fragment: needs a request -->",
            "```python",
            "request.cookies",
            "```",
            "```bash",
            "echo no",
            "```",
            "<!-- setup:",
            "    z = 3",
            "-->",
        ]
    )
    found = steps(text)
    assert [(s.kind, s.line) for s in found] == [
        ("setup", 1),
        ("code", 3),
        ("fragment", 7),
        ("setup", 12),
    ]
    assert found[0].source == "x = 1\n"
    assert found[2].why == "needs a request"
    assert found[3].source == "\nz = 3\n"


def test_every_page_with_python_is_covered() -> None:
    # a page with python fences is either run or consists of fragments only
    for page in pages():
        text = page.read_text("utf-8")
        if "```python" in text:
            assert steps(text), _name(page)
    assert os.path.exists(ROOT / "docs" / "index.md")
