"""``files upload PATH...``: files and folders, progress, skipped files, summary, exit status.

lexoffice is mocked with respx (202 ``{id, voucherId}`` as the reference's §3c shows); the
client's limiter is replaced by a recorder, so pacing is checked without waiting. The last
test uploads into the sandbox served on 127.0.0.1.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx
from click.testing import CliRunner, Result

from lexoffice_auth.api import MAX_UPLOAD_BYTES, TokenBucket
from lexoffice_auth.cli._commands import cli
from lexoffice_auth.testing import FakeLexoffice

from .helpers import cli_env

BASE = "https://api.lexware.io"
UPFILE = "95bb9311-3fe9-4bdf-be5f-711dac65ff19"
UPVCH = "e97d92ef-4094-4539-995d-6c826db6cf11"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture
def paced(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every ``acquire`` of the CLI's limiter, recorded instead of waited for."""
    acquired: list[int] = []

    async def acquire(self: TokenBucket) -> None:
        acquired.append(1)

    monkeypatch.setattr(TokenBucket, "acquire", acquire)
    return acquired


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(tmp_path, LEXOFFICE_API_KEY="sandbox-key")


def _answers(request: httpx.Request) -> httpx.Response:
    """202 with ids made from the file's name (the same bytes: the same ids, as lexoffice)."""
    body = request.content
    name = body.split(b'filename="', 1)[1].split(b'"', 1)[0].decode()
    if name.endswith(".xml"):
        return httpx.Response(
            406,
            json={
                "IssueList": [
                    {"i18nKey": "inacceptable_file_extension", "type": "validation_failure"}
                ]
            },
        )
    stem = {"a.jpg": "1", "b.pdf": "2", "c.PNG": "3"}.get(name, "9")
    return httpx.Response(202, json={"id": UPFILE[:-1] + stem, "voucherId": UPVCH[:-1] + stem})


def _run(args: list[str], env: dict[str, str], exit_code: int) -> Result:
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == exit_code, result.output
    return result


def _receipts(tmp_path: Path) -> Path:
    folder = tmp_path / "belege"
    folder.mkdir()
    (folder / "b.pdf").write_bytes(b"%PDF-1.4 receipt b")
    (folder / "a.jpg").write_bytes(b"\xff\xd8\xff\xe0 receipt a")
    (folder / "c.PNG").write_bytes(PNG)
    (folder / "notes.txt").write_text("not a receipt")
    (folder / "inner").mkdir()
    (folder / "inner" / "d.pdf").write_bytes(b"%PDF-1.4 not read: no recursion")
    return folder


def test_a_folder_is_uploaded_sorted_and_paced(
    env: dict[str, str], tmp_path: Path, paced: list[int]
) -> None:
    folder = _receipts(tmp_path)
    with respx.mock(base_url=BASE) as api:
        route = api.post("/v1/files").mock(side_effect=_answers)
        result = _run(["files", "upload", str(folder)], env, exit_code=0)
    sent = [call.request for call in route.calls]
    assert [r.content.split(b'filename="')[1].split(b'"')[0] for r in sent] == [
        b"a.jpg",
        b"b.pdf",
        b"c.PNG",
    ]
    first = sent[0]
    assert first.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert first.headers["Authorization"] == "Bearer sandbox-key"
    assert b'name="type"\r\n\r\nvoucher\r\n' in first.content
    assert b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0 receipt a\r\n" in first.content
    assert len(paced) == 3  # one slot of the client's limiter per upload
    assert result.stderr == (
        f"[1/3] {folder / 'a.jpg'}: uploaded\n"
        f"[2/3] {folder / 'b.pdf'}: uploaded\n"
        f"[3/3] {folder / 'c.PNG'}: uploaded\n"
        "3 uploaded, 0 failed\n"
    )
    width = len(str(folder / "a.jpg"))
    assert result.stdout.splitlines() == [
        f"{'PATH'.ljust(width)}  {'FILE ID'.ljust(36)}  {'VOUCHER ID'.ljust(36)}  ERROR",
        f"{folder / 'a.jpg'}  {UPFILE[:-1]}1  {UPVCH[:-1]}1",
        f"{folder / 'b.pdf'}  {UPFILE[:-1]}2  {UPVCH[:-1]}2",
        f"{folder / 'c.PNG'}  {UPFILE[:-1]}3  {UPVCH[:-1]}3",
    ]


def test_bad_files_are_skipped_reported_and_fail_the_run(
    env: dict[str, str], tmp_path: Path, paced: list[int]
) -> None:
    big = tmp_path / "scan.pdf"
    big.write_bytes(b"%PDF-1.4" + b"\0" * MAX_UPLOAD_BYTES)
    wrong = tmp_path / "notes.txt"
    wrong.write_text("not a receipt")
    xml = tmp_path / "rechnung.xml"
    xml.write_bytes(b"<?xml version='1.0'?><Invoice/>")
    empty = tmp_path / "leer"
    empty.mkdir()
    good = tmp_path / "b.pdf"
    good.write_bytes(b"%PDF-1.4 receipt b")
    args = ["files", "upload", str(big), str(wrong), str(xml), str(empty), str(good), "--json"]
    with respx.mock(base_url=BASE) as api:
        route = api.post("/v1/files").mock(side_effect=_answers)
        result = _run(args, env, exit_code=1)
    assert route.call_count == 2  # the XML (refused by lexoffice) and the good one
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["path"] for r in rows] == [str(big), str(wrong), str(xml), str(empty), str(good)]
    assert rows[4] == {"path": str(good), "id": UPFILE[:-1] + "2", "voucher_id": UPVCH[:-1] + "2"}
    assert all(set(r) == {"path", "error"} for r in rows[:4])
    assert "5 MB" in rows[0]["error"] or "5,242,880" in rows[0]["error"]
    assert "E-Rechnung" in rows[2]["error"]
    assert rows[3]["error"] == "no receipts (pdf, jpg, jpeg, png, xml) in this folder"
    stderr = result.stderr.splitlines()
    assert stderr[0].startswith(f"[1/5] {big}: skipped: ")
    assert (
        stderr[3]
        == f"[4/5] {empty}: skipped: no receipts (pdf, jpg, jpeg, png, xml) in this folder"
    )
    assert stderr[4] == f"[5/5] {good}: uploaded"
    assert stderr[-1] == "1 uploaded, 4 failed"


def test_the_same_bytes_twice_are_reported_as_known(
    env: dict[str, str], tmp_path: Path, paced: list[int]
) -> None:
    first, second = tmp_path / "b.pdf", tmp_path / "copy.pdf"
    first.write_bytes(b"%PDF-1.4 receipt b")
    second.write_bytes(b"%PDF-1.4 receipt b")
    with respx.mock(base_url=BASE) as api:
        api.post("/v1/files").respond(202, json={"id": UPFILE, "voucherId": UPVCH})
        result = _run(["files", "upload", str(first), str(second)], env, exit_code=0)
    assert result.stderr.splitlines()[1] == (
        f"[2/2] {second}: uploaded (lexoffice already had these bytes)"
    )


def test_a_missing_path_is_a_usage_error(env: dict[str, str], tmp_path: Path) -> None:
    result = _run(["files", "upload", str(tmp_path / "nope.pdf")], env, exit_code=2)
    assert "does not exist" in result.stderr


def test_a_rejected_key_stops_the_run_with_one_line_and_a_hint(
    env: dict[str, str], tmp_path: Path, paced: list[int]
) -> None:
    folder = _receipts(tmp_path)
    with respx.mock(base_url=BASE) as api:
        route = api.post("/v1/files").respond(401, json={"message": "Unauthorized"})
        result = _run(["files", "upload", str(folder), "--json"], env, exit_code=1)
    assert route.call_count == 1  # the other two files are not tried
    reason = (
        "the lexoffice API rejected the API key (HTTP 401): it is invalid, expired or "
        "revoked; create a new key in lexoffice and configure it"
    )
    assert json.loads(result.stdout) == {"path": str(folder / "a.jpg"), "error": reason}
    assert result.stderr.splitlines() == [
        f"[1/3] {folder / 'a.jpg'}: failed: {reason}",
        "0 uploaded, 1 failed, 2 not tried",
        f"lexoffice-auth: error: {reason}",
        "lexoffice-auth: hint: the API key was rejected: create a new one in lexoffice and "
        "run `lexoffice-auth login --api-key`",
    ]


def test_files_upload_into_the_sandbox(tmp_path: Path, paced: list[int]) -> None:
    fake = FakeLexoffice(rate_limit=None)
    folder = tmp_path / "belege"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(b"%PDF-1.4 a")
    (folder / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    (folder / "c.xml").write_bytes(b"<?xml version='1.0'?><Invoice/>")  # no E-Rechnung
    with fake.serve() as base:
        env = cli_env(tmp_path, LEXOFFICE_API_KEY=fake.add_api_key(), LEXOFFICE_API_BASE=base)
        result = _run(["files", "upload", str(folder), "--json"], env, exit_code=1)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(r["path"]).name for r in rows] == ["a.pdf", "b.png", "c.xml"]
    assert all(r["id"] and r["voucher_id"] for r in rows[:2])
    assert "E-Rechnung" in rows[2]["error"]
    assert result.stderr.splitlines()[-1] == "2 uploaded, 1 failed"
    assert {r["voucher_id"] for r in rows[:2]} <= set(fake.api.store("vouchers"))
