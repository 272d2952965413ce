"""Client authentication by signed assertion: private_key_jwt and client_secret_jwt."""

from __future__ import annotations

import json
import pickle
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from lexoffice_auth._oauth.assertions import (
    CLIENT_ASSERTION_TYPE,
    ClientKey,
    assertion_claims,
    client_secret_jwt,
    private_key_jwt,
)
from lexoffice_auth.errors import ConfigurationError

from ..support.jwt_helpers import ec_key, ed_key, rsa_key

NOW = 1_700_000_000.0
ISSUER = "https://id.example"
SECRET = "s3cr3t-" + "x" * 40  # 47 bytes: enough for HS256 (32), not for HS512 (64)


def _check(fields: dict[str, str], verify_key: Any, alg: str) -> dict[str, Any]:
    assert fields["client_id"] == "app"
    assert fields["client_assertion_type"] == CLIENT_ASSERTION_TYPE
    assertion = fields["client_assertion"]
    # What the provider checks (RFC 7523 §3): signature, iss = sub = client_id, aud, exp.
    claims: dict[str, Any] = jwt.decode(
        assertion,
        verify_key,
        algorithms=[alg],
        audience=ISSUER,
        issuer="app",
        options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"], "verify_exp": False},
    )
    assert claims["sub"] == "app"
    assert claims["iat"] == int(NOW) and claims["exp"] == int(NOW) + 60
    return claims


@pytest.mark.parametrize(
    ("private", "alg"),
    [
        (rsa_key("rsa-1").private, "RS256"),
        (rsa_key("rsa-1").private, "PS256"),
        (ec_key("ec-1").private, "ES256"),
        (ed_key("ed-1").private, "EdDSA"),
    ],
)
def test_private_key_jwt_from_a_jwk(private: Any, alg: str) -> None:
    key = ClientKey.load(ClientKey(private, alg).to_jwk(), kid="k-2026")
    fields = private_key_jwt("app", key, audience=ISSUER, now=NOW)
    _check(fields, private.public_key(), alg)
    header = jwt.get_unverified_header(fields["client_assertion"])
    assert header == {"alg": alg, "typ": "JWT", "kid": "k-2026"}


def test_private_key_jwt_from_pem_and_json_text() -> None:
    private = ec_key("ec-1").private
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    from_pem = ClientKey.load(pem.decode(), kid="pem-kid")
    from_json = ClientKey.load(json.dumps(ClientKey(private, "ES256", kid="pem-kid").to_jwk()))
    assert from_pem == from_json and from_pem.alg == "ES256" and from_pem.kid == "pem-kid"
    assert ClientKey.load(from_pem) is from_pem
    _check(
        private_key_jwt("app", from_pem, audience=ISSUER, now=NOW), private.public_key(), "ES256"
    )


def test_an_rsa_key_can_be_loaded_for_ps256() -> None:
    jwk = ClientKey(rsa_key("rsa-1").private, "RS256").to_jwk()
    del jwk["alg"]
    assert ClientKey.load(jwk).alg == "RS256"  # OpenID Connect's default
    assert ClientKey.load(jwk, alg="PS256").alg == "PS256"  # what FAPI 2.0 asks for


def test_every_assertion_is_fresh() -> None:
    key = ClientKey(ed_key("ed-1").private, "EdDSA")
    jtis = {
        jwt.decode(
            private_key_jwt("app", key, audience=ISSUER, now=NOW)["client_assertion"],
            options={"verify_signature": False},
        )["jti"]
        for _ in range(200)
    }
    assert len(jtis) == 200


def test_the_assertion_expires() -> None:
    key = ClientKey(ec_key("ec-1").private, "ES256")
    fields = private_key_jwt("app", key, audience=ISSUER, now=NOW - 120, lifetime=30)
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(
            fields["client_assertion"],
            ec_key("ec-1").private.public_key(),
            algorithms=["ES256"],
            audience=ISSUER,
        )


def test_client_secret_jwt() -> None:
    fields = client_secret_jwt("app", SECRET, audience=ISSUER, now=NOW)
    _check(fields, SECRET.encode(), "HS256")
    assert SECRET not in json.dumps(fields)
    fields = client_secret_jwt("app", SECRET * 2, audience=ISSUER, now=NOW, alg="HS512")
    _check(fields, (SECRET * 2).encode(), "HS512")


def test_client_secret_jwt_refuses_short_secrets_without_showing_them() -> None:
    with pytest.raises(ConfigurationError, match="17 bytes; HS256 needs at least 32") as caught:
        client_secret_jwt("app", "short-SeCrEt-1234", audience=ISSUER, now=NOW)
    assert "SeCrEt" not in str(caught.value)
    with pytest.raises(ConfigurationError, match="HS512 needs at least 64"):
        client_secret_jwt("app", SECRET, audience=ISSUER, now=NOW, alg="HS512")
    with pytest.raises(ConfigurationError, match="not 'RS256'"):
        client_secret_jwt("app", SECRET, audience=ISSUER, now=NOW, alg="RS256")
    with pytest.raises(ConfigurationError, match="needs the client secret"):
        client_secret_jwt("app", "", audience=ISSUER, now=NOW)


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"client_id": ""}, "client_id"),
        ({"client_id": 7}, "client_id"),
        ({"audience": ""}, "audience"),
        ({"now": float("inf")}, "now"),
        ({"lifetime": 0}, "lifetime"),
        ({"lifetime": 7200}, "lifetime"),
        ({"lifetime": True}, "lifetime"),
    ],
)
def test_bad_claims_arguments(kwargs: dict[str, Any], problem: str) -> None:
    args: dict[str, Any] = {"client_id": "app", "audience": ISSUER, "now": NOW}
    args.update(kwargs)
    with pytest.raises(ConfigurationError, match=problem):
        assertion_claims(args.pop("client_id"), args.pop("audience"), **args)


def test_bad_client_keys_are_named_never_shown() -> None:
    private = ClientKey(ec_key("ec-1").private, "ES256").to_jwk()
    cases: list[tuple[Any, str]] = [
        ({k: v for k, v in private.items() if k != "d"}, "public JWK"),
        ({**private, "d": "SeCrEt-garbage"}, "not a valid EC private key"),
        ('{"kty": "EC", "d": "SeCrEt"', "looks like JSON"),
        ("[1, 2]", "not a PEM"),
        ("-----BEGIN PRIVATE KEY-----\nSeCrEt\n-----END PRIVATE KEY-----", "not a PEM"),
        (12345, "not int"),
    ]
    for value, problem in cases:
        with pytest.raises(ConfigurationError, match=problem) as caught:
            ClientKey.load(value)
        assert "SeCrEt" not in str(caught.value) and private["d"] not in str(caught.value)
    key = ClientKey.load(private)
    with pytest.raises(ConfigurationError, match="set its kid and alg there"):
        ClientKey.load(key, kid="other")
    with pytest.raises(ConfigurationError, match="ClientKey"):
        private_key_jwt("app", private, audience=ISSUER, now=NOW)  # type: ignore[arg-type]


def test_client_key_repr_and_pickling_keep_the_key_private() -> None:
    key = ClientKey(ec_key("ec-1").private, "ES256", kid="k1")
    d = key.to_jwk()["d"]
    assert d not in repr(key) and "kid='k1'" in repr(key)
    with pytest.raises(ConfigurationError, match="not picklable"):
        pickle.dumps(key)
