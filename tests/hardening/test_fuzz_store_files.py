"""Fuzzing stored token files and envelopes (issue 11, Also).

``FileTokenStore`` reads arbitrary bytes at its path: ``load`` returns a token set or
``None`` or raises ``TokenStoreError``, and no stored token is ever lost: a file the store
refuses is left byte for byte as it was (``save`` refuses it too), and a save into a file
it accepts keeps every other account's entry as it was. ``read_envelope`` (the Redis and
file stores' common reader) takes arbitrary values. The profile in ``tests/conftest.py``
sets the number of examples.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lexoffice_auth import FileTokenStore, TokenSet
from lexoffice_auth.errors import TokenStoreError
from lexoffice_auth.stores._envelope import read_envelope
from tests.hardening.fuzz_strategies import (
    as_json_bytes,
    assert_documented,
    deeply_nested,
    hostile_text,
    json_values,
)

FORMAT = "lexoffice-auth/token-store"
TOKENS = TokenSet(access_token="at-new", refresh_token="rt-new", expires_at=2_000_000_000.0)
VALID_ENTRY = TokenSet(access_token="at-1", refresh_token="rt-1", expires_at=1.0).to_dict()
ENTRY_FIELDS = ("access_token", "refresh_token", "token_type", "expires_at", "scope", "extra")

entry_values = (
    json_values
    | st.sampled_from(["", "Bearer", "bearer", "MAC", "tok en", "\r\n", 10**400, -1.0])
    | st.just(json.loads(deeply_nested(40)))
)


@st.composite
def entries(draw: st.DrawFn) -> Any:
    if draw(st.integers(min_value=0, max_value=3)) == 0:
        return draw(json_values)
    entry = dict(VALID_ENTRY)
    for name in draw(st.lists(st.sampled_from(ENTRY_FIELDS), max_size=3)):
        if draw(st.booleans()):
            entry.pop(name, None)
        else:
            entry[name] = draw(entry_values)
    return entry


@st.composite
def store_files(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["store", "store", "store", "envelope", "json", "bytes", "deep"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "json":
        return as_json_bytes(draw(json_values))
    if kind == "deep":
        depth = draw(st.sampled_from([500, 900, 990, 1_000, 5_000, 100_000]))
        inner = deeply_nested(depth).decode()
        return f'{{"format": "{FORMAT}", "version": 1, "accounts": {{"b": {inner}}}}}'.encode()
    if kind == "envelope":
        doc = {
            "format": draw(st.sampled_from([FORMAT, "other"]) | hostile_text),
            "version": draw(st.sampled_from([1, 2, "1", 1.0, True]) | json_values),
            "accounts": draw(json_values),
        }
        return as_json_bytes({k: v for k, v in doc.items() if draw(st.booleans()) or k == "format"})
    accounts = draw(st.dictionaries(st.sampled_from(["acme", "b", "c"]) | hostile_text, entries()))
    return as_json_bytes({"format": FORMAT, "version": 1, "accounts": accounts})


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    # A module-scoped private folder: hypothesis runs many examples in one test call.
    path = Path(tempfile.mkdtemp(prefix="fuzz-store-"))
    os.chmod(path, 0o700)
    yield path
    shutil.rmtree(path)


def _write(path: Path, data: bytes) -> None:
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _accounts(data: bytes) -> dict[str, Any] | None:
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return doc.get("accounts") if isinstance(doc, dict) else None


@given(data=store_files())
def test_a_store_file_loads_or_is_refused_and_no_token_is_lost(folder: Path, data: bytes) -> None:
    path = folder / "tokens.json"
    _write(path, data)
    store = FileTokenStore(path)
    try:
        loaded = anyio.run(store.load, "acme")
    except TokenStoreError as exc:
        assert_documented(exc, TokenStoreError)
    else:
        assert loaded is None or isinstance(loaded, TokenSet)
    try:
        anyio.run(store.save, "new", TOKENS)
    except TokenStoreError as exc:
        assert_documented(exc, TokenStoreError)
        assert path.read_bytes() == data, "a refused store file was changed"
        return
    after = json.loads(path.read_bytes())
    assert TokenSet.from_dict(after["accounts"]["new"]) == TOKENS
    before = _accounts(data)
    assert isinstance(before, dict)
    for account, entry in before.items():
        if account != "new":
            assert _canonical(after["accounts"][account]) == _canonical(entry), account


raw_values = (
    st.binary(max_size=200)
    | st.text(max_size=100)
    | json_values.map(as_json_bytes)
    | st.sampled_from([deeply_nested(100_000), b'{"format": "f", "version": 1}', "\ud800"])
)


@given(raw=raw_values, version=st.integers(min_value=0, max_value=3))
def test_read_envelope_returns_ours_or_raises_token_store_error(
    raw: bytes | str, version: int
) -> None:
    try:
        doc = read_envelope(raw, fmt="f", version=version, where="the value", remedy="move it")
    except TokenStoreError as exc:
        assert_documented(exc, TokenStoreError)
        message = str(exc)
        assert "left untouched" in message
        return
    assert doc["format"] == "f"
    assert doc["version"] == version
