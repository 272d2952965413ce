"""docs/architecture.md's layer diagram is the import-linter contract, rendered."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("tomllib")  # the tool reads pyproject.toml with it (Python 3.11+)

TOOL = Path(__file__).resolve().parents[2] / "tools" / "architecture.py"


def _tool():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("architecture_tool", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_diagram_matches_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert _tool().main(["--check"]) == 0, capsys.readouterr().out


def test_a_changed_contract_makes_the_page_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = _tool()
    page = tmp_path / "architecture.md"
    page.write_text(tool.PAGE.read_text())
    monkeypatch.setattr(tool, "PAGE", page)
    real = tool.layers()
    monkeypatch.setattr(tool, "layers", lambda: [real[1], real[0], *real[2:]])
    assert tool.main(["--check"]) == 1
    assert tool.main([]) == 0
    assert tool.main(["--check"]) == 0
    assert page.read_text().index(" top    testing") < page.read_text().index("cli ")


def test_every_layer_module_exists() -> None:
    tool = _tool()
    for layer in tool.layers():
        for module in layer:
            path, _ = tool._source(module)
            assert path.is_file(), module
            assert tool.summary(module), f"{module} has no docstring"
