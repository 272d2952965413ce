"""``/v1/files``: multipart upload with checksum dedupe, binary download by ``Accept``.

Legacy error shape. An upload makes a bookkeeping voucher in status ``blank`` at once;
the sandbox runs no OCR, so it stays ``blank`` (lexoffice moves it to ``unchecked``).
"""

from __future__ import annotations

import hashlib

from httpx import Response

from lexoffice_auth.testing._responses import json_response
from lexoffice_auth.testing._state import Record, SandboxState
from lexoffice_auth.testing.api._call import Call, Part, Problem
from lexoffice_auth.testing.api._documents import (
    PDF,
    XML,
    accepted,
    binary,
    pdf_document,
    xml_document,
)
from lexoffice_auth.testing.api._sales import find_sales

__all__ = ["MAX_UPLOAD_BYTES", "download", "store_file", "upload", "uploaded_part"]

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
"""lexoffice's limit for an uploaded voucher file (5 MB)."""
_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "xml": "application/xml",
}


def _extension(part: Part) -> str:
    name = part.filename or ""
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def uploaded_part(state: SandboxState, parts: dict[str, Part]) -> Part:
    """The checked ``file`` part: present (else 500), at most 5 MB, pdf/jpg/png/xml (406)."""
    part = parts.get("file")
    if part is None:
        # lexoffice answers a missing file part with a 500 (reference §3b.9).
        raise Problem(500, "no file part", i18n_key="technical_error", issue_type="technical_error")
    if len(part.content) > MAX_UPLOAD_BYTES:
        raise Problem(406, "file too large", i18n_key="invalid_file_size", source="file")
    extension = _extension(part)
    if extension not in _TYPES or (extension == "xml" and "e-invoice" not in state.features):
        raise Problem(406, "file type not accepted", i18n_key="inacceptable_file_extension")
    return part


def store_file(state: SandboxState, part: Part, voucher_id: str | None) -> tuple[Record, bool]:
    """Store an upload (deduplicated by content, per voucher); returns (record, is_new).

    Without ``voucher_id`` a new ``blank`` bookkeeping voucher is made for the file.
    """
    digest = hashlib.sha256(part.content).hexdigest()
    context = f"{voucher_id or ''}:{digest}"
    files = state.store("files")
    known = state.checksums.get(context)
    if known is not None and known in files:
        return files[known], False
    now = state.now()
    file_id = state.new_uuid()
    if voucher_id is None:
        voucher_id = state.new_uuid()
        state.store("vouchers")[voucher_id] = Record(
            {
                "id": voucher_id,
                "organizationId": state.organization_id,
                "voucherStatus": "blank",
                "files": [file_id],
                "version": 1,
            },
            now,
            now,
        )
    extension = _extension(part)
    record = Record(
        {"id": file_id, "voucherId": voucher_id},
        now,
        now,
        {
            "content": part.content,
            "media_type": _TYPES["jpg" if extension == "jpeg" else extension],
            "filename": part.filename,
            "checksum": context,
        },
    )
    files[file_id] = record
    state.checksums[context] = file_id
    return record, True


def forget_file(state: SandboxState, file_id: str) -> None:
    """Delete a file for good (a voucher PUT that leaves it out)."""
    record = state.store("files").pop(file_id.lower(), None)
    if record is not None:
        state.checksums.pop(str(record.extra.get("checksum")), None)


def upload(call: Call) -> Response:
    """``POST /v1/files`` (parts ``file`` and ``type=voucher``): 202 ``{id, voucherId}``."""
    parts = call.multipart()
    kind = parts.get("type")
    if kind is None or kind.content.decode("utf-8", "replace").strip() != "voucher":
        raise Problem(400, "type must be voucher", i18n_key="bad_request_error", source="type")
    record, _ = store_file(call.state, uploaded_part(call.state, parts), None)
    return json_response(202, {"id": record.data["id"], "voucherId": record.data["voucherId"]})


def _sales_document(call: Call, record: Record) -> Response:
    """A sales voucher's document by the deprecated route: XRechnung ``*/*`` is PDF here."""
    found = find_sales(call.state, str(record.data["voucherId"]))
    if found is None:
        raise Problem(404, "file not found", source="id")
    kind, voucher = found
    name = str(voucher.data.get("voucherNumber") or voucher.data["id"])
    wanted = next((t for t in accepted(call.request) if t in ("*/*", PDF, XML)), None)
    if wanted is None:
        raise Problem(406, "Requested media type is not supported", source="Accept")
    if wanted == XML:
        if voucher.data.get("electronicDocumentProfile") != "XRechnung":
            raise Problem(404, "no XML document", source="Accept")
        return xml_document(name, name)
    return pdf_document(name, f"Sandbox {kind.voucher_type} {name}")


def download(call: Call) -> Response:
    """``GET /v1/files/{id}``: the bookkeeping-file ``Accept`` matrix of §3b.9."""
    record = call.found("files", call.args[0], what="file")
    if "sales" in record.extra:
        return _sales_document(call, record)
    original: str = record.extra["media_type"]
    name = str(record.extra.get("filename") or record.data["id"])
    stem = name.rsplit(".", 1)[0]
    images = ("image/jpeg", "image/png")
    for wanted in accepted(call.request):
        if wanted not in ("*/*", PDF, XML, *images):
            continue
        if wanted == XML and original != XML:
            raise Problem(404, "no XML version of this file", source="Accept")
        if wanted in ("*/*", original) or (wanted in images and original in images):
            return binary(record.extra["content"], original, name)
        return pdf_document(stem, f"Sandbox rendering of {stem}")
    raise Problem(406, "Requested media type is not supported", source="Accept")
