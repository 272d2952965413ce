"""docs/security.md: every test it names exists, and every safeguard names its rule."""

from __future__ import annotations

import re

from tests.docs.code_blocks import ROOT

PAGE = ROOT / "docs" / "security.md"


def test_every_referenced_test_exists() -> None:
    text = PAGE.read_text("utf-8")
    refs = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", text)
    assert len(refs) > 50
    missing = [
        f"{path}::{name}"
        for path, name in refs
        if not (ROOT / path).exists()
        or not re.search(rf"def {name}\b", (ROOT / path).read_text("utf-8"))
    ]
    assert missing == []


def test_every_safeguard_row_names_a_rule() -> None:
    rows = [
        line
        for line in PAGE.read_text("utf-8").splitlines()
        if line.startswith("| ") and not line.startswith(("| Safeguard", "|---"))
    ]
    for row in rows:
        rule = row.split(" | ")[1]
        assert re.search(r"RFC \d+|OIDC|—", rule), row


def test_every_test_security_md_names_exists() -> None:
    text = (ROOT / "SECURITY.md").read_text("utf-8")
    refs = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", text)
    assert len(refs) >= 20  # the hardened cases' table
    missing = [
        f"{path}::{name}"
        for path, name in refs
        if not (ROOT / path).exists()
        or not re.search(rf"def {name}\b", (ROOT / path).read_text("utf-8"))
    ]
    assert missing == []
