"""``stores/_stored.py``: a stored token set read without pydantic, held to ``TokenSet``.

``read_stored`` checks what ``TokenSet.to_dict`` writes by ``TokenSet``'s own rules and
leaves everything else to the model. These tests hold the two ways of reading to one
behaviour: the same entries accepted with the same values, the same ones refused with the
same message; and everything the SDK writes takes the way without pydantic.
"""

from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lexoffice_auth import FileTokenStore, TokenSet
from lexoffice_auth._oauth.token_rules import TOKEN_SET_FIELDS
from lexoffice_auth._session.revocation import revoked_token_set
from lexoffice_auth.errors import TokenStoreError
from lexoffice_auth.oidc import IdTokenClaims
from lexoffice_auth.stores import StoredTokenSet
from lexoffice_auth.stores._stored import ID_CLAIM_TYPES, _checked, read_stored
from lexoffice_auth.testing._store_contract import full_token_set

from .helpers import DPOP_KEY, dpop_tokens, tokens


def _entry(token_set: TokenSet) -> dict[str, Any]:
    """What a store keeps for ``token_set``, read back from JSON as a store reads it."""
    loaded: dict[str, Any] = json.loads(token_set.to_json())
    return loaded


WRITTEN = {
    "every field": full_token_set(3),
    "refresh grant": tokens(),
    "api key": TokenSet(access_token="lx-key-0123"),
    "aud as a string": full_token_set(1).model_copy(
        update={
            "id_claims": IdTokenClaims(
                iss="https://id.example",
                sub="42",
                aud="app",
                exp=2,
                iat=1,
                auth_time=1,
                email_verified=False,
                name="Zoë",
                azp="app",
                at_hash="x",
            )
        }
    ),
    "cli profile": tokens().model_copy(
        update={"extra": {"lexoffice_auth_cli": {"kind": "oauth", "scopes": ["openid"]}}}
    ),
    "tombstone": revoked_token_set(at=1.0, reason="token.revoked"),
    "dpop bound": dpop_tokens(),
    "bearer with a dpop key": dpop_tokens().model_validate(
        {**dpop_tokens().to_dict(), "token_type": "bearer"}
    ),
}


@pytest.mark.parametrize("token_set", WRITTEN.values(), ids=WRITTEN.keys())
def test_what_the_sdk_writes_is_read_without_the_model(token_set: TokenSet) -> None:
    checked = _checked(_entry(token_set))
    assert checked is not None  # the way without pydantic
    _assert_holds(checked, token_set)


def _assert_holds(stored: StoredTokenSet, token_set: TokenSet) -> None:
    """``stored`` builds ``token_set`` and has its values."""
    assert stored.token_set() == token_set
    assert stored.access_token_value() == token_set.access_token.get_secret_value()
    assert (stored.expires_at, stored.issued_at, stored.lifetime) == (
        token_set.expires_at,
        token_set.issued_at,
        token_set.lifetime,
    )
    assert (stored.generation, stored.extra) == (token_set.generation, token_set.extra)
    assert stored.token_type == token_set.token_type
    assert stored.dpop_key == token_set.dpop_key


def _nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return {"deep": value}


_EDGES: list[object] = [
    None,
    True,
    False,
    -1,
    0,
    1,
    2**70,
    10**400,
    0.5,
    -1.0,
    2.0e9,
    float("inf"),
    float("-inf"),
    float("nan"),
    "",
    "at",
    "a b",
    "a\r\nb",
    "ä",
    "Bearer",
    "bearer",
    "MAC",
    "12",
    "1e9",
    [],
    ["openid"],
    ["a", 1],
    {},
    {"k": 1},
    {"k": float("nan")},
    _nested(40),
    "DPoP",
    "dpop",
    DPOP_KEY.to_jwk(),
    DPOP_KEY.public_jwk,
    {**DPOP_KEY.to_jwk(), "d": "AAAA"},
    {**DPOP_KEY.to_jwk(), "alg": "HS256"},
    {**DPOP_KEY.to_jwk(), "crv": 1},
]
"""Values a store's JSON can hold (json.loads reads NaN and Infinity too), odd ones first."""
_EDGE_VALUES = st.one_of(st.sampled_from(_EDGES), st.floats(), st.text(max_size=4))
_FIELDS = sorted(TOKEN_SET_FIELDS | {"unknown"})
_CLAIMS = sorted(set(ID_CLAIM_TYPES) | {"custom_claim"})


@st.composite
def _near_valid_entries(draw: st.DrawFn) -> dict[str, Any]:
    """A valid stored entry with a few fields (or id_token claims) replaced or removed."""
    entry = _entry(full_token_set(draw(st.integers(0, 3))))
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            target, name = entry, draw(st.sampled_from(_FIELDS))
        else:
            claims = entry.get("id_claims")
            if not isinstance(claims, dict):
                continue
            target, name = claims, draw(st.sampled_from(_CLAIMS))
        if draw(st.integers(0, 4)) == 0:
            target.pop(name, None)
        else:
            target[name] = draw(_EDGE_VALUES)
    return entry


def _same_as_the_model(entry: Any) -> None:
    try:
        expected = TokenSet.from_dict(entry)
    except TokenStoreError as exc:
        refusal = str(exc)
    else:
        refusal = None
    if refusal is not None:
        with pytest.raises(TokenStoreError) as refused:
            read_stored(entry)
        assert str(refused.value) == refusal
        return
    _assert_holds(read_stored(entry), expected)


@given(_near_valid_entries())
def test_an_entry_is_accepted_or_refused_as_the_model_does(entry: dict[str, Any]) -> None:
    _same_as_the_model(entry)


def _changed(field: str, value: object, *, claim: bool = False) -> dict[str, Any]:
    entry = _entry(full_token_set(1))
    target = entry["id_claims"] if claim else entry
    if value is _DELETED:
        target.pop(field, None)
    else:
        target[field] = value
    return entry


_DELETED = object()


def test_each_field_with_each_odd_value_is_read_as_the_model_reads_it() -> None:
    for value in [*_EDGES, _DELETED]:
        for field in _FIELDS:
            _same_as_the_model(_changed(field, value))
        for claim in _CLAIMS:
            _same_as_the_model(_changed(claim, value, claim=True))


@pytest.mark.parametrize(
    "entry",
    [
        None,
        [],
        "x",
        {},
        {"access_token": "at", "expires_at": "2000000000"},  # lax: the model takes the string
        {"access_token": "at", "id_claims": {"iss": "i", "sub": "s", "aud": "a", "exp": 1.0}},
    ],
)
def test_entries_left_to_the_model_behave_as_the_model(entry: Any) -> None:
    _same_as_the_model(entry)


def test_the_rule_tables_are_the_models_fields() -> None:
    assert set(TokenSet.model_fields) == TOKEN_SET_FIELDS
    assert set(IdTokenClaims.model_fields) == set(ID_CLAIM_TYPES)
    for name, (kind, required) in ID_CLAIM_TYPES.items():
        field = IdTokenClaims.model_fields[name]
        assert field.is_required() == required, name
        assert kind in (typing.get_args(field.annotation) or (field.annotation,)), name


async def test_load_stored_reads_the_file_as_load_does(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    assert await store.load_stored("acme") is None
    await store.save("acme", full_token_set(2))
    stored = await store.load_stored("acme")
    assert isinstance(stored, StoredTokenSet)
    assert stored.token_set() == await store.load("acme") == full_token_set(2)
    assert "contract-at" not in repr(stored)


async def test_load_stored_refuses_a_broken_entry_with_loads_error(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    store = FileTokenStore(path)
    await store.save("acme", tokens())
    doc = json.loads(path.read_text())
    doc["accounts"]["acme"]["refresh_token"] = "two\r\nwords"
    path.write_text(json.dumps(doc))
    with pytest.raises(TokenStoreError) as by_load:
        await store.load("acme")
    with pytest.raises(TokenStoreError) as by_load_stored:
        await store.load_stored("acme")
    assert str(by_load_stored.value) == str(by_load.value)
    assert "refresh_token contains characters a token cannot have" in str(by_load.value)
    assert "two" not in str(by_load.value)


async def test_a_subclass_that_overrides_load_is_read_through_it(tmp_path: Path) -> None:
    class Renaming(FileTokenStore):
        async def load(self, account_key: str) -> TokenSet | None:
            return await super().load("real-" + account_key)

    store = Renaming(tmp_path / "tokens.json")
    await store.save("real-acme", tokens(5))
    stored = await store.load_stored("acme")
    assert stored is not None and stored.access_token_value() == "at-5"
