"""Binary answers: the ``Accept`` list, PDF and XML documents with their headers."""

from __future__ import annotations

import base64

from httpx import Request, Response

from lexoffice_auth.testing._pdf import tiny_pdf
from lexoffice_auth.testing._responses import json_response

__all__ = ["PDF", "XML", "accepted", "binary", "pdf_document", "pdf_as_json", "xml_document"]

PDF = "application/pdf"
XML = "application/xml"


def accepted(request: Request) -> list[str]:
    """The media types of the ``Accept`` header in the client's order (``*/*`` if none)."""
    header = request.headers.get("accept", "") or "*/*"
    return [t.split(";")[0].strip().lower() for t in header.split(",") if t.strip()]


def binary(content: bytes, content_type: str, filename: str) -> Response:
    """200 with the bytes, ``Content-Type``, ``Content-Length`` and ``Content-Disposition``."""
    headers = {
        "Content-Type": content_type,
        "Content-Disposition": f'attachment; filename="{filename}"',
    }
    return Response(200, headers=headers, content=content)


def pdf_document(name: str, text: str) -> Response:
    """A one-page PDF named ``{name}.pdf``."""
    return binary(tiny_pdf(text), PDF, f"{name}.pdf")


def pdf_as_json(name: str, text: str) -> Response:
    """The PDF base64-encoded in a JSON string (the ``file_accept_json_base64`` quirk)."""
    return json_response(200, base64.b64encode(tiny_pdf(text)).decode("ascii"))


def xml_document(name: str, number: str) -> Response:
    """A minimal UBL invoice named ``{name}.xml`` (a stand-in, not a valid XRechnung)."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">'
        f"<ID>{number}</ID></Invoice>\n"
    ).encode()
    return binary(content, XML + ";charset=UTF-8", f"{name}.xml")
