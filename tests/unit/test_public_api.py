"""The public surface: about twenty top-level names, sub-namespaces, and imports that stay cheap."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import lexoffice_auth

# click is left out: httpx imports it by itself whenever it is installed (hence the cli extra).
HEAVY = ("jwt", "cryptography", "pydantic", "redis", "respx", "uvicorn", "httpx2", "anyio")


def loaded_after(statement: str) -> dict[str, bool]:
    """Which heavy modules a fresh interpreter has loaded after ``statement``."""
    code = (
        f"import json, sys\n{statement}\n"
        f"print(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    result: dict[str, bool] = json.loads(out.stdout)
    return result


def test_about_twenty_names_and_each_one_resolves() -> None:
    assert 15 <= len(lexoffice_auth.__all__) <= 23  # 23: BackgroundRefresher (next to AuthPool)
    for name in lexoffice_auth.__all__:
        assert getattr(lexoffice_auth, name) is not None
    assert sorted(dir(lexoffice_auth)) == sorted(lexoffice_auth.__all__)
    with pytest.raises(AttributeError):
        lexoffice_auth.TokenRequestError  # noqa: B018  (removed in 0.2: see CHANGELOG)


def test_the_api_key_path_imports_neither_jwt_nor_cryptography_nor_pydantic() -> None:
    loaded = loaded_after("from lexoffice_auth import ApiKeyAuth, LexofficeAuth, StaticTokenSource")
    assert not any(loaded.values()), loaded


def test_stores_and_errors_stay_light_too() -> None:
    loaded = loaded_after("import lexoffice_auth.errors, lexoffice_auth.stores")
    assert not any(loaded.values()), loaded


def test_the_oauth_path_loads_what_it_needs() -> None:
    loaded = loaded_after("from lexoffice_auth import OAuthClient")
    assert loaded["pydantic"]
    # PyJWT and cryptography load with the first JWKS (an id_token to verify), not on import.
    assert not loaded["jwt"] and not loaded["cryptography"]
    assert not loaded["redis"] and not loaded["respx"]
