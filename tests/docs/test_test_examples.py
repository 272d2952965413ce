"""Every test shown in the docs passes as users run it: a fresh project, pytest, a runner.

A block that defines ``test_*`` functions is a *test example*. The line right before its
fence says which runners it is written for, e.g. ``<!-- pytest: strict auto anyio -->``
(invisible on the page; the page says the same in words):

- ``strict``: pytest-asyncio in its default strict mode;
- ``auto``: pytest-asyncio with ``asyncio_mode = "auto"``;
- ``anyio``: anyio's pytest plugin alone (pytest-asyncio disabled).

Each example is written, exactly as on the page (imports included), into its own test file
of a fresh temporary project outside this repository, so neither our ``conftest.py`` nor our
pytest settings help it. Then pytest runs once per runner over all examples for that runner.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs.code_blocks import ROOT, Step, pages, steps
from tests.support.lean_pytest import UNUSED_PLUGINS

RUNNERS = {
    "strict": ("asyncio_mode = strict\n", []),
    "auto": ("asyncio_mode = auto\n", []),
    "anyio": ("", ["-p", "no:asyncio"]),
}
_MARK = re.compile(r"^\s*<!--\s*pytest\s*:\s*(?P<runners>[\w\s]*?)\s*-->\s*$")
_DEFINES_A_TEST = re.compile(r"^\s*(async\s+)?def test_", re.M)


def test_examples() -> list[tuple[Path, Step, list[str]]]:
    """``(page, block, runners)`` for every test example; runners from the mark, or []."""
    found = []
    for page in pages():
        lines = page.read_text("utf-8").splitlines()
        for step in steps("\n".join(lines)):
            if step.kind != "code" or not _DEFINES_A_TEST.search(step.source):
                continue
            before = lines[step.line - 3] if step.line >= 3 else ""
            mark = _MARK.match(before)
            found.append((page, step, mark.group("runners").split() if mark else []))
    return found


test_examples.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test
EXAMPLES = test_examples()


def _label(page: Path, step: Step) -> str:
    return f"{page.relative_to(ROOT).as_posix()}:{step.line}"


def test_every_test_example_says_which_runners_it_is_written_for() -> None:
    unmarked = [_label(p, s) for p, s, runners in EXAMPLES if not runners]
    unknown = [(_label(p, s), r) for p, s, runners in EXAMPLES for r in runners if r not in RUNNERS]
    assert EXAMPLES, "the docs show no test: this check would be vacuous"
    assert not unmarked, f"add <!-- pytest: strict auto anyio --> (or a subset) before {unmarked}"
    assert not unknown, f"runners are {sorted(RUNNERS)}: {unknown}"


@pytest.mark.parametrize("runner", sorted(RUNNERS))
def test_the_test_examples_pass_in_a_fresh_project(runner: str, tmp_path: Path) -> None:
    ini, options = RUNNERS[runner]
    chosen = [(p, s) for p, s, runners in EXAMPLES if runner in runners]
    if not chosen:
        pytest.skip(f"no example is written for {runner}")
    (tmp_path / "pytest.ini").write_text("[pytest]\n" + ini)
    expected = 0
    for n, (page, step) in enumerate(chosen):
        name = re.sub(r"\W", "_", page.relative_to(ROOT).with_suffix("").as_posix())
        (tmp_path / f"test_{name}_{step.line}_{n}.py").write_text(step.source, "utf-8")
        expected += len(_DEFINES_A_TEST.findall(step.source))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            *UNUSED_PLUGINS,
            *options,
            str(tmp_path),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = result.stdout + result.stderr
    examples = ", ".join(_label(p, s) for p, s in chosen)
    assert result.returncode == 0, f"under {runner} ({examples}):\n{report}"
    # anyio's plugin runs a test once per installed backend (asyncio, trio): at least one each
    passed = re.search(r"(\d+) passed", report)
    assert passed and int(passed.group(1)) >= expected, f"under {runner}:\n{report}"
    assert "skipped" not in report and "xfail" not in report, f"under {runner}:\n{report}"
