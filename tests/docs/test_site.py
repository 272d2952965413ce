"""The built documentation site: no raw Sphinx roles, no invented site URL.

The site is built once per session into a temporary directory (``mkdocs build --strict``,
without ``SITE_URL``, as a reader's checkout builds it); the checks read the HTML. Skipped
when MkDocs is not installed (the ``docs`` extra).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

from tests.docs.code_blocks import ROOT

# `:class:`, `:meth:` ... are Sphinx syntax: mkdocstrings prints them as they are.
_RAW_ROLE = re.compile(r":(?:py:)?(?:class|meth|func|attr|exc|mod|data|obj|const|ref):`")


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mkdocs")
    # Once per run, not once per xdist worker: the workers share the base temp directory's
    # parent, and the first one to take the lock builds (a build costs ~5 s of CPU).
    shared = tmp_path_factory.getbasetemp().parent
    out = shared / "mkdocs-site"
    with FileLock(str(shared / "mkdocs-site.lock")):
        if not (out / "index.html").exists():
            _build(out)
    return out


def _build(out: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **{k: v for k, v in os.environ.items() if k != "SITE_URL"},
            "NO_MKDOCS_2_WARNING": "1",
        },
    )
    assert result.returncode == 0, result.stderr


def test_no_raw_sphinx_role_is_left_in_the_built_site(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    leftovers = [
        f"{page.relative_to(site)}: {match.group(0)}"
        for page in pages
        for match in _RAW_ROLE.finditer(page.read_text("utf-8"))
    ]
    assert not leftovers, leftovers[:20]


def test_without_site_url_the_site_builds_and_names_no_host(site: Path) -> None:
    # The project owns no docs host: no page may claim one as its canonical address.
    for page in (site / "index.html", site / "tokens" / "index.html"):
        assert 'rel="canonical"' not in page.read_text("utf-8")
    assert "<loc>" not in (site / "sitemap.xml").read_text("utf-8")


def test_site_url_comes_only_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    yaml = pytest.importorskip("mkdocs.utils.yaml")
    config = ROOT / "mkdocs.yml"
    monkeypatch.delenv("SITE_URL", raising=False)
    assert yaml.yaml_load(config.read_text("utf-8"))["site_url"] is None
    monkeypatch.setenv("SITE_URL", "https://docs.example.test/lexoffice-auth/")
    loaded = yaml.yaml_load(config.read_text("utf-8"))["site_url"]
    assert loaded == "https://docs.example.test/lexoffice-auth/"


def test_the_role_check_catches_a_role() -> None:
    assert _RAW_ROLE.search("see :class:`LexofficeAuth`")
    assert not _RAW_ROLE.search("see `LexofficeAuth`")
