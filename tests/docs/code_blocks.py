"""Find and run the Python code blocks of the documentation (README.md and docs/**/*.md).

The conventions (also in tests/README.md, "Code blocks in the docs"):

- Every ```` ```python ```` block runs, in page order, in one namespace per page, inside a
  running event loop: top-level ``await``, ``async with`` and ``async for`` work as written.
- ``<!-- fragment: why -->`` on the line right before the fence: the block is a fragment
  (it needs names the page cannot provide, e.g. a web framework's request) and is skipped on
  purpose. The test reports it as skipped, with the reason.
- ``<!-- setup: python code -->`` (one or more lines; invisible on the rendered page and on
  GitHub): code run at that point of the page, before the next block. It prepares what a
  reader's program would already have, e.g. ``fake = mount_sandbox()`` or the callback URL
  that a browser would bring back.
- The harness gives each page a fresh temporary working directory and ``HOME`` (so file
  stores write there) and one helper, ``mount_sandbox(**options)``: a ``FakeLexoffice`` that
  answers for lexoffice's real API base ``https://api.lexware.io`` and the sandbox issuer
  through respx for the rest of the page, with ``LEXOFFICE_API_KEY`` set to one of its keys,
  so a block written for production runs unchanged against the sandbox.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parents[2]

_FENCE = re.compile(r"^(?P<indent>[ ]*)```(?P<info>[^\n`]*)$")
_FRAGMENT = re.compile(r"^\s*<!--\s*fragment\s*:\s*(?P<why>.+?)\s*-->\s*$")
_SETUP_START = re.compile(r"^\s*<!--\s*setup\s*:(?P<rest>.*)$")


@dataclass(frozen=True)
class Step:
    """One thing to do on a page: run a block, run hidden setup code, or skip a fragment."""

    kind: str  # "code", "setup" or "fragment"
    line: int  # 1-based line of the code's first line in the page
    source: str
    why: str = ""


def pages() -> list[Path]:
    """README.md and every Markdown page under docs/, sorted."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def steps(text: str) -> list[Step]:
    """The page's Python blocks, hidden setups and fragments, in order."""
    lines = text.splitlines()
    out: list[Step] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        setup = _SETUP_START.match(line)
        if setup:
            body = [setup.group("rest")]
            start = i + 1
            while "-->" not in body[-1]:
                i += 1
                body.append(lines[i])
            body[-1] = body[-1].split("-->", 1)[0]
            source = body[0].strip() + "\n" + textwrap.dedent("\n".join(body[1:]))
            out.append(Step("setup", start, source.rstrip() + "\n"))
            i += 1
            continue
        fence = _FENCE.match(line)
        if fence is None:
            i += 1
            continue
        info = fence.group("info").strip()
        indent = len(fence.group("indent"))
        start = i + 1
        i += 1
        body = []
        while not lines[i].strip().startswith("```"):
            body.append(lines[i][indent:])
            i += 1
        i += 1
        if info.split()[:1] != ["python"]:
            continue
        before = lines[start - 2] if start >= 2 else ""
        fragment = _FRAGMENT.match(before)
        source = "\n".join(body) + "\n"
        if fragment:
            out.append(Step("fragment", start + 1, source, fragment.group("why")))
        else:
            out.append(Step("code", start + 1, source))
    return out


async def run(step: Step, path: Path, namespace: dict[str, object]) -> None:
    """Run one block or setup in ``namespace``; top-level await allowed.

    A block that defines ``test_*`` functions without parameters also runs them, so a test
    shown in the docs is a test that passes.
    """
    before = set(namespace)
    padded = "\n" * (step.line - 1) + step.source  # tracebacks point at the page's lines
    code = compile(padded, str(path), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(code, namespace)  # the docs' own code
    if inspect.iscoroutine(result):
        await result
    for name in sorted(set(namespace) - before):
        func = namespace[name]
        if not (name.startswith("test_") and inspect.isfunction(func)):
            continue
        if not inspect.signature(func).parameters:
            outcome = func()
            if inspect.iscoroutine(outcome):
                await outcome
