"""Sealed pending logins (issue 11, Also): a cookie-held login that nobody can read or edit.

Before sealing existed, a pending login kept client-side was plain JSON: an edited
``expires_at`` or ``redirect_uri`` was used as is (see the first test).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import subprocess
import sys

import pytest

from lexoffice_auth import PendingLogin, ProviderMetadata
from lexoffice_auth._oauth.login import build_login
from lexoffice_auth.errors import ConfigurationError
from tests.support.expect import raises_login
from tests.support.oauth_helpers import CLIENT_ID, REDIRECT, discovery_doc

META = ProviderMetadata.model_validate(discovery_doc())
NOW = 1_700_000_000.0
KEY = secrets.token_bytes(32)
OTHER_KEY = secrets.token_bytes(32)


def login() -> PendingLogin:
    return build_login(
        META, client_id=CLIENT_ID, redirect_uri=REDIRECT, scopes=("openid",), now=NOW
    )


def test_plain_json_can_be_edited_a_sealed_value_cannot() -> None:
    pending = login()
    data = json.loads(pending.to_json())
    data["expires_at"] = NOW + 10**8
    assert PendingLogin.from_json(json.dumps(data)).expires_at == NOW + 10**8  # the weakness
    sealed = pending.seal(KEY)
    assert pending.code_verifier.get_secret_value() not in sealed
    assert b"expires_at" not in base64.urlsafe_b64decode(sealed + "==")


def test_round_trip_is_cookie_safe_and_small() -> None:
    pending = login()
    sealed = pending.seal(KEY)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", sealed)
    assert len(sealed) < 2048  # fits a cookie (4 KiB) with room to spare
    assert PendingLogin.unseal(sealed, KEY) == pending
    assert pending.seal(KEY) != sealed  # a fresh nonce each time


def test_text_keys_are_base64_of_32_bytes() -> None:
    text = secrets.token_urlsafe(32)
    pending = login()
    assert PendingLogin.unseal(pending.seal(text), text) == pending
    standard = base64.b64encode(KEY).decode()
    assert PendingLogin.unseal(pending.seal(standard), KEY) == pending


def test_every_edited_byte_is_refused() -> None:
    sealed = login().seal(KEY)
    for i in range(0, len(sealed), 7):
        flipped = "A" if sealed[i] != "A" else "B"
        edited = sealed[:i] + flipped + sealed[i + 1 :]
        if edited[:-1] == sealed[:-1]:
            continue  # the last character may carry unused bits only
        with raises_login("pending"):
            PendingLogin.unseal(edited, KEY)


@pytest.mark.parametrize("cut", [1, 2, 16, 40, 100])
def test_truncated_values_are_refused(cut: int) -> None:
    sealed = login().seal(KEY)
    with raises_login("pending"):
        PendingLogin.unseal(sealed[:-cut], KEY)


def test_a_foreign_key_is_refused_with_a_clear_message() -> None:
    sealed = login().seal(OTHER_KEY)
    with raises_login("pending", match="another key|key this app does not have"):
        PendingLogin.unseal(sealed, KEY)


def test_key_rotation_seal_with_the_first_open_with_any() -> None:
    pending = login()
    old = pending.seal(OTHER_KEY)
    new = pending.seal([KEY, OTHER_KEY])
    assert PendingLogin.unseal(old, [KEY, OTHER_KEY]) == pending
    assert PendingLogin.unseal(new, KEY) == pending
    with raises_login("pending"):
        PendingLogin.unseal(new, OTHER_KEY)  # sealed with the first key, KEY


def test_max_age_refuses_old_values() -> None:
    pending = login()
    sealed = pending.seal(KEY)
    assert PendingLogin.unseal(sealed, KEY, max_age=600, now=NOW + 600) == pending
    with raises_login("pending", match="max_age"):
        PendingLogin.unseal(sealed, KEY, max_age=600, now=NOW + 601)


@pytest.mark.parametrize(
    "value",
    ["", "A", "not base64!", "A" * 20_000, "=" * 40, "\ud800" * 50, "AQ" + "A" * 60],
)
def test_garbage_is_a_pending_error(value: str) -> None:
    with raises_login("pending"):
        PendingLogin.unseal(value, KEY)


def test_a_non_string_is_a_pending_error() -> None:
    with raises_login("pending"):
        PendingLogin.unseal(b"bytes", KEY)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "key",
    [
        b"short",
        b"",
        "correct horse battery staple, a passphrase not a key",
        base64.b64encode(b"x" * 31).decode(),
        [],
        42,
    ],
)
def test_weak_or_malformed_keys_are_a_configuration_error(key: object) -> None:
    with pytest.raises(ConfigurationError):
        login().seal(key)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        PendingLogin.unseal("AAAA", key)  # type: ignore[arg-type]


def test_cryptography_is_imported_only_when_sealing() -> None:
    code = (
        "import sys\n"
        "from lexoffice_auth import ApiKeyAuth, PendingLogin\n"
        "aead = 'cryptography.hazmat.primitives.ciphers.aead'\n"
        "assert aead not in sys.modules, 'loaded too early'\n"
        "from lexoffice_auth._oauth import seal\n"
        "assert aead not in sys.modules, 'loaded by the module import'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
