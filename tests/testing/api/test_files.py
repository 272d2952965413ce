"""Files: upload with dedupe and limits, download by Accept, vouchers' files (§3b.9, §3b.19)."""

from __future__ import annotations

from typing import Any

import pytest

from lexoffice_auth.errors import ConfigurationError

from .conftest import Lx, client_for, make_fake
from .world import VOUCHER

PDF = b"%PDF-1.4\n% a receipt\n"
PNG = b"\x89PNG\r\n\x1a\n fake image"
XML = b'<?xml version="1.0"?><Invoice/>'


def upload(name: str, content: bytes, kind: str | None = "voucher") -> dict[str, Any]:
    return {
        "files": {"file": (name, content, "application/octet-stream")},
        "data": {"type": kind} if kind is not None else {},
    }


async def test_upload_answers_202_with_file_and_voucher_and_dedupes(lx: Lx) -> None:
    first = await lx.ok("POST", "/v1/files", 202, **upload("ER-2025-0917.pdf", PDF))
    assert set(first) == {"id", "voucherId"}
    again = await lx.ok("POST", "/v1/files", 202, **upload("copy.pdf", PDF))
    assert again == first
    voucher = await lx.ok("GET", f"/v1/vouchers/{first['voucherId']}")
    assert voucher["voucherStatus"] == "blank"  # lexoffice's undocumented state before OCR
    assert voucher["files"] == [first["id"]]
    download = await lx.http.get(f"/v1/files/{first['id']}", headers={"Accept": "*/*"})
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"] == 'attachment; filename="ER-2025-0917.pdf"'


@pytest.mark.parametrize(
    ("name", "content", "kind", "status", "key"),
    [
        ("big.pdf", b"%PDF" + b"0" * (5 * 1024 * 1024), "voucher", 406, "invalid_file_size"),
        ("rechnung.xml", XML, "voucher", 406, "inacceptable_file_extension"),
        ("notes.txt", b"hello", "voucher", 406, "inacceptable_file_extension"),
        ("beleg.pdf", PDF, None, 400, "bad_request_error"),
        ("beleg.pdf", PDF, "invoice", 400, "bad_request_error"),
    ],
)
async def test_refused_uploads_have_the_legacy_shape(
    lx: Lx, name: str, content: bytes, kind: str | None, status: int, key: str
) -> None:
    refused = await lx.http.post("/v1/files", **upload(name, content, kind))
    assert refused.status_code == status
    assert refused.json()["IssueList"][0]["i18nKey"] == key
    if key == "inacceptable_file_extension":  # as in reference §3c
        assert refused.json()["IssueList"][0] == {
            "i18nKey": key,
            "source": None,
            "type": "validation_failure",
        }


async def test_an_upload_without_file_part_is_a_500(lx: Lx) -> None:
    refused = await lx.http.post(
        "/v1/files", files={"other": ("a.pdf", PDF)}, data={"type": "voucher"}
    )
    assert refused.status_code == 500
    assert refused.json()["IssueList"][0]["i18nKey"] == "technical_error"


async def test_exactly_5_mb_is_accepted(lx: Lx) -> None:
    content = b"%PDF" + b"0" * (5 * 1024 * 1024 - 4)
    await lx.ok("POST", "/v1/files", 202, **upload("max.pdf", content))


async def test_xml_needs_the_e_invoice_feature_and_downloads_by_accept() -> None:
    fake = make_fake(features={"e-invoice"})
    async with client_for(fake) as http:
        response = await http.post("/v1/files", **upload("rechnung.xml", XML))
        assert response.status_code == 202
        url = f"/v1/files/{response.json()['id']}"
        for accept, media in [
            ("*/*", "application/xml"),
            ("application/xml", "application/xml"),
            ("application/pdf", "application/pdf"),
            ("image/png", "application/pdf"),
        ]:
            got = await http.get(url, headers={"Accept": accept})
            assert got.headers["content-type"] == media, accept
        assert (await http.get(url, headers={"Accept": "text/html"})).status_code == 406


@pytest.mark.parametrize(
    ("accept", "status", "media"),
    [
        ("*/*", 200, "image/png"),
        ("image/png", 200, "image/png"),
        ("image/jpeg", 200, "image/png"),
        ("application/pdf", 200, "application/pdf"),
        ("application/xml", 404, None),
    ],
)
async def test_image_download_matrix(lx: Lx, accept: str, status: int, media: str | None) -> None:
    file_id = lx.fake.add_file(PNG, filename="bon.png")
    got = await lx.http.get(f"/v1/files/{file_id}", headers={"Accept": accept})
    assert got.status_code == status
    if media:
        assert got.headers["content-type"] == media


async def test_voucher_files_attach_version_and_put_deletes_left_out_files(lx: Lx) -> None:
    created = await lx.ok("POST", "/v1/vouchers", 201, json=VOUCHER)
    path = f"/v1/vouchers/{created['id']}"
    attached = await lx.ok(
        "POST",
        f"{path}/files",
        202,
        files={"file": ("kassenbon-2025-09-15.pdf", PDF, "application/pdf")},
    )
    same = await lx.ok("POST", f"{path}/files", 202, files={"file": ("again.pdf", PDF)})
    assert same["id"] == attached["id"]  # the checksum dedupe, per voucher
    current = await lx.ok("GET", path)
    assert (current["files"], current["version"]) == ([attached["id"]], 2)
    kept = await lx.ok("PUT", path, json={**VOUCHER, "files": [attached["id"]], "version": 2})
    assert kept["version"] == 3
    stale = await lx.http.put(path, json={**VOUCHER, "files": [attached["id"]], "version": 2})
    assert stale.status_code == 409
    assert stale.json()["IssueList"][0]["source"] == "version"
    await lx.ok("PUT", path, json={**VOUCHER, "files": [], "version": 3})
    assert (await lx.http.get(f"/v1/files/{attached['id']}")).status_code == 404
    assert (await lx.ok("GET", path))["files"] == []


async def test_seeded_files_are_checked_like_uploads(lx: Lx) -> None:
    with pytest.raises(ConfigurationError, match="not an acceptable file"):
        lx.fake.add_file(XML, filename="rechnung.xml")
    assert lx.fake.add_file(PDF) == lx.fake.add_file(PDF)
