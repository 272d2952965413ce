"""The README's quick start, run as a user runs it, prints nothing on stderr.

``python -W error -c`` with the README's first Python block (warnings are errors), against
the sandbox mounted at lexoffice's real URL, without any logging configuration: a library
that logs or warns on its own would show up here.
"""

from __future__ import annotations

import subprocess
import sys

from tests.docs.code_blocks import ROOT, steps

_RUNNER = """\
import ast, asyncio, os, sys
from lexoffice_auth.testing import API_BASE_URL, FakeLexoffice

fake = FakeLexoffice(api_base=API_BASE_URL)
os.environ["LEXOFFICE_API_KEY"] = fake.add_api_key()
code = compile(sys.argv[1], "README.md", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)

async def main():
    with fake.mock():
        result = eval(code, {"__name__": "__main__"})
        if result is not None:
            await result

asyncio.run(main())
print("ran")
"""


def test_the_quick_start_prints_nothing_on_stderr() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    quick_start = next(s for s in steps(readme) if s.kind == "code")
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", _RUNNER, quick_start.source],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ran\n"
    assert result.stderr == ""
