"""DPoP (RFC 9449), the pure half: keys, proofs, htu, nonces per origin, challenges, schemes."""

from __future__ import annotations

import base64
import copy
import json
import pickle
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from lexoffice_auth._oauth.dpop import (
    DPOP_ALGORITHMS,
    DPoPKey,
    DPoPNonces,
    access_token_hash,
    choose_dpop_algorithm,
    is_use_dpop_nonce,
    nonce_from_headers,
    normalize_htu,
    parse_www_authenticate,
    resource_headers,
    should_retry_with_nonce,
    token_scheme,
)
from lexoffice_auth._oauth.keys import SigningKey, jwk_thumbprint
from lexoffice_auth.errors import ConfigurationError, TokenEndpointError

from ..support.jwt_helpers import ec_key, rsa_key

NOW = 1_700_000_000.0
TOKEN = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"  # RFC 9449 §7.1's access token

# RFC 7638 §3.1: this RSA key has the thumbprint NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs.
RFC7638_KEY = {
    "kty": "RSA",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
    "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
    "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhA"
    "I4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}


@pytest.fixture(scope="module")
def keys() -> dict[str, DPoPKey]:
    """One key per algorithm; the RSA key is the session's cached test key (slow to make)."""
    made = {alg: DPoPKey.generate(alg) for alg in ("ES256", "EdDSA", "ES384")}
    rsa_private = rsa_key("rsa-1").private
    made["PS256"] = DPoPKey(rsa_private, "PS256")
    made["RS256"] = DPoPKey(rsa_private, "RS256")
    return made


def _payload(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return data


def _verify(proof: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a proof as a server would: with the public key its own header carries."""
    header = jwt.get_unverified_header(proof)
    public = jwt.PyJWK(header["jwk"], algorithm=header["alg"]).key
    claims = jwt.decode(proof, public, algorithms=[header["alg"]])
    return header, claims


# --- the RFC test vectors ----------------------------------------------------------------------


def test_rfc9449_ath_vector() -> None:
    assert access_token_hash(TOKEN) == "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"


def test_rfc7638_thumbprint_vector() -> None:
    assert jwk_thumbprint(RFC7638_KEY) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    # Only the required members count: kid, alg or use change nothing.
    bare = {k: RFC7638_KEY[k] for k in ("kty", "n", "e")}
    assert jwk_thumbprint({**bare, "use": "sig"}) == jwk_thumbprint(bare)


@pytest.mark.parametrize(
    "jwk",
    [{"kty": "oct", "k": "abc"}, {"kty": "RSA", "n": "abc"}, {"kty": "EC", "crv": "P-256"}, {}],
)
def test_thumbprint_of_an_incomplete_or_symmetric_jwk_is_refused(jwk: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError):
        jwk_thumbprint(jwk)


# --- proofs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["ES256", "EdDSA", "ES384", "PS256", "RS256"])
def test_proof_verifies_with_its_embedded_public_key(keys: dict[str, DPoPKey], alg: str) -> None:
    key = keys[alg]
    proof = key.proof("POST", "https://AS.example:443/token?x=1#f", now=NOW + 0.9, nonce="n-1")
    header, claims = _verify(proof)
    assert header["typ"] == "dpop+jwt"
    assert header["alg"] == alg
    assert "d" not in header["jwk"] and "p" not in header["jwk"]
    assert header["jwk"] == key.public_jwk
    assert jwk_thumbprint(header["jwk"]) == key.jkt == key.thumbprint
    assert claims == {
        "jti": claims["jti"],
        "htm": "POST",
        "htu": "https://as.example/token",
        "iat": int(NOW),
        "nonce": "n-1",
    }
    assert len(claims["jti"]) >= 16  # >= 96 random bits (RFC 9449 §4.2)


def test_proof_at_a_resource_server_carries_ath(keys: dict[str, DPoPKey]) -> None:
    _, claims = _verify(
        keys["ES256"].proof("GET", "https://rs.example/r", now=NOW, access_token=TOKEN)
    )
    assert claims["ath"] == "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
    assert "nonce" not in claims


def test_a_proof_for_one_url_fails_at_another(keys: dict[str, DPoPKey]) -> None:
    proof = keys["ES256"].proof("GET", "https://rs.example/a", now=NOW)
    _, claims = _verify(proof)
    assert claims["htu"] != normalize_htu("https://rs.example/b")
    # and a tampered proof does not verify
    header, _, signature = proof.split(".")
    forged = json.dumps({**claims, "htu": "https://rs.example/b"}).encode()
    tampered = f"{header}.{base64.urlsafe_b64encode(forged).rstrip(b'=').decode()}.{signature}"
    with pytest.raises(jwt.InvalidSignatureError):
        _verify(tampered)


def test_ten_thousand_proofs_have_unique_jti(keys: dict[str, DPoPKey]) -> None:
    key = keys["EdDSA"]  # the fastest signer: the test is about jti, not the algorithm
    jtis = {
        _payload(key.proof("GET", "https://rs.example/", now=NOW))["jti"] for _ in range(10_000)
    }
    assert len(jtis) == 10_000


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"htm": "GE T"}, "htm"),
        ({"htm": ""}, "htm"),
        ({"htu": "ftp://as.example/token"}, "absolute"),
        ({"htu": "/token"}, "absolute"),
        ({"htu": "https://as.example:99999/token"}, "port"),
        ({"htu": "https://as.example/to ken"}, "whitespace"),
        ({"htu": 42}, "non-empty URL"),
        ({"nonce": 'a"b'}, "nonce"),
        ({"nonce": ""}, "nonce"),
        ({"now": float("nan")}, "now"),
        ({"now": True}, "now"),
        ({"access_token": "abc\r\nX-Evil: 1"}, "characters"),
        ({"access_token": ""}, "non-empty"),
    ],
)
def test_bad_proof_inputs_are_configuration_errors(
    keys: dict[str, DPoPKey], kwargs: dict[str, Any], problem: str
) -> None:
    args: dict[str, Any] = {"htm": "GET", "htu": "https://as.example/token", "now": NOW}
    args.update(kwargs)
    with pytest.raises(ConfigurationError, match=problem) as caught:
        keys["ES256"].proof(**args)
    assert "X-Evil" not in str(caught.value)


# --- htu ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "htu"),
    [
        ("https://server.example/token", "https://server.example/token"),
        ("HTTPS://Server.EXAMPLE/token", "https://server.example/token"),
        ("https://server.example:443/token", "https://server.example/token"),
        ("http://127.0.0.1:80/token", "http://127.0.0.1/token"),
        ("https://server.example:8443/token", "https://server.example:8443/token"),
        ("http://server.example:443/token", "http://server.example:443/token"),
        ("https://server.example", "https://server.example/"),
        ("https://server.example?q=1", "https://server.example/"),
        ("https://server.example/a/b?code=secret#frag", "https://server.example/a/b"),
        ("https://server.example/a/./b/../c", "https://server.example/a/c"),
        ("https://server.example/../../c", "https://server.example/c"),
        ("https://server.example/a/b/..", "https://server.example/a/"),
        ("https://user:pw@server.example/p", "https://server.example/p"),
        ("https://[::1]:443/p", "https://[::1]/p"),
        ("https://server.example/%7e%2Fx", "https://server.example/%7e%2Fx"),
        ("https://server.example/äö", "https://server.example/%C3%A4%C3%B6"),
        ("https://bücher.example/", "https://xn--bcher-kva.example/"),
    ],
)
def test_htu_normalisation(url: str, htu: str) -> None:
    assert normalize_htu(url) == htu


_PATH_CHARS = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="?#")
    | st.sampled_from("äß€/"),
    max_size=30,
)


@settings(max_examples=60)
@given(path=_PATH_CHARS)
def test_htu_is_what_httpx_puts_on_the_wire(path: str) -> None:
    # What a server that does not normalise compares with: the request line httpx sends.
    url = httpx.URL(f"https://rs.example/{path}")
    wire = f"https://rs.example{url.raw_path.decode('ascii').split('?')[0]}"
    assert normalize_htu(str(url)) == wire
    assert normalize_htu(wire) == wire  # idempotent


# --- keys --------------------------------------------------------------------------------------


def test_key_never_shows_private_material(keys: dict[str, DPoPKey]) -> None:
    for key in keys.values():
        private = key.to_jwk()
        assert private["alg"] == key.alg and "d" in private
        for text in (repr(key), str(key), f"{key!r}"):
            assert private["d"] not in text
            assert key.jkt in text


def test_key_round_trips_through_its_private_jwk(keys: dict[str, DPoPKey]) -> None:
    for key in keys.values():
        again = DPoPKey.from_jwk(json.loads(json.dumps(key.to_jwk())))
        assert again == key and hash(again) == hash(key)
        assert again.alg == key.alg
        _verify(again.proof("GET", "https://rs.example/", now=NOW))


def test_key_refuses_pickling_but_copies_as_itself(keys: dict[str, DPoPKey]) -> None:
    key = keys["ES256"]
    with pytest.raises(ConfigurationError, match="to_jwk") as caught:
        pickle.dumps(key)
    assert key.to_jwk()["d"] not in str(caught.value)
    assert copy.copy(key) is key and copy.deepcopy({"k": key})["k"] is key


def test_generate_refuses_other_algorithms() -> None:
    for alg in ("HS256", "none", "ES512", "Ed25519", 256):
        with pytest.raises(ConfigurationError, match="choose one of"):
            DPoPKey.generate(alg)  # type: ignore[arg-type]


def test_from_jwk_refuses_bad_keys_without_echoing_them(keys: dict[str, DPoPKey]) -> None:
    private = keys["ES256"].to_jwk()
    public = keys["ES256"].public_jwk
    garbled = {**private, "d": "not-base64-!!secret-part"}
    cases: list[tuple[Any, str]] = [
        (public, "public JWK"),
        (garbled, "not a valid EC private key"),
        ({**private, "alg": "EdDSA"}, "cannot sign EdDSA"),
        ({**private, "alg": "HS256"}, "cannot use algorithm"),
        ({"kty": "oct", "k": "c2VjcmV0"}, "kty RSA, EC or OKP"),
        ("not a dict", "must be a JWK dict"),
    ]
    for jwk, problem in cases:
        with pytest.raises(ConfigurationError, match=problem) as caught:
            DPoPKey.from_jwk(jwk)
        assert "secret-part" not in str(caught.value) and private["d"] not in str(caught.value)
        # Nothing chained that could hold the key: no cause, and any context suppressed.
        error = caught.value
        assert error.__cause__ is None
        assert error.__context__ is None or error.__suppress_context__


def test_from_jwk_refuses_a_conflicting_alg_or_kid(keys: dict[str, DPoPKey]) -> None:
    private = keys["ES256"].to_jwk()
    with pytest.raises(ConfigurationError, match="alg"):
        DPoPKey.from_jwk(private, alg="ES384")
    with pytest.raises(ConfigurationError, match="kid"):
        DPoPKey.from_jwk({**private, "kid": "a"}, kid="b")


def test_key_must_fit_its_algorithm() -> None:
    p384 = ec_key("p384", "ES384").private
    with pytest.raises(ConfigurationError, match="EC P-384 key, which cannot sign ES256"):
        DPoPKey(p384, "ES256")
    small = rsa_key("small", bits=1024).private
    with pytest.raises(ConfigurationError, match="1024-bit"):
        DPoPKey(small, "PS256")
    with pytest.raises(ConfigurationError, match="private key"):
        DPoPKey(p384.public_key(), "ES384")


def test_pem_keys_load_with_and_without_password(keys: dict[str, DPoPKey]) -> None:
    private = ec_key("pem").private
    plain = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    locked = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    key = DPoPKey.from_pem(plain.decode())
    assert key.alg == "ES256" and DPoPKey.from_pem(locked, password=b"pw") == key
    with pytest.raises(ConfigurationError, match="encrypted"):
        DPoPKey.from_pem(locked)
    with pytest.raises(ConfigurationError, match="password is wrong"):
        DPoPKey.from_pem(locked, password=b"wrong")
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(ConfigurationError, match="public key"):
        DPoPKey.from_pem(public)
    with pytest.raises(ConfigurationError, match="not a PEM"):
        DPoPKey.from_pem(b"-----BEGIN PRIVATE KEY-----\nsecret-part\n-----END PRIVATE KEY-----\n")


def test_a_signing_key_and_a_dpop_key_are_never_equal(keys: dict[str, DPoPKey]) -> None:
    jwk = keys["ES256"].to_jwk()
    assert SigningKey.from_jwk(jwk) != DPoPKey.from_jwk(jwk)


def test_choose_dpop_algorithm() -> None:
    assert choose_dpop_algorithm(None) == "ES256"
    assert choose_dpop_algorithm(["PS256", "ES256"]) == "ES256"
    assert choose_dpop_algorithm(("RS256", "PS256")) == "PS256"
    assert choose_dpop_algorithm(["EdDSA", "ES256"], preferred="EdDSA") == "EdDSA"
    with pytest.raises(ConfigurationError, match="it lists: HS256"):
        choose_dpop_algorithm(["HS256"])
    with pytest.raises(ConfigurationError, match="list"):
        choose_dpop_algorithm("ES256")
    with pytest.raises(ConfigurationError):
        choose_dpop_algorithm(None, preferred="HS256")
    assert set(DPOP_ALGORITHMS) >= {"ES256", "EdDSA"}


# --- nonces ------------------------------------------------------------------------------------


def test_nonces_are_kept_per_origin() -> None:
    nonces = DPoPNonces()
    assert nonces.learn("https://as.example/token", {"DPoP-Nonce": "as-1"}) == "as-1"
    nonces.learn("https://rs.example/api", httpx.Headers({"dpop-nonce": "rs-1"}))
    assert nonces.get("https://AS.example:443/par") == "as-1"  # same origin, another path
    assert nonces.get("https://as.example/token?code=x#f") == "as-1"
    assert nonces.get("https://rs.example/other") == "rs-1"
    # A nonce from another origin is never offered: other host, scheme or port.
    assert nonces.get("https://rs.example:8443/api") is None
    assert nonces.get("http://as.example/token") is None
    assert nonces.get("https://evil.example/token") is None
    nonces.learn("https://as.example/token", {"DPoP-Nonce": "as-2"})
    assert nonces.get("https://as.example/") == "as-2"
    assert len(nonces) == 2 and "as-2" not in repr(nonces)


def test_nonces_ignore_malformed_or_missing_values() -> None:
    nonces = DPoPNonces()
    for headers in ({}, {"DPoP-Nonce": ""}, {"DPoP-Nonce": 'a"b'}, {"DPoP-Nonce": "a, b"}):
        assert nonces.learn("https://as.example/", headers) is None
    assert nonces.get("https://as.example/") is None
    assert nonce_from_headers({"DPOP-NONCE": " n-1 "}) == "n-1"
    with pytest.raises(ConfigurationError):
        nonces.remember("https://as.example/", "bad nonce")


def test_nonces_forget_the_oldest_origin_beyond_the_limit() -> None:
    nonces = DPoPNonces(max_origins=2)
    nonces.remember("https://a.example/", "1")
    nonces.remember("https://b.example/", "2")
    nonces.get("https://a.example/")
    nonces.remember("https://a.example/", "3")  # a is now the newest
    nonces.remember("https://c.example/", "4")
    assert nonces.get("https://b.example/") is None
    assert (nonces.get("https://a.example/"), nonces.get("https://c.example/")) == ("3", "4")
    for bad in (0, -1, True, "2"):
        with pytest.raises(ConfigurationError):
            DPoPNonces(max_origins=bad)  # type: ignore[arg-type]


# --- challenges --------------------------------------------------------------------------------

NONCE_ERROR = b'{"error": "use_dpop_nonce", "error_description": "need a nonce"}'
RS_CHALLENGE = 'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce"'


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        (400, {}, NONCE_ERROR, True),  # token or PAR endpoint
        (401, {"WWW-Authenticate": RS_CHALLENGE}, b"", True),  # resource server
        (401, {"www-authenticate": f'Bearer realm="x", {RS_CHALLENGE}'}, None, True),
        (401, {"WWW-Authenticate": 'Bearer error="use_dpop_nonce"'}, b"", False),
        (401, {"WWW-Authenticate": 'DPoP error="invalid_token"'}, b"", False),
        (401, {}, b"", False),
        (400, {}, b'{"error": "invalid_dpop_proof"}', False),
        (400, {}, b"<html>use_dpop_nonce</html>", False),
        (400, {}, b"[1, 2]", False),
        (500, {}, NONCE_ERROR, False),
        (403, {"WWW-Authenticate": RS_CHALLENGE}, b"", False),
    ],
)
def test_use_dpop_nonce_challenges(
    status: int, headers: dict[str, str], body: bytes | None, expected: bool
) -> None:
    assert is_use_dpop_nonce(status, headers, body) is expected


def test_retry_once_and_only_with_a_new_nonce() -> None:
    with_nonce = {"WWW-Authenticate": RS_CHALLENGE, "DPoP-Nonce": "rs-2"}
    assert should_retry_with_nonce(401, with_nonce, b"", retried=False)
    assert not should_retry_with_nonce(401, with_nonce, b"", retried=True)
    assert not should_retry_with_nonce(401, {"WWW-Authenticate": RS_CHALLENGE}, b"", retried=False)
    assert should_retry_with_nonce(400, {"DPoP-Nonce": "as-2"}, NONCE_ERROR, retried=False)
    assert not should_retry_with_nonce(400, {"DPoP-Nonce": "as-2"}, b"{}", retried=False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Bearer", [("bearer", {})]),
        (
            'Bearer realm="a, b", error=invalid_token',
            [("bearer", {"realm": "a, b", "error": "invalid_token"})],
        ),
        (
            'DPoP algs="ES256 PS256", Basic realm="x"',
            [("dpop", {"algs": "ES256 PS256"}), ("basic", {"realm": "x"})],
        ),
        (r'DPoP error_description="say \"hi\""', [("dpop", {"error_description": 'say "hi"'})]),
        ("Negotiate abc123==, DPoP error=x", [("negotiate", {}), ("dpop", {"error": "x"})]),
        ("Bearer, DPoP", [("bearer", {}), ("dpop", {})]),
        ('DPoP ERROR = "use_dpop_nonce"', [("dpop", {"error": "use_dpop_nonce"})]),
        ("", []),
        ('=broken "', []),
        ('DPoP error="unterminated', [("dpop", {})]),
    ],
)
def test_parse_www_authenticate(value: str, expected: list[tuple[str, dict[str, str]]]) -> None:
    assert parse_www_authenticate(value) == expected


@settings(max_examples=60)
@given(st.text(max_size=80))
def test_parse_www_authenticate_never_fails(value: str) -> None:
    parse_www_authenticate(value)


# --- token types and headers -------------------------------------------------------------------


def test_token_scheme_is_case_insensitive_and_never_mixed() -> None:
    assert token_scheme("DPoP", dpop=True) == token_scheme("dpop", dpop=True) == "DPoP"
    assert token_scheme("bearer", dpop=False) == token_scheme(None, dpop=True) == "Bearer"
    # RFC 9449 §5: a provider may answer a DPoP request with a Bearer token...
    assert token_scheme("Bearer", dpop=True) == "Bearer"
    # ... which a client that requires sender-constrained tokens refuses.
    with pytest.raises(TokenEndpointError, match="not one bound to the DPoP key"):
        token_scheme("Bearer", dpop=True, require_dpop=True)
    with pytest.raises(TokenEndpointError, match="sent no DPoP proof"):
        token_scheme("DPoP", dpop=False)
    for odd in ("N_A", "mac", "", 7):
        with pytest.raises(TokenEndpointError, match="neither Bearer nor DPoP"):
            token_scheme(odd, dpop=True)


def test_resource_headers(keys: dict[str, DPoPKey]) -> None:
    key = keys["ES256"]
    bearer = resource_headers(
        "Bearer", TOKEN, method="GET", url="https://rs.example/r", now=NOW, key=key
    )
    assert bearer == {"Authorization": f"Bearer {TOKEN}"}  # no proof beside a Bearer token
    dpop = resource_headers(
        "DPoP",
        TOKEN,
        method="GET",
        url="https://rs.example/r?page=2",
        now=NOW,
        key=key,
        nonce="rs-1",
    )
    assert dpop["Authorization"] == f"DPoP {TOKEN}"
    _, claims = _verify(dpop["DPoP"])
    assert claims["ath"] == access_token_hash(TOKEN)
    assert (claims["htm"], claims["htu"], claims["nonce"]) == (
        "GET",
        "https://rs.example/r",
        "rs-1",
    )
    with pytest.raises(ConfigurationError, match="needs its DPoP key"):
        resource_headers("DPoP", TOKEN, method="GET", url="https://rs.example/", now=NOW)
    with pytest.raises(ConfigurationError, match="'Bearer' or 'DPoP'"):
        resource_headers("MAC", TOKEN, method="GET", url="https://rs.example/", now=NOW)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError) as caught:
        resource_headers("Bearer", "SeCrEt\nX: y", method="GET", url="https://rs.example/", now=NOW)
    assert "SeCrEt" not in str(caught.value)
