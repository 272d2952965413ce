"""``dpop-proof METHOD URL``: a proof signed by the stored key, for the stored token."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from pathlib import Path

import jwt
import pytest
from click.testing import CliRunner

from lexoffice_auth.cli._commands import cli
from lexoffice_auth.keys import DPoPKey

from .fapi_helpers import save_dpop_profile
from .helpers import cli_env

ACCESS = "dpop-at-0123456789"


def _ath(token: str) -> str:
    digest = hashlib.sha256(token.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _verified(proof: str, key: DPoPKey) -> tuple[dict[str, object], dict[str, object]]:
    """The proof's header and claims, its signature checked with the stored key's public half."""
    header = jwt.get_unverified_header(proof)
    public = jwt.PyJWK(header["jwk"]).key
    claims = jwt.decode(proof, public, algorithms=[key.alg])
    return header, claims


@pytest.mark.parametrize("alg", ["ES256", "EdDSA"])
def test_the_proof_is_signed_by_the_stored_key_for_the_stored_token(
    tmp_path: Path, alg: str
) -> None:
    key = DPoPKey.generate(alg)
    env = cli_env(tmp_path)
    save_dpop_profile(env["LEXOFFICE_TOKEN_STORE"], key, access_token=ACCESS)
    before = int(time.time())
    result = CliRunner().invoke(
        cli, ["dpop-proof", "get", "https://RS.example:443/v1/ping?x=secret"], env=env
    )
    assert result.exit_code == 0, result.output
    proof = result.stdout.strip()
    assert result.stdout == proof + "\n" and result.stderr == ""
    header, claims = _verified(proof, key)
    assert header["typ"] == "dpop+jwt" and header["alg"] == alg
    assert header["jwk"] == key.public_jwk  # the stored key's public half, nothing more
    assert "d" not in header["jwk"]  # type: ignore[operator]
    assert claims["htm"] == "GET"
    assert claims["htu"] == "https://rs.example/v1/ping"  # no query
    assert claims["ath"] == _ath(ACCESS)
    assert before <= int(claims["iat"]) <= time.time() + 1  # type: ignore[call-overload]
    assert "nonce" not in claims
    assert key.to_jwk()["d"] not in result.output
    again = CliRunner().invoke(cli, ["dpop-proof", "GET", "https://rs.example/v1/ping"], env=env)
    assert _verified(again.stdout.strip(), key)[1]["jti"] != claims["jti"]  # one per request


def test_nonce_and_json(tmp_path: Path) -> None:
    key = DPoPKey.generate()
    env = cli_env(tmp_path)
    save_dpop_profile(env["LEXOFFICE_TOKEN_STORE"], key, access_token=ACCESS)
    result = CliRunner().invoke(
        cli,
        ["dpop-proof", "POST", "https://rs.example/v1/contacts", "--nonce", "n-1", "--json"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert set(shown) == {"access_token", "token_type", "dpop"}
    assert (shown["access_token"], shown["token_type"]) == (ACCESS, "DPoP")
    claims = _verified(shown["dpop"], key)[1]
    assert (claims["htm"], claims["nonce"], claims["ath"]) == ("POST", "n-1", _ath(ACCESS))
    assert key.to_jwk()["d"] not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["GET", "ftp://rs.example/x"], "absolute http(s) URL"),
        (["GE T", "https://rs.example/x"], "HTTP method"),
        (["GET", "https://rs.example/x", "--nonce", 'a"b'], "nonce"),
    ],
)
def test_bad_input_is_a_usage_error(tmp_path: Path, args: list[str], message: str) -> None:
    env = cli_env(tmp_path)
    save_dpop_profile(env["LEXOFFICE_TOKEN_STORE"], DPoPKey.generate())
    result = CliRunner().invoke(cli, ["dpop-proof", *args], env=env)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_a_bearer_login_needs_no_proof(tmp_path: Path) -> None:
    env = cli_env(tmp_path)
    import anyio

    from lexoffice_auth import FileTokenStore, TokenSet
    from lexoffice_auth.cli._profile import mark

    tokens = mark(TokenSet(access_token="lx-key-0123456789"), {"kind": "api_key"})
    anyio.run(FileTokenStore(env["LEXOFFICE_TOKEN_STORE"]).save, "default", tokens)
    result = CliRunner().invoke(cli, ["dpop-proof", "GET", "https://rs.example/"], env=env)
    assert result.exit_code == 2
    assert "holds a token of type Bearer, which needs no DPoP proof" in result.stderr
    assert "lx-key-0123456789" not in result.output
    env["LEXOFFICE_API_KEY"] = "lx-key-0123456789"
    keyed = CliRunner().invoke(cli, ["dpop-proof", "GET", "https://rs.example/"], env=env)
    assert keyed.exit_code == 2 and "an API key needs no DPoP proof" in keyed.stderr
    assert "lx-key-0123456789" not in keyed.output


def test_not_logged_in(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["dpop-proof", "GET", "https://rs.example/"], env=cli_env(tmp_path)
    )
    assert result.exit_code == 3 and "not logged in" in result.stderr
