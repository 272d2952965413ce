"""The extras: the library without click, the sandbox without respx, the plugin without the SDK.

Each check runs in a fresh interpreter whose import system refuses the named packages, as if
they were not installed (they are, in the development environment).
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest

_BLOCKER = textwrap.dedent(
    """
    import sys

    class _Refuse:
        '''Make "import NAME" fail for the blocked top-level packages.'''

        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, _Refuse())
    """
)


def _run(code: str, *blocked: str) -> subprocess.CompletedProcess[str]:
    program = f"BLOCKED = {set(blocked)!r}\n{_BLOCKER}\n{textwrap.dedent(code)}"
    return subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=False
    )


def test_the_command_without_click_says_how_to_install_it() -> None:
    result = _run(
        """
        sys.argv = ["lexoffice-auth", "demo"]
        from lexoffice_auth.cli import main
        main()
        """,
        "click",
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        'lexoffice-auth: the command line needs the "cli" extra: pip install "lexoffice-auth[cli]"'
    ]


def test_the_console_script_without_click_exits_2_without_a_traceback(tmp_path: Path) -> None:
    script = shutil.which("lexoffice-auth", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the console script is not installed next to this interpreter")
    (tmp_path / "sitecustomize.py").write_text(f"BLOCKED = {{'click'}}\n{_BLOCKER}")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run(
        [script, "--help"], capture_output=True, text=True, timeout=60, env=env, check=False
    )
    assert result.returncode == 2
    assert 'pip install "lexoffice-auth[cli]"' in result.stderr
    assert "Traceback" not in result.stderr


def test_the_library_and_the_sandbox_work_without_click() -> None:
    result = _run(
        """
        import lexoffice_auth, lexoffice_auth.errors, lexoffice_auth.stores
        from lexoffice_auth.testing import FakeLexoffice
        FakeLexoffice()
        import lexoffice_auth.cli
        print("ok")
        """,
        "click",
        "platformdirs",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"


def test_the_core_install_requires_neither_click_nor_platformdirs() -> None:
    # httpx imports click whenever it is installed (~20 ms on every "import httpx").
    core = [r for r in metadata.requires("lexoffice-auth") or [] if "extra ==" not in r]
    names = {re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0].lower().replace("_", "-") for r in core}
    assert names == {
        "httpx",
        "pydantic",
        "anyio",
        "pyjwt",
        "filelock",
        "typing-extensions",
        "tenacity",
    }
    entry = metadata.entry_points(group="console_scripts")["lexoffice-auth"]
    assert entry.value == "lexoffice_auth.cli:main"


def test_mock_without_respx_is_a_configuration_error_naming_the_extra() -> None:
    result = _run(
        """
        from lexoffice_auth.errors import ConfigurationError
        from lexoffice_auth.testing import FakeLexoffice
        fake = FakeLexoffice()
        try:
            fake.mock()
        except ConfigurationError as exc:
            print(exc)
        # The other mountings do not need respx.
        import httpx
        key = fake.add_api_key()
        with httpx.Client(transport=fake.transport()) as http:
            r = http.get(fake.api_base + "/v1/ping", headers={"Authorization": "Bearer " + key})
        print(r.status_code)
        """,
        "respx",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "FakeLexoffice.mock() needs respx: pip install 'lexoffice-auth[testing]'",
        "200",
    ]


def test_the_sandbox_imports_only_public_modules_of_the_sdk() -> None:
    import lexoffice_auth.testing

    public = {"lexoffice_auth", "lexoffice_auth.errors", "lexoffice_auth.stores"}
    public |= {"lexoffice_auth.oidc", "lexoffice_auth.api", "lexoffice_auth.webhooks"}
    public |= {"lexoffice_auth.rules"}  # the rules the SDK and the sandbox share
    found: list[str] = []
    for path in Path(lexoffice_auth.testing.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level >= 2:
                found.append(f"{path.name}: from {'.' * node.level}{node.module or ''}")
                continue
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            found += [
                f"{path.name}: {name}"
                for name in names
                if name.startswith("lexoffice_auth")
                and name not in public
                and not name.startswith("lexoffice_auth.testing")
            ]
    assert found == []
