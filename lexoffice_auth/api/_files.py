"""``client.files``: lexoffice's ``/v1/files`` (legacy errors, reference §3b.9)."""

from __future__ import annotations

from os import PathLike
from typing import IO, Literal

from ..errors import ConfigurationError
from ._resource import _ACCEPT, Progress, Resource
from ._uploads import UploadSource, explain_rejection, file_part
from .models import DownloadedFile, FileUpload

__all__ = ["FilesApi"]


class FilesApi(Resource):
    """Files: ``upload`` a receipt (lexoffice makes a bookkeeping voucher of it), ``download``."""

    path = "/v1/files"
    id_label = "a file id"
    errors = "legacy"

    async def upload(
        self,
        file: UploadSource,
        type: Literal["voucher"] = "voucher",
        *,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> FileUpload:
        """Upload a PDF, JPG, PNG or XML receipt (at most 5 MB) as a new voucher.

        ``file`` is a path, the bytes, or a binary file object (sent from its start);
        ``filename`` overrides the name sent (its extension must name the type; bare
        bytes without it are recognised by their first bytes). Everything is checked
        before sending: a file lexoffice would refuse is a
        ``ConfigurationError`` and no request is made.

        lexoffice answers 202 with the file id and (``voucher_id``) the voucher it creates,
        in status ``blank`` until its OCR is done (then ``unchecked``, and the
        ``voucher.created`` event fires). It deduplicates by checksum: uploading bytes it
        has seen before returns the **existing** ids and discards the new upload, so a
        202 is not always a new voucher. XML (an e-invoice) is accepted only with the
        E-Rechnung feature switched on; otherwise the
        ``ValidationFailed`` says so.

        Example (an attached receipt; a new voucher per new file):
            >>> uploaded = await lx.files.upload("ER-2025-0917.pdf")  # doctest: +SKIP
            >>> uploaded.voucher_id                                    # doctest: +SKIP
            'e97d92ef-4094-4539-995d-6c826db6cf11'
        """
        if type != "voucher":
            raise ConfigurationError("type must be 'voucher' (lexoffice's only upload type)")
        with file_part(file, filename, content_type) as part:
            return await explain_rejection(
                lambda: self._client.send_model(
                    "POST", self.path, None, FileUpload, files={"file": part}, data={"type": type}
                )
            )

    async def download(
        self,
        file_id: str,
        format: Literal["any", "pdf", "xml"] = "any",
        *,
        to: str | PathLike[str] | IO[bytes] | None = None,
        progress: Progress | None = None,
        max_bytes: int | None = None,
    ) -> DownloadedFile:
        """The file, streamed (``GET /v1/files/{id}``; ``to``, ``progress``, ``max_bytes`` as
        in the sales vouchers' ``download``).

        ``format`` chooses ``Accept``: ``"any"`` (``*/*``) gives the original as uploaded;
        ``"pdf"`` renders an XML e-invoice as PDF (a PDF or an image comes as it is);
        ``"xml"`` exists only for an XML original (others answer
        ``NotFound``). ``media_type`` of the result says what
        came. lexoffice deprecated this route for sales vouchers' documents (an
        XRechnung comes as PDF here): use their own ``download`` there.
        """
        accept = _ACCEPT.get(format)
        if accept is None:
            raise ConfigurationError("format must be 'any', 'pdf' or 'xml'")
        return await self._client.download(
            self._item_path(file_id), accept=accept, to=to, progress=progress, max_bytes=max_bytes
        )
