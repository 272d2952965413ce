"""``client.files``: lexoffice's ``/v1/files`` (legacy errors, §3b.9). TO BE COMPLETED."""

from __future__ import annotations

from ._resource import Resource

__all__ = ["FilesApi"]


class FilesApi(Resource):
    """Files: ``upload`` a receipt, ``download`` a file."""

    path = "/v1/files"
    id_label = "a file id"
    errors = "legacy"
