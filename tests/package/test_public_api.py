"""The public surface: about twenty top-level names, sub-namespaces, and imports that stay cheap."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import anyio
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


def test_the_oauth_path_defers_pydantic_jwt_and_cryptography_to_first_use() -> None:
    loaded = loaded_after(
        "from lexoffice_auth import OAuthClient, LexofficeAuth\n"
        "from lexoffice_auth.oidc import IdTokenVerifier, check_claims"
    )
    # pydantic loads with the first model (a login, a token, a discovery document); PyJWT and
    # cryptography with the first JWKS (an id_token to verify).
    assert not loaded["pydantic"] and not loaded["jwt"] and not loaded["cryptography"], loaded
    assert not loaded["redis"] and not loaded["respx"]


def test_the_first_request_with_a_stored_oauth_token_loads_no_pydantic(tmp_path: Path) -> None:
    # What benchmarks/bench_startup.py times: a valid token in a FileTokenStore is read and
    # sent without building a TokenSet (pydantic loads with the first refresh or login).
    from lexoffice_auth import FileTokenStore, TokenSet

    path = tmp_path / "tokens.json"
    valid = TokenSet(access_token="at-1", refresh_token="rt-1", expires_at=time.time() + 86400)
    anyio.run(FileTokenStore(path).save, "acme", valid)
    loaded = loaded_after(
        "import anyio, httpx\n"
        "from lexoffice_auth import FileTokenStore, LexofficeAuth, OAuthClient\n"
        "def answer(request):\n"
        "    assert request.headers['Authorization'] == 'Bearer at-1'\n"
        "    return httpx.Response(200, json={})\n"
        "async def main():\n"
        "    oauth = OAuthClient('c', 'http://127.0.0.1/cb', issuer='https://id.example.com')\n"
        f"    auth = LexofficeAuth.from_oauth(oauth, 'acme', FileTokenStore({str(path)!r}))\n"
        "    async with httpx.AsyncClient(transport=httpx.MockTransport(answer), auth=auth) as c:\n"
        "        (await c.get('https://api.lexware.io/v1/profile')).raise_for_status()\n"
        "anyio.run(main)"
    )
    assert not loaded["pydantic"] and not loaded["jwt"] and not loaded["cryptography"], loaded
    assert not loaded["httpx2"]  # an httpx program does not load it, installed or not


def test_the_sandbox_alone_imports_no_pydantic() -> None:
    # lexoffice_auth.testing takes the event types and the signature header from
    # lexoffice_auth.webhooks (which loads pydantic) only when it handles a subscription.
    loaded = loaded_after(
        "import lexoffice_auth.testing\n"
        "from lexoffice_auth.testing import FakeLexoffice\n"
        "fake = FakeLexoffice()\n"
        "fake.add_contact(name='Muster GmbH')\n"
        "assert 'lexoffice_auth.webhooks' not in sys.modules"
    )
    assert not loaded["pydantic"], loaded


def test_the_models_load_when_first_asked_for() -> None:
    loaded = loaded_after("from lexoffice_auth.oidc import IdTokenClaims")
    assert loaded["pydantic"]
    assert not loaded["jwt"]
    import lexoffice_auth.oidc

    assert "IdTokenClaims" in dir(lexoffice_auth.oidc)
    assert lexoffice_auth.oidc.IdTokenClaims.__name__ == "IdTokenClaims"
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        lexoffice_auth.oidc.Nope  # noqa: B018


def test_a_first_login_loads_the_models_it_needs() -> None:
    # Deferring pydantic must not break the path that needs it: a whole sandbox login from a
    # fresh interpreter that imported only the OAuth names.
    statement = (
        "import anyio\n"
        "from lexoffice_auth import OAuthClient\n"
        "from lexoffice_auth.testing import FakeLexoffice\n"
        "fake = FakeLexoffice()\n"
        "async def main():\n"
        "    async with OAuthClient('sandbox-client', 'http://127.0.0.1/callback',\n"
        "            issuer=fake.issuer, http_client=fake.client(), clock=fake.clock) as oauth:\n"
        "        pending = await oauth.start_login()\n"
        "        tokens = await oauth.complete_login(fake.approve(pending.authorization_url),\n"
        "                                            pending)\n"
        "        assert tokens.id_claims.sub == 'sandbox-user-1'\n"
        "anyio.run(main)"
    )
    loaded = loaded_after(statement)
    assert loaded["pydantic"] and loaded["jwt"], loaded
