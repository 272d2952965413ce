"""The stored envelope shared by the file and Redis stores."""

from __future__ import annotations

import json
from typing import Any

from ..errors import TokenSetSuperseded, TokenStoreError

__all__ = ["check_generation", "generation_of", "read_envelope"]


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


def generation_of(entry: object) -> int:
    """The ``generation`` of a stored token-set dict; 0 for anything without a valid one.

    Tolerant on purpose: an entry too broken to load must still be replaceable by a login.
    """
    if isinstance(entry, dict):
        found = entry.get("generation", 0)
        if isinstance(found, int) and not isinstance(found, bool) and found > 0:
            return found
    return 0


def check_generation(account_key: str, stored: int, new: int) -> None:
    """Refuse to save generation ``new`` over ``stored`` unless it is newer (0: unversioned)."""
    if new and stored >= new:
        raise TokenSetSuperseded(
            f"the store holds generation {stored} of account {account_key!r}'s token set; "
            f"generation {new} was not saved over it (another holder saved a newer one)",
            stored_generation=stored,
            generation=new,
        )
