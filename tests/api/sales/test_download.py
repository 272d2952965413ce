"""Sales-voucher documents: ``/file`` with Accept, drafts, the ``/document`` route, streaming
to memory / a path / a file object, progress, caps and a gzip bomb (reference §3b.20)."""

from __future__ import annotations

import gzip
import io
import os
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest
import respx

from lexoffice_auth import ApiKeyAuth
from lexoffice_auth.api import LexofficeClient, RetryPolicy
from lexoffice_auth.errors import ApiError, ConfigurationError, Conflict, NotFound, ResponseTooLarge

from .world import (
    BASE,
    CN,
    DN,
    DPI,
    DUN,
    INV,
    OC,
    QUOTE,
    R,
    api,
    json_response,
    regular_error,
    sent,
    sent_all,
)

pytestmark = pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])

PDF = b"%PDF-1.7\n" + b"lexoffice " * 500 + b"\n%%EOF\n"
XML = b'<?xml version="1.0" encoding="UTF-8"?><ubl:Invoice/>'
FILE_ID = "36868b48-3574-4fca-af70-01ffa8cbbb67"


class Doc(NamedTuple):
    """A document type: client attribute, path segment, an id, XML rendered, /document."""

    attr: str
    segment: str
    item: str
    xml: bool
    route: bool


RESOURCES = [
    Doc("invoices", "invoices", INV, True, True),
    Doc("credit_notes", "credit-notes", CN, True, True),
    Doc("down_payment_invoices", "down-payment-invoices", DPI, True, False),
    Doc("quotations", "quotations", QUOTE, False, True),
    Doc("order_confirmations", "order-confirmations", OC, False, True),
    Doc("delivery_notes", "delivery-notes", DN, False, True),
    Doc("dunnings", "dunnings", DUN, False, True),
]
NOT_DUNNINGS = [doc for doc in RESOURCES if doc.attr != "dunnings"]


def document(
    content: bytes = PDF,
    media_type: str = "application/pdf",
    disposition: str = 'attachment; filename="LS1005.pdf"',
    **headers: str,
) -> httpx.Response:
    return httpx.Response(
        200,
        content=content,
        headers={"Content-Type": media_type, "Content-Disposition": disposition, **headers},
    )


def bomb() -> httpx.Response:
    """10 MB of zeros in about 10 KB of gzip."""
    return httpx.Response(
        200,
        content=gzip.compress(b"\0" * 10_000_000),
        headers={"Content-Type": "application/pdf", "Content-Encoding": "gzip"},
    )


def assert_download_request(request: httpx.Request, url: str, accept: str) -> None:
    assert request.method == "GET" and str(request.url) == url
    assert request.headers["Accept"] == accept
    assert request.headers["Authorization"] == "Bearer key"
    assert request.content == b""


@pytest.mark.parametrize("doc", RESOURCES, ids=lambda d: d.attr)
async def test_every_document_downloads_as_pdf(anyio_backend: str, doc: Doc) -> None:
    attr, segment, item = doc[:3]
    async with api() as (lx, router):
        router.get(f"/v1/{segment}/{item}/file").mock(return_value=document())
        got = await getattr(lx, attr).download(item)
    assert_download_request(sent(router), f"{R}/{segment}/{item}/file", "application/pdf")
    assert got.content == PDF and got.size == len(PDF) and got.path is None
    assert (got.media_type, got.filename) == ("application/pdf", "LS1005.pdf")


@pytest.mark.parametrize("doc", RESOURCES, ids=lambda d: d.attr)
async def test_xml_only_where_lexoffice_renders_it(anyio_backend: str, doc: Doc) -> None:
    attr, segment, item = doc[:3]
    async with api() as (lx, router):
        router.get(f"/v1/{segment}/{item}/file").mock(
            return_value=document(XML, "application/xml;charset=UTF-8", "attachment")
        )
        resource = getattr(lx, attr)
        if not doc.xml:
            with pytest.raises(ConfigurationError, match="PDF only"):
                await resource.download(item, "xml")
            assert router.calls.call_count == 0
            return
        got = await resource.download(item, "xml")
    assert_download_request(sent(router), f"{R}/{segment}/{item}/file", "application/xml")
    assert got.content == XML and got.media_type == "application/xml" and got.filename is None


async def test_any_format_sends_accept_star_and_takes_what_comes(anyio_backend: str) -> None:
    async with api() as (lx, router):
        router.get(f"/v1/invoices/{INV}/file").mock(
            return_value=document(XML, "application/xml;charset=UTF-8")
        )
        got = await lx.invoices.download(INV, "any")
        with pytest.raises(ConfigurationError, match="format"):
            await lx.invoices.download(INV, "html")  # type: ignore[arg-type]
    assert_download_request(sent(router), f"{R}/invoices/{INV}/file", "*/*")
    assert got.media_type == "application/xml"


async def test_a_regular_invoice_has_no_xml(anyio_backend: str) -> None:
    async with api() as (lx, router):
        router.get(f"/v1/invoices/{INV}/file").mock(
            return_value=regular_error(404, f"/v1/invoices/{INV}/file", "Not Found")
        )
        with pytest.raises(NotFound):
            await lx.invoices.download(INV, "xml")


@pytest.mark.parametrize("doc", NOT_DUNNINGS, ids=lambda d: d.attr)
async def test_a_draft_has_no_document(anyio_backend: str, doc: Doc) -> None:
    attr, segment, item = doc[:3]
    async with api() as (lx, router):
        router.get(f"/v1/{segment}/{item}/file").mock(
            return_value=regular_error(409, f"/v1/{segment}/{item}/file", "Beleg ist ein Entwurf")
        )
        with pytest.raises(Conflict) as caught:
            await getattr(lx, attr).download(item)
    error = caught.value
    assert f"{segment}/{item} is a draft" in str(error) and "finalize it first" in str(error)
    assert error.status_code == 409 and error.trace_id == "4c1f0a9e7d2b"


async def test_a_dunning_draft_has_a_document(anyio_backend: str) -> None:
    async with api() as (lx, router):
        router.get(f"/v1/dunnings/{DUN}/file").mock(return_value=document())
        assert (await lx.dunnings.download(DUN)).content == PDF
        router.get(f"/v1/dunnings/{DUN}/file").mock(
            return_value=regular_error(409, f"/v1/dunnings/{DUN}/file", "gesperrt")
        )
        with pytest.raises(Conflict) as caught:
            await lx.dunnings.download(DUN)
    assert "draft" not in str(caught.value)  # a dunning's 409 is something else: passed on


@pytest.mark.parametrize("doc", RESOURCES, ids=lambda d: d.attr)
async def test_the_deprecated_document_route(anyio_backend: str, doc: Doc) -> None:
    attr, segment, item = doc[:3]
    async with api() as (lx, router):
        router.get(f"/v1/{segment}/{item}/document").mock(
            return_value=json_response(f'{{"documentFileId":"{FILE_ID}"}}')
        )
        router.get(f"/v1/files/{FILE_ID}").mock(return_value=document())
        resource = getattr(lx, attr)
        if not doc.route:
            with pytest.raises(ConfigurationError, match="no /document route"):
                await resource.download(item, route="document")
            assert router.calls.call_count == 0
            return
        got = await resource.download(item, route="document")
    first, second = sent_all(router)
    assert str(first.url) == f"{R}/{segment}/{item}/document"
    assert first.headers["Accept"] == "application/json"
    assert_download_request(second, f"{R}/files/{FILE_ID}", "application/pdf")
    assert got.content == PDF


async def test_the_document_route_of_a_draft_and_a_bad_answer(anyio_backend: str) -> None:
    async with api() as (lx, router):
        router.get(f"/v1/quotations/{QUOTE}/document").mock(
            return_value=regular_error(406, f"/v1/quotations/{QUOTE}/document", "Entwurf")
        )
        with pytest.raises(Conflict, match="is a draft"):
            await lx.quotations.download(QUOTE, route="document")
        router.get(f"/v1/invoices/{INV}/document").mock(
            return_value=json_response('{"documentFileId":"../contacts"}')
        )
        with pytest.raises(ApiError, match="documentFileId"):
            await lx.invoices.download(INV, route="document")
        with pytest.raises(ConfigurationError, match="route"):
            await lx.invoices.download(INV, route="pdf")  # type: ignore[arg-type]
        assert router.calls.call_count == 2  # no /v1/files request after either


async def test_streamed_to_a_path_and_to_a_file_object_with_progress(
    anyio_backend: str, tmp_path: Path
) -> None:
    big = b"%PDF-" + os.urandom(2_500_000)  # three chunks of at most 1 MiB
    seen: list[tuple[int, int | None]] = []
    target = tmp_path / "RE1042.pdf"
    out = io.BytesIO()
    async with api() as (lx, router):
        router.get(f"/v1/invoices/{INV}/file").mock(
            return_value=document(big, disposition='attachment; filename="RE1042.pdf"')
        )
        to_path = await lx.invoices.download(
            INV, to=target, progress=lambda n, total: seen.append((n, total))
        )
        to_file = await lx.invoices.download(INV, to=out)
    assert target.read_bytes() == big and out.getvalue() == big
    assert to_path.path == str(target) and to_path.content == b"" and to_path.size == len(big)
    assert to_file.path is None and to_file.size == len(big)
    assert [n for n, _ in seen] == [1 << 20, 2 << 20, len(big)]
    assert {total for _, total in seen} == {len(big)}
    assert os.listdir(tmp_path) == ["RE1042.pdf"]


async def test_max_bytes_and_the_clients_cap(anyio_backend: str, tmp_path: Path) -> None:
    async with api() as (lx, router):
        router.get(f"/v1/credit-notes/{CN}/file").mock(return_value=document())
        with pytest.raises(ResponseTooLarge):
            await lx.credit_notes.download(CN, max_bytes=len(PDF) - 1, to=tmp_path / "gs.pdf")
        assert (await lx.credit_notes.download(CN, max_bytes=len(PDF))).size == len(PDF)
    assert os.listdir(tmp_path) == []
    with respx.mock(base_url=BASE) as router:
        router.get(f"/v1/credit-notes/{CN}/file").mock(return_value=document())
        async with LexofficeClient(
            ApiKeyAuth("key"),
            rate_limit=None,
            retry=RetryPolicy.never(),
            max_download_bytes=100,
        ) as small:
            with pytest.raises(ResponseTooLarge, match="100 bytes"):
                await small.credit_notes.download(CN)


async def test_a_gzip_bomb_is_refused_and_leaves_nothing(
    anyio_backend: str, tmp_path: Path
) -> None:
    target = tmp_path / "bomb.pdf"
    out = io.BytesIO(b"kept")
    out.seek(0, io.SEEK_END)
    async with api() as (lx, router):
        router.get(f"/v1/delivery-notes/{DN}/file").mock(side_effect=lambda _: bomb())
        with pytest.raises(ResponseTooLarge):
            await lx.delivery_notes.download(DN, max_bytes=1_000_000)
        with pytest.raises(ResponseTooLarge):
            await lx.delivery_notes.download(DN, to=target, max_bytes=1_000_000)
        with pytest.raises(ResponseTooLarge):
            await lx.delivery_notes.download(DN, to=out, max_bytes=1_000_000)
    assert os.listdir(tmp_path) == []  # neither the file nor its temporary part
    assert out.getvalue() == b"kept"


@pytest.mark.parametrize(
    ("disposition", "filename"),
    [
        ('attachment; filename="LS1005.pdf"', "LS1005.pdf"),
        ("attachment; filename*=UTF-8''Lieferschein%20L%C3%BCbeck.pdf", "Lieferschein Lübeck.pdf"),
        ('attachment; filename="../../etc/passwd"', "_.._etc_passwd"),
        ("inline", None),
    ],
)
async def test_the_filename_comes_from_content_disposition(
    anyio_backend: str, disposition: str, filename: str | None
) -> None:
    async with api() as (lx, router):
        router.get(f"/v1/delivery-notes/{DN}/file").mock(
            return_value=document(disposition=disposition)
        )
        got = await lx.delivery_notes.download(DN)
    assert got.filename == filename
