"""Fuzzing the login core (issue 11, Also): only documented errors ever escape.

Strategies for callback URLs, token responses, pending-login JSON and sealed values. The
number of examples comes from the hypothesis profile (registered in ``tests/conftest.py``):
``ci`` by default, a few seconds for this file; ``HYPOTHESIS_PROFILE=nightly pytest
tests/hardening/test_login_fuzz.py`` for a larger run.
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any
from urllib.parse import urlencode

from hypothesis import assume, given
from hypothesis import strategies as st

from lexoffice_auth import PendingLogin, ProviderMetadata, TokenSet
from lexoffice_auth import errors as documented
from lexoffice_auth._oauth.login import build_login, parse_callback
from lexoffice_auth._oauth.pkce import code_challenge
from lexoffice_auth._oauth.tokens import parse_token_response
from lexoffice_auth.errors import LexofficeAuthError, LoginError, TokenEndpointError
from tests.support.oauth_helpers import CLIENT_ID, ISSUER, REDIRECT, discovery_doc

META = ProviderMetadata.model_validate(discovery_doc())
META_NO_ISS = ProviderMetadata.model_validate(
    discovery_doc(authorization_response_iss_parameter_supported=False)
)
NOW = 1_700_000_000.0
PENDING = build_login(META, client_id=CLIENT_ID, redirect_uri=REDIRECT, scopes=("openid",), now=NOW)
KEY = secrets.token_bytes(32)
SEALED = PENDING.seal(KEY)


def assert_documented(
    exc: BaseException, *allowed: type[LexofficeAuthError], reason: str | None = None
) -> None:
    """``exc`` is one of ``allowed``, and a class that lexoffice_auth.errors declares."""
    assert isinstance(exc, allowed), repr(exc)
    assert type(exc).__name__ in documented.__all__, repr(exc)
    assert type(exc).__module__ == "lexoffice_auth.errors", repr(exc)
    if reason is not None:
        assert getattr(exc, "reason", None) == reason, repr(exc)


# --- callback URLs ---------------------------------------------------------------------

hostile_text = st.text(max_size=40) | st.sampled_from(
    ["", "\ud800", "%00", "%ZZ", "&&", "==", "\r\n", "é", "☃", "a" * 300]
)
bases = st.sampled_from(
    [
        REDIRECT,
        "HTTPS://APP.EXAMPLE.COM/callback",
        "https://app.example.com:443/callback",
        "https://app.example.com:99999/callback",
        "https://app.example.com:-1/callback",
        "https://[::1/callback",
        "https://evil.example/callback",
        "http://app.example.com/callback",
        "https://app.example.com/callback/",
        "/callback",
        "",
        "javascript:alert(1)",
    ]
) | st.builds(
    lambda scheme, host, port, path: f"{scheme}://{host}{port}{path}",
    st.sampled_from(["https", "http", "HTTPS", "ftp", ""]),
    st.sampled_from(["app.example.com", "127.0.0.1", "[::1]", "user@app.example.com", ""])
    | st.text(max_size=12),
    st.sampled_from(["", ":443", ":0", ":8443", ":", ":x"]),
    st.sampled_from(["/callback", "/", "", "/callback?", "/cb#frag"]) | st.text(max_size=12),
)
param_names = st.sampled_from(
    ["code", "state", "iss", "error", "error_description", "x", ""]
) | st.text(max_size=8)


@given(
    bases,
    st.lists(st.tuples(param_names, hostile_text), max_size=6),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_callback_urls_raise_only_login_errors(
    base: str,
    params: list[tuple[str, str]],
    real_state: bool,
    real_iss: bool,
    iss_promised: bool,
) -> None:
    if real_state:
        params.append(("state", PENDING.state.get_secret_value()))
    if real_iss:
        params.append(("iss", ISSUER))
    try:
        query = urlencode(params)
    except UnicodeEncodeError:
        query = "&".join(f"{k}={v}" for k, v in params)  # raw, lone surrogates and all
    meta = META if iss_promised else META_NO_ISS
    try:
        code = parse_callback(f"{base}?{query}", PENDING, meta, now=NOW + 1)
    except LexofficeAuthError as exc:
        assert_documented(exc, LoginError)
        return
    assert isinstance(code, str) and code
    assert real_state  # no code without this login's state


@given(st.text(max_size=300) | st.binary(max_size=50))
def test_any_callback_value_raises_only_login_errors(value: Any) -> None:
    try:
        parse_callback(value, PENDING, META_NO_ISS, now=NOW + 1)
    except LexofficeAuthError as exc:
        assert_documented(exc, LoginError)


# --- token responses ------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
number_strings = st.sampled_from(
    ["3600", " 60 ", "²", "٣٦٠٠", "9" * 5000, "1e3", "-5", "+5", "0x10", "", "nan", "½"]
) | st.text(alphabet="0123456789 ²³¹٠١٢-+.e", max_size=12)
TOKEN_FIELDS = ["access_token", "token_type", "expires_in", "refresh_token", "scope", "id_token"]
token_values = {
    "access_token": st.text(max_size=30) | json_values,
    "token_type": st.sampled_from(["Bearer", "bearer", "MAC", ""]) | json_values,
    "expires_in": number_strings | json_values,
    "refresh_token": st.text(max_size=30) | json_values,
    "scope": st.text(max_size=30) | json_values,
    "id_token": st.text(max_size=30) | json_values,
    "error": st.text(max_size=10) | json_values,
    "extra": json_values,
}
# A valid response with a few fields changed or dropped: each check gets reached.
token_changes = st.lists(st.sampled_from(sorted(token_values)), max_size=3, unique=True).flatmap(
    lambda names: st.fixed_dictionaries({name: token_values[name] for name in names})
)


@given(
    st.sampled_from([200, 200, 200, 201, 400, 401, 429, 500, 503]),
    token_changes,
    st.lists(st.sampled_from(TOKEN_FIELDS), max_size=2),
    st.booleans(),
)
def test_token_responses_raise_only_token_endpoint_errors(
    status: int, changes: dict[str, Any], dropped: list[str], with_previous: bool
) -> None:
    fields: dict[str, Any] = {
        "access_token": "AT-1",
        "token_type": "Bearer",
        "expires_in": 3600,
        "refresh_token": "RT-1",
        "scope": "openid",
    }
    fields.update(changes)
    for name in dropped:
        fields.pop(name, None)
    body = json.dumps(fields).encode()
    previous = TokenSet(access_token="AT-0", refresh_token="RT-0") if with_previous else None
    try:
        tokens = parse_token_response(status, body, now=NOW, previous=previous)
    except LexofficeAuthError as exc:
        assert_documented(exc, TokenEndpointError)
        return
    assert 200 <= status < 300
    assert tokens.access_token.get_secret_value()


@given(number_strings | json_values)
def test_any_expires_in_is_a_number_or_a_token_endpoint_error(expires_in: Any) -> None:
    body = json.dumps({"access_token": "AT-1", "expires_in": expires_in}).encode()
    try:
        tokens = parse_token_response(200, body, now=NOW)
    except LexofficeAuthError as exc:
        assert_documented(exc, TokenEndpointError)
        return
    if expires_in is None:
        assert tokens.expires_at is None
        return
    assert tokens.expires_at is not None and NOW <= tokens.expires_at < NOW + 10**9
    if isinstance(expires_in, str):
        assert expires_in.strip().isascii()


@given(st.binary(max_size=200))
def test_token_response_bytes_raise_only_token_endpoint_errors(body: bytes) -> None:
    try:
        parse_token_response(200, body, now=NOW)
    except LexofficeAuthError as exc:
        assert_documented(exc, TokenEndpointError)


# --- pending-login JSON ---------------------------------------------------------------

FIELDS = list(json.loads(PENDING.to_json()))


@given(
    st.dictionaries(st.sampled_from([*FIELDS, "unknown"]), json_values | hostile_text),
    st.lists(st.sampled_from(FIELDS), max_size=3),
)
def test_pending_login_json_raises_only_pending_errors(
    changes: dict[str, Any], dropped: list[str]
) -> None:
    data = json.loads(PENDING.to_json())
    data.update(changes)
    for name in dropped:
        data.pop(name, None)
    try:
        raw = json.dumps(data)
    except (ValueError, TypeError):
        return
    try:
        pending = PendingLogin.from_json(raw)
    except LexofficeAuthError as exc:
        assert_documented(exc, LoginError, reason="pending")
        return
    # Whatever is accepted can be used: stored again, sent in a form, hashed for PKCE.
    assert PendingLogin.from_json(pending.to_json()) == pending
    pending.to_json().encode("utf-8")
    code_challenge(pending.code_verifier.get_secret_value())
    pending.state.get_secret_value().encode("ascii")
    pending.redirect_uri.encode("utf-8")


@given(st.text(max_size=200) | st.binary(max_size=200))
def test_pending_login_text_raises_only_pending_errors(data: Any) -> None:
    try:
        PendingLogin.from_json(data)
    except LexofficeAuthError as exc:
        assert_documented(exc, LoginError)


# --- sealed values --------------------------------------------------------------------


@given(
    st.integers(min_value=0, max_value=len(SEALED) - 1),
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
    st.integers(min_value=0, max_value=len(SEALED)),
)
def test_edited_or_cut_sealed_values_are_refused(index: int, char: str, cut: int) -> None:
    edited = SEALED[:index] + char + SEALED[index + 1 :]
    for value in (edited, SEALED[:cut]):
        if value == SEALED:
            continue
        try:
            opened = PendingLogin.unseal(value, KEY)
        except LexofficeAuthError as exc:
            assert_documented(exc, LoginError, reason="pending")
            continue
        # Only an edit in the last character's unused low bits decodes to the same bytes.
        assert opened == PENDING
        assert base64.urlsafe_b64decode(value + "==") == base64.urlsafe_b64decode(SEALED + "==")


@given(st.text(max_size=300) | st.binary(max_size=100).map(lambda b: base64.b64encode(b).decode()))
def test_any_text_unsealed_raises_only_pending_errors(value: str) -> None:
    assume(value != SEALED)
    try:
        PendingLogin.unseal(value, KEY)
    except LexofficeAuthError as exc:
        assert_documented(exc, LoginError, reason="pending")
