"""The layer contract of docs/architecture.md: it passes, and it catches an upward import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the contract runs in CI there

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed")


def run_contract(package_parent: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run lint-imports with the project's contracts over the package in ``package_parent``."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    lines = ["[importlinter]", f"root_package = {config['root_package']}"]
    lines.append(f"exclude_type_checking_imports = {config['exclude_type_checking_imports']}")
    for number, contract in enumerate(config["contracts"]):
        lines.append(f"[importlinter:contract:{number}]")
        for key, value in contract.items():
            if isinstance(value, list):
                lines.append(f"{key} =\n" + "\n".join(f"    {item}" for item in value))
            else:
                lines.append(f"{key} = {value}")
    ini = tmp_path / "contracts.ini"
    ini.write_text("\n".join(lines) + "\n")
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run(
        [str(LINT), "--config", str(ini), "--no-cache"],
        cwd=package_parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def copy_package(tmp_path: Path) -> Path:
    parent = tmp_path / "src"
    shutil.copytree(
        ROOT / "lexoffice_auth",
        parent / "lexoffice_auth",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return parent


def test_the_package_keeps_its_layers(tmp_path: Path) -> None:
    result = run_contract(copy_package(tmp_path), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    parent = copy_package(tmp_path)
    pkce = parent / "lexoffice_auth" / "_oauth" / "pkce.py"
    # The pure PKCE module reaching up into the auth layer: exactly what must not happen.
    pkce.write_text(pkce.read_text() + "\nfrom .. import _auth  # noqa: E402,F401\n")
    result = run_contract(parent, tmp_path)
    assert result.returncode != 0
    assert "lexoffice_auth._oauth.pkce -> lexoffice_auth._auth" in result.stdout
