"""The stored envelope shared by the file and Redis stores."""

from __future__ import annotations

import json
from typing import Any

from ..errors import TokenStoreError

__all__ = ["read_envelope"]


def read_envelope(
    raw: bytes | str, *, fmt: str, version: int, where: str, remedy: str
) -> dict[str, Any]:
    """A stored JSON document of ours (``{"format": fmt, "version": version, ...}``).

    Anything else (not JSON, another program's JSON, another format version, absurdly deep
    nesting) is a ``TokenStoreError`` that says the value was left untouched; the stores
    never overwrite such a value.
    """
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise TokenStoreError(
            f"{where} does not hold JSON; it was left untouched ({remedy})"
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != fmt:
        raise TokenStoreError(
            f"{where} is not a lexoffice-auth token store; it was left untouched ({remedy})"
        )
    found = doc.get("version")
    if found != version:
        raise TokenStoreError(
            f"{where} has unsupported version {found!r}; it was left untouched "
            f"(this release reads version {version})"
        )
    return doc
