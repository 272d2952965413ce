"""``login --fapi2`` end to end against panva's oidc-provider (Node) on 127.0.0.1: PAR,
private_key_jwt from a PEM file, DPoP with nonces; then ``token``, ``dpop-proof``, a
refresh with the same keys in a new process, and ``logout``. Skipped without node."""

from __future__ import annotations

import json
import time
from pathlib import Path

import anyio
import httpx
import pytest

from lexoffice_auth import FileTokenStore

from ..support.oidc_provider import REDIRECT, browse, client, oidc_provider
from .fapi_helpers import write_pem_key
from .helpers import cli_env, read_until, run_cli, start_cli

pytestmark = pytest.mark.slow  # a Node process and CLI processes


def _login(env: dict[str, str], args: list[str]) -> str:
    """Run `login --paste` in its own process, play the browser, paste; its stderr."""
    proc = start_cli(["login", "--no-browser", "--paste", "--redirect-uri", REDIRECT, *args], env)
    try:
        assert proc.stderr is not None and proc.stdin is not None
        lines = read_until(proc.stderr, lambda line: line.startswith("Paste the code"))
        url = next(line.strip() for line in lines if line.strip().startswith("http"))
        callback = anyio.run(browse, url)
        _, err = proc.communicate((callback + "\n").encode(), timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = "\n".join(lines) + "\n" + err.decode()
    assert proc.returncode == 0, text
    return text


def _userinfo(issuer: str, env: dict[str, str], token: str) -> httpx.Response:
    """GET /me as curl would: DPoP token, a proof from the CLI, once more with the nonce."""
    url = f"{issuer}/me"
    nonce: list[str] = []
    for _ in range(2):
        proof = run_cli(["dpop-proof", "GET", url, *(["--nonce", *nonce] if nonce else [])], env)
        assert proof.returncode == 0, proof.stderr
        answer = httpx.get(
            url, headers={"Authorization": f"DPoP {token}", "DPoP": proof.stdout.strip()}
        )
        if answer.status_code != 401 or "DPoP-Nonce" not in answer.headers:
            return answer
        nonce = [answer.headers["DPoP-Nonce"]]
    return answer


def test_login_fapi2_token_proof_refresh_and_logout(tmp_path: Path) -> None:
    key_file = tmp_path / "client-key.pem"
    key = write_pem_key(key_file, kid="cli-e2e")
    public = {**key.public_jwk, "kid": "cli-e2e", "alg": "ES256", "use": "sig"}
    registered = client(
        "fapi-cli",
        token_endpoint_auth_method="private_key_jwt",
        token_endpoint_auth_signing_alg="ES256",
        jwks={"keys": [public]},
        dpop_bound_access_tokens=True,
        require_pushed_authorization_requests=True,
    )
    with oidc_provider(clients=[registered], fapi=True, requireDpopNonce=True) as issuer:
        env = cli_env(tmp_path)
        said = _login(
            env,
            [
                "--issuer",
                issuer,
                "--client-id",
                "fapi-cli",
                "--scope",
                "openid",
                "--scope",
                "offline_access",
                "--client-key",
                str(key_file),
                "--client-key-id",
                "cli-e2e",
                "--fapi2",
            ],
        )
        assert "request_uri=" in said  # the authorization URL carries only the pushed request
        assert f"Logged in to {issuer}" in said
        store_text = (tmp_path / "tokens.json").read_text()
        pem_body = key_file.read_text().splitlines()[1]
        assert pem_body not in store_text  # the client key is referenced, never copied
        entry = json.loads(store_text)["accounts"]["default"]
        assert entry["token_type"] == "DPoP"
        assert entry["extra"]["lexoffice_auth_cli"]["fapi"] == {
            "fapi2": True,
            "client_key_file": str(key_file),
            "client_key_id": "cli-e2e",
        }
        dpop_d = entry["dpop_jwk"]["d"]

        printed = run_cli(["token", "--json"], env)
        assert printed.returncode == 0, printed.stderr
        first = json.loads(printed.stdout)
        assert first["token_type"] == "DPoP" and first["source"] == "oauth"
        answer = _userinfo(issuer, env, first["access_token"])
        assert answer.status_code == 200, answer.text
        assert answer.json()["sub"] == "user-1"
        # A Bearer use of the DPoP-bound token is refused by the provider.
        bearer = httpx.get(
            f"{issuer}/me", headers={"Authorization": f"Bearer {first['access_token']}"}
        )
        assert bearer.status_code in (400, 401)

        # Expired as the CLI sees it (the provider's clock is real): a NEW process refreshes
        # with the recorded client key and the stored DPoP key.
        store = FileTokenStore(tmp_path / "tokens.json")
        saved = anyio.run(store.load, "default")
        assert saved is not None
        expired = saved.model_copy(update={"expires_at": time.time() - 1})
        anyio.run(store.save, "default", expired)
        again = run_cli(["token"], env)
        assert again.returncode == 0, again.stderr
        second = again.stdout.strip()
        assert second != first["access_token"]
        assert "DPoP-bound" in again.stderr
        refreshed = anyio.run(store.load, "default")
        assert refreshed is not None and refreshed.dpop_key == saved.dpop_key
        assert _userinfo(issuer, env, second).status_code == 200

        shown = run_cli(["status"], env)
        assert f"bound to key thumbprint {saved.dpop_key.jkt}" in shown.stdout  # type: ignore[union-attr]
        out = run_cli(["logout"], env)
        assert out.returncode == 0, out.stderr
        assert "revoked at the provider" in out.stderr
        for result in (printed, again, shown, out):
            for secret in (dpop_d, pem_body):
                assert secret not in result.stdout and secret not in result.stderr
