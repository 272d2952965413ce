"""client.files: the upload's checks and multipart parts, the 202/dedupe/406 answers, download."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest

from lexoffice_auth.api import MAX_UPLOAD_BYTES, FileUpload
from lexoffice_auth.errors import ConfigurationError, NotFound, ValidationFailed

from .books_helpers import (
    UPFILE,
    UPVCH,
    client,
    json_response,
    lexoffice,
    multipart_parts,
    part_bytes,
)

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 700 + b"\n%%EOF"  # ~180 KB, every byte value
ACCEPTED = json_response(202, {"id": UPFILE, "voucherId": UPVCH})
XML_REFUSED = {
    "IssueList": [
        {
            "i18nKey": "inacceptable_file_extension",
            "source": None,
            "type": "validation_failure",
            "additionalData": None,
            "args": None,
        }
    ]
}


def _assert_upload(request: httpx.Request, filename: str, content_type: str, data: bytes) -> None:
    assert request.method == "POST" and str(request.url) == "https://api.lexware.io/v1/files"
    assert request.headers["Authorization"] == "Bearer key"
    assert request.headers["Accept"] == "application/json"
    parts = multipart_parts(request)
    assert sorted(parts) == ["file", "type"]
    assert parts["file"].get_filename() == filename
    assert parts["file"].get_content_type() == content_type
    assert part_bytes(parts["file"]) == data
    assert parts["type"].get_filename() is None and part_bytes(parts["type"]) == b"voucher"


async def test_a_path_is_uploaded_as_parts_file_and_type_and_the_202_is_parsed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ER-2025-0917.pdf"
    path.write_bytes(PDF)
    with lexoffice() as api:
        route = api.post("/v1/files").mock(return_value=ACCEPTED)
        async with client() as lx:
            uploaded = await lx.files.upload(path)
    assert uploaded == FileUpload(id=UPFILE, voucher_id=UPVCH)
    _assert_upload(route.calls.last.request, "ER-2025-0917.pdf", "application/pdf", PDF)


async def test_the_same_bytes_twice_give_the_same_ids_as_lexoffice_deduplicates() -> None:
    with lexoffice() as api:
        route = api.post("/v1/files").mock(side_effect=[ACCEPTED, ACCEPTED])
        async with client() as lx:
            first = await lx.files.upload(PDF, filename="ER-2025-0917.pdf")
            second = await lx.files.upload(io.BytesIO(PDF), filename="ER-2025-0917.pdf")
    assert first == second == FileUpload(id=UPFILE, voucher_id=UPVCH)
    assert route.call_count == 2
    for call in route.calls:
        _assert_upload(call.request, "ER-2025-0917.pdf", "application/pdf", PDF)


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"\x89PNG\r\n\x1a\n rest", "upload.png"),
        (b"\xff\xd8\xff\xe0 jpeg", "upload.jpg"),
        (b"<?xml version='1.0'?><Invoice/>", "upload.xml"),
        (PDF, "upload.pdf"),
    ],
)
async def test_bare_bytes_are_named_by_their_first_bytes(data: bytes, filename: str) -> None:
    types = {"png": "image/png", "jpg": "image/jpeg", "xml": "application/xml"}
    with lexoffice() as api:
        route = api.post("/v1/files").mock(return_value=ACCEPTED)
        async with client() as lx:
            await lx.files.upload(data)
    extension = filename.rsplit(".", 1)[1]
    content_type = types.get(extension, "application/pdf")
    _assert_upload(route.calls.last.request, filename, content_type, data)


class _Pipe(io.RawIOBase):
    """A binary stream that cannot seek (a pipe, a socket)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.reads = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.reads += 1
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


async def test_file_objects_are_sent_from_their_start_named_by_their_name(tmp_path: Path) -> None:
    path = tmp_path / "beleg.JPEG"
    path.write_bytes(b"\xff\xd8\xff" + b"j" * 1000)
    with lexoffice() as api:
        route = api.post("/v1/files").mock(return_value=ACCEPTED)
        async with client() as lx:
            with path.open("rb") as stream:
                stream.read(10)  # a position inside the file does not cut the upload
                await lx.files.upload(stream)
            await lx.files.upload(_Pipe(PDF), filename="pipe.pdf", content_type="application/pdf")
    first, second = route.calls
    _assert_upload(first.request, "beleg.JPEG", "image/jpeg", path.read_bytes())
    _assert_upload(second.request, "pipe.pdf", "application/pdf", PDF)


async def test_more_than_5_mb_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    big = tmp_path / "scan.pdf"
    big.write_bytes(b"%PDF-" + b"0" * int(5.2 * 2**20))
    exact = b"%PDF-" + b"0" * (MAX_UPLOAD_BYTES - 5)
    with lexoffice() as api:
        route = api.post("/v1/files").mock(return_value=ACCEPTED)
        async with client() as lx:
            for source in (big, big.read_bytes(), io.BytesIO(big.read_bytes())):
                with pytest.raises(ConfigurationError, match=r"at most 5 MB \(5,242,880 bytes\)"):
                    await lx.files.upload(source, filename="scan.pdf")
            pipe = _Pipe(big.read_bytes())
            with pytest.raises(ConfigurationError, match="5 MB"):
                await lx.files.upload(pipe, filename="scan.pdf")
            assert route.call_count == 0
            await lx.files.upload(exact, filename="exact.pdf")  # the limit itself is fine
    assert len(part_bytes(multipart_parts(route.calls.last.request)["file"])) == MAX_UPLOAD_BYTES


@pytest.mark.parametrize(
    ("source", "options", "message"),
    [
        (b"GIF89a", {}, "cannot tell the file's type: pass filename="),
        (b"%PDF-", {"filename": "invoice.docx"}, "accepts only jpeg, jpg, pdf, png, xml"),
        (b"%PDF-", {"filename": "invoice"}, "has no such extension"),
        (b"%PDF-", {"filename": "a\r\nb.pdf"}, "not a usable file name"),
        (b"%PDF-", {"filename": "a.pdf", "content_type": "text/html"}, "content_type must be"),
        (b"%PDF-", {"type": "invoice"}, "type must be 'voucher'"),
        ("missing.pdf", {}, "cannot read the file to upload"),
        (12, {}, "must be a path, bytes or a binary file object"),
        (io.StringIO("text"), {"filename": "a.xml"}, "opened in binary mode"),
    ],
)
async def test_files_lexoffice_would_refuse_are_refused_without_a_request(
    source: Any, options: dict[str, Any], message: str, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    with lexoffice() as api:
        route = api.post("/v1/files").mock(return_value=ACCEPTED)
        async with client() as lx:
            with pytest.raises(ConfigurationError, match=message):
                await lx.files.upload(source, **options)
        route.mock(return_value=ACCEPTED)
        async with client() as lx:
            await lx.files.upload(b"%PDF-", filename="ok.pdf")  # the route was free to use
        assert route.call_count == 1


async def test_xml_without_the_e_rechnung_feature_explains_the_406() -> None:
    with lexoffice() as api:
        api.post("/v1/files").mock(return_value=json_response(406, XML_REFUSED))
        async with client() as lx:
            with pytest.raises(ValidationFailed) as caught:
                await lx.files.upload(b"<?xml version='1.0'?><x/>", filename="rechnung.xml")
    error = caught.value
    assert error.status_code == 406
    assert "POST /v1/files: HTTP 406: inacceptable_file_extension" in error.message
    assert "E-Rechnung feature" in error.message
    assert error.details[0]["message"] == "inacceptable_file_extension"


async def test_other_upload_errors_pass_through_as_they_are() -> None:
    missing_type = {"IssueList": [{"i18nKey": "bad_request_error", "source": "type"}]}
    with lexoffice() as api:
        api.post("/v1/files").mock(
            side_effect=[json_response(400, missing_type), json_response(406, {"IssueList": []})]
        )
        async with client() as lx:
            with pytest.raises(ValidationFailed) as bad_request:
                await lx.files.upload(b"%PDF-", filename="a.pdf")
            with pytest.raises(ValidationFailed) as bad_image:
                await lx.files.upload(b"%PDF-", filename="a.pdf")
    assert bad_request.value.message == "POST /v1/files: HTTP 400: bad_request_error (type)"
    assert bad_request.value.status_code == 400
    assert "E-Rechnung" not in bad_image.value.message


async def test_download_streams_the_file_with_the_accept_asked_for(tmp_path: Path) -> None:
    headers = {
        "Content-Type": "application/pdf;charset=UTF-8",
        "Content-Disposition": 'attachment; filename="ER-2025-0917.pdf"',
        "Content-Length": str(len(PDF)),
    }
    target = tmp_path / "beleg.pdf"
    seen: list[tuple[int, int | None]] = []
    with lexoffice() as api:
        route = api.get(f"/v1/files/{UPFILE}").mock(
            return_value=httpx.Response(200, content=PDF, headers=headers)
        )
        async with client() as lx:
            in_memory = await lx.files.download(UPFILE)
            on_disk = await lx.files.download(
                UPFILE, "pdf", to=target, progress=lambda n, t: seen.append((n, t))
            )
    assert [c.request.headers["Accept"] for c in route.calls] == ["*/*", "application/pdf"]
    assert all(c.request.headers["Authorization"] == "Bearer key" for c in route.calls)
    assert in_memory.content == PDF and in_memory.media_type == "application/pdf"
    assert in_memory.filename == "ER-2025-0917.pdf" and in_memory.size == len(PDF)
    assert target.read_bytes() == PDF and on_disk.path == str(target) and on_disk.content == b""
    assert seen[-1] == (len(PDF), len(PDF))


async def test_download_errors_and_options() -> None:
    with lexoffice() as api:
        api.get(f"/v1/files/{UPFILE}").mock(
            return_value=json_response(404, {"IssueList": [{"i18nKey": "missing_entity"}]})
        )
        async with client() as lx:
            with pytest.raises(NotFound, match="missing_entity"):
                await lx.files.download(UPFILE, "xml")
            with pytest.raises(ConfigurationError, match="format must be"):
                await lx.files.download(UPFILE, "html")  # type: ignore[arg-type]
            with pytest.raises(ConfigurationError, match="not a file id"):
                await lx.files.download("../contacts")


async def test_a_rate_limited_upload_is_sent_again_in_full(tmp_path: Path) -> None:
    path = tmp_path / "beleg.pdf"
    path.write_bytes(PDF)
    limited = json_response(429, {"message": "Rate limit exceeded"})
    with lexoffice() as api:
        route = api.post("/v1/files").mock(side_effect=[limited, ACCEPTED])
        async with client() as lx:
            uploaded = await lx.files.upload(path)
    assert uploaded.id == UPFILE and route.call_count == 2
    for call in route.calls:  # the file is read from its start for each attempt
        _assert_upload(call.request, "beleg.pdf", "application/pdf", PDF)
