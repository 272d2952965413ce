"""The new commands against the sandbox served on 127.0.0.1 (real HTTP, seeded data).

The sandbox's rate limit is off; each command makes one or a few calls, and the uploads'
pacing is recorded instead of waited for.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lexoffice_auth.api import TokenBucket
from lexoffice_auth.cli._commands import cli
from lexoffice_auth.testing import FakeLexoffice

from .helpers import cli_env

# The sandbox serves quotations, dunnings and files from branch sandbox-all on; before that
# merge this module is skipped (afterwards the import always succeeds).
pytest.importorskip("lexoffice_auth.testing.api", reason="needs the sandbox of every resource")

Seeded = tuple[FakeLexoffice, dict[str, str], dict[str, str]]


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Seeded]:
    async def no_wait(self: TokenBucket) -> None:
        return None

    monkeypatch.setattr(TokenBucket, "acquire", no_wait)
    fake = FakeLexoffice(rate_limit=None)
    huber = fake.add_contact(name="Bäckerei Huber GmbH & Co. KG")
    day = datetime(2025, 9, 15, 10, 0, tzinfo=timezone.utc)
    ids = {
        "huber": huber,
        "quote": fake.add_quotation(contact_id=huber, voucher_date=day, net_amount=250),
        "draft": fake.add_quotation(contact_id=huber, voucher_date=day, status="draft"),
        "invoice": fake.add_invoice(contact_id=huber, voucher_date=day),
    }
    ids["dunning"] = fake.add_dunning(ids["invoice"])
    with fake.serve() as base:
        env = cli_env(tmp_path, LEXOFFICE_API_KEY=fake.add_api_key(), LEXOFFICE_API_BASE=base)
        yield fake, env, ids


def _run(args: list[str], env: dict[str, str], exit_code: int = 0) -> Result:
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == exit_code, result.output
    return result


def test_quotations_list_get_download(seeded: Seeded, tmp_path: Path) -> None:
    _, env, ids = seeded
    listed = _run(["quotations", "list", "--status", "open"], env)
    rows = listed.stdout.splitlines()
    assert rows[0].split() == ["ID", "NUMBER", "DATE", "STATUS", "CONTACT", "TOTAL", "OPEN", "CUR"]
    assert len(rows) == 2 and rows[1].startswith(ids["quote"])
    assert "2025-09-15  open" in rows[1] and "297.5" in rows[1]
    assert listed.stderr == "page 1 of 1, 1 in all\n"
    data = json.loads(_run(["quotations", "get", ids["quote"], "--json"], env).stdout)
    assert data["id"] == ids["quote"] and data["voucherStatus"] == "open"
    shown = _run(["quotations", "get", ids["quote"]], env).stdout
    assert f"ID:      {ids['quote']}\n" in shown and "Gross:   297.5" in shown
    written = _run(["quotations", "download", ids["quote"], "-o", str(tmp_path)], env)
    target = Path(written.stdout.strip())
    assert target.parent == tmp_path and target.read_bytes().startswith(b"%PDF")
    refused = _run(["quotations", "download", ids["draft"], "-o", str(tmp_path)], env, 1)
    assert "is a draft" in refused.stderr


def test_dunnings_get_and_download_a_draft(seeded: Seeded, tmp_path: Path) -> None:
    _, env, ids = seeded
    shown = _run(["dunnings", "get", ids["dunning"]], env).stdout
    assert "Status:  draft\n" in shown and "Related: invoice " in shown
    out = tmp_path / "mahnung.pdf"
    _run(["dunnings", "download", ids["dunning"], "-o", str(out)], env)
    assert out.read_bytes().startswith(b"%PDF")


def test_files_upload_into_the_sandbox(seeded: Seeded, tmp_path: Path) -> None:
    fake, env, _ = seeded
    folder = tmp_path / "belege"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(b"%PDF-1.4 a")
    (folder / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    (folder / "c.xml").write_bytes(b"<?xml version='1.0'?><Invoice/>")  # no E-Rechnung
    result = _run(["files", "upload", str(folder), "--json"], env, exit_code=1)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(r["path"]).name for r in rows] == ["a.pdf", "b.png", "c.xml"]
    assert all(r["id"] and r["voucher_id"] for r in rows[:2])
    assert "E-Rechnung" in rows[2]["error"]
    assert result.stderr.splitlines()[-1] == "2 uploaded, 1 failed"
    assert {r["voucher_id"] for r in rows[:2]} <= set(fake.api.store("vouchers"))
