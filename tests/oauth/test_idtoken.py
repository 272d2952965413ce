"""id_token verification (OpenID Connect Core §3.1.3.7) through IdTokenVerifier."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
import respx

from lexoffice_auth._oauth.idtoken import IdTokenVerifier, allowed_algorithms, at_hash, check_claims
from lexoffice_auth.errors import ConfigurationError, IdTokenError
from lexoffice_auth.testing import FakeClock
from tests.support.expect import raises_provider

from ..support.jwt_helpers import (
    ACCESS_TOKEN,
    CLIENT_ID,
    ISSUER,
    JWKS_URI,
    NONCE,
    NOW,
    SUB,
    SigningKey,
    claims,
    ec_key,
    ed_key,
    hmac_token,
    jwks,
    metadata,
    rsa_key,
    with_payload,
)

RSA = rsa_key("rsa-1")
SECRET = "a-confidential-client-secret-of-32+bytes"
EC = ec_key("ec-1")

pytest_plugins = ["tests.support.jwt_fixtures"]


@pytest.fixture
def jwks_route(router: respx.MockRouter) -> respx.Route:
    return router.get(JWKS_URI).mock(return_value=httpx.Response(200, json=jwks(RSA, EC)))


async def _verify(v: IdTokenVerifier, token: str, **kw: Any) -> Any:
    kw.setdefault("nonce", NONCE)
    kw.setdefault("access_token", ACCESS_TOKEN)
    return await v.verify(token, kw.pop("md", metadata()), **kw)


async def _rejected(v: IdTokenVerifier, token: str, check: str, **kw: Any) -> IdTokenError:
    with pytest.raises(IdTokenError) as info:
        await _verify(v, token, **kw)
    assert info.value.check == check, str(info.value)
    # Never echo the token (nor any of its three parts) or the nonce.
    text = str(info.value)
    assert token not in text
    assert all(part not in text for part in token.split(".") if len(part) > 8)
    assert NONCE not in text
    return info.value


# --- valid tokens ---


async def test_valid_rs256_token_passes(verifier: IdTokenVerifier, jwks_route: respx.Route) -> None:
    c = await _verify(verifier, RSA.sign(claims()))
    assert c.sub == SUB
    assert c.iss == ISSUER
    assert c.audiences == (CLIENT_ID,)
    assert c.nonce == NONCE
    assert c.email == "ada@example.com"
    assert c.name == "Ada Lovelace"
    assert c.auth_time == int(NOW) - 5
    assert jwks_route.call_count == 1


async def test_valid_es256_token_passes(verifier: IdTokenVerifier, jwks_route: respx.Route) -> None:
    c = await _verify(verifier, EC.sign(claims(custom={"tier": "gold"})))
    assert c.sub == SUB
    assert c.model_extra == {"custom": {"tier": "gold"}}


@pytest.mark.parametrize(
    "key",
    [
        rsa_key("ps", "PS256"),
        rsa_key("rs512", "RS512"),
        ec_key("es384", "ES384"),
        ec_key("es512", "ES512"),
        ed_key("ed"),
    ],
    ids=lambda k: k.alg,
)
async def test_other_asymmetric_algorithms_pass(
    verifier: IdTokenVerifier, router: respx.MockRouter, key: SigningKey
) -> None:
    router.get(JWKS_URI).mock(return_value=httpx.Response(200, json=jwks(RSA, key)))
    token = key.sign(claims(at_hash=at_hash(ACCESS_TOKEN, key.alg, "Ed25519")))
    assert (await _verify(verifier, token)).sub == SUB


async def test_key_cache_is_reused(verifier: IdTokenVerifier, jwks_route: respx.Route) -> None:
    for _ in range(5):
        await _verify(verifier, RSA.sign(claims()))
        await _verify(verifier, EC.sign(claims()))
    assert jwks_route.call_count == 1


async def test_token_without_kid_uses_the_only_fitting_key(
    verifier: IdTokenVerifier, jwks_route: respx.Route
) -> None:
    # RSA and EC are in the set, but only one key fits RS256.
    assert (await _verify(verifier, RSA.sign(claims(), kid=None))).sub == SUB


async def test_token_without_kid_is_rejected_when_several_keys_fit(
    verifier: IdTokenVerifier, router: respx.MockRouter
) -> None:
    router.get(JWKS_URI).mock(return_value=httpx.Response(200, json=jwks(RSA, rsa_key("rsa-2"))))
    await _rejected(verifier, RSA.sign(claims(), kid=None), "kid")


async def test_fractional_numeric_dates_are_accepted(
    verifier: IdTokenVerifier, jwks_route: respx.Route
) -> None:
    c = await _verify(verifier, RSA.sign(claims(exp=NOW + 600.75, iat=NOW - 0.5)))
    assert (c.exp, c.iat) == (int(NOW) + 600, int(NOW) - 1)


# --- each rejection has its own reason ---


async def test_tampered_payload_is_rejected(
    verifier: IdTokenVerifier, jwks_route: respx.Route
) -> None:
    token = with_payload(RSA.sign(claims()), claims(sub="admin"))
    await _rejected(verifier, token, "signature")


async def test_signature_by_foreign_key_with_a_known_kid_is_rejected(
    verifier: IdTokenVerifier, jwks_route: respx.Route
) -> None:
    forger = SigningKey(rsa_key("attacker").private, "RS256", RSA.kid)
    await _rejected(verifier, forger.sign(claims()), "signature")


async def test_signature_by_key_not_in_the_jwks_is_rejected(
    verifier: IdTokenVerifier, jwks_route: respx.Route, clock: FakeClock
) -> None:
    clock.advance(3000)  # long after the first fetch: the unknown kid may trigger a refetch
    await _rejected(verifier, rsa_key("attacker").sign(claims()), "kid")


async def test_alg_none_is_rejected(verifier: IdTokenVerifier, jwks_route: respx.Route) -> None:
    import jwt

    token = jwt.encode(claims(), None, algorithm="none")
    err = await _rejected(verifier, token, "alg")
    assert "'none'" in str(err)
    assert jwks_route.call_count == 0  # refused before any key is looked up


async def test_alg_none_is_rejected_even_if_the_provider_lists_it(
    verifier: IdTokenVerifier, jwks_route: respx.Route
) -> None:
    import jwt

    md = metadata(id_token_signing_alg_values_supported=["none", "RS256"])
    await _rejected(verifier, jwt.encode(claims(), None, algorithm="none"), "alg", md=md)


async def test_hs256_signed_with_the_public_key_is_rejected(
    verifier: IdTokenVerifier, jwks_route: respx.Route
) -> None:
    token = hmac_token(claims(), RSA.public_pem(), kid=RSA.kid)
    await _rejected(verifier, token, "alg")


async def test_hs256_with_the_public_key_fails_even_when_hmac_is_enabled(
    http: httpx.AsyncClient, clock: FakeClock, jwks_route: respx.Route
) -> None:
    v = IdTokenVerifier(
        client_id=CLIENT_ID, http_client=http, clock=clock, client_secret=SECRET, allow_hs256=True
    )
    token = hmac_token(claims(), RSA.public_pem(), kid=RSA.kid)
    await _rejected(v, token, "signature")


async def test_hs256_with_the_client_secret_passes_only_when_enabled(
    http: httpx.AsyncClient, clock: FakeClock, jwks_route: respx.Route
) -> None:
    secret = SECRET
    token = hmac_token(claims(at_hash=at_hash(ACCESS_TOKEN, "HS256")), secret.encode())
    v = IdTokenVerifier(
        client_id=CLIENT_ID, http_client=http, clock=clock, client_secret=secret, allow_hs256=True
    )
    assert (await _verify(v, token)).sub == SUB
    plain = IdTokenVerifier(
        client_id=CLIENT_ID, http_client=http, clock=clock, client_secret=secret
    )
    await _rejected(plain, token, "alg")
    assert jwks_route.call_count == 0


def test_allow_hs256_without_a_secret_is_a_configuration_error(clock: FakeClock) -> None:
    http = httpx.AsyncClient()
    with pytest.raises(ConfigurationError, match="client_secret"):
        IdTokenVerifier(client_id=CLIENT_ID, http_client=http, clock=clock, allow_hs256=True)


@pytest.mark.parametrize(
    "kwargs",
    [{"leeway": -1}, {"leeway": float("nan")}, {"jwks_default_ttl": 0}, {"client_id": ""}],
)
def test_bad_verifier_settings_are_configuration_errors(
    clock: FakeClock, kwargs: dict[str, Any]
) -> None:
    args: dict[str, Any] = {"client_id": CLIENT_ID, "http_client": httpx.AsyncClient()}
    args["clock"] = clock
    with pytest.raises(ConfigurationError):
        IdTokenVerifier(**{**args, **kwargs})


async def test_algorithm_not_advertised_by_the_provider_is_rejected(
    verifier: IdTokenVerifier, jwks_route: respx.Route
) -> None:
    md = metadata(id_token_signing_alg_values_supported=["RS256"])
    assert (await _verify(verifier, RSA.sign(claims()), md=md)).sub == SUB
    await _rejected(verifier, EC.sign(claims()), "alg", md=md)


async def test_wrong_iss_is_rejected(verifier: IdTokenVerifier, jwks_route: respx.Route) -> None:
    await _rejected(verifier, RSA.sign(claims(iss="https://evil.example")), "iss")
    # Raw string comparison: a trailing slash is another issuer.
    await _rejected(verifier, RSA.sign(claims(iss=ISSUER + "/")), "iss")


async def test_aud_without_the_client_id_is_rejected(
    verifier: IdTokenVerifier, jwks_route: respx.Route
) -> None:
    await _rejected(verifier, RSA.sign(claims(aud="someone-else")), "aud")
    await _rejected(verifier, RSA.sign(claims(aud=["a", "b"], azp=CLIENT_ID)), "aud")


async def test_several_audiences_without_matching_azp_are_rejected(
    verifier: IdTokenVerifier, jwks_route: respx.Route
) -> None:
    await _rejected(verifier, RSA.sign(claims(aud=[CLIENT_ID, "other"])), "azp")
    await _rejected(verifier, RSA.sign(claims(aud=[CLIENT_ID, "other"], azp="other")), "azp")
    ok = await _verify(verifier, RSA.sign(claims(aud=[CLIENT_ID, "other"], azp=CLIENT_ID)))
    assert ok.audiences == (CLIENT_ID, "other")


async def test_azp_naming_another_client_is_rejected_with_a_single_audience(
    verifier: IdTokenVerifier, jwks_route: respx.Route
) -> None:
    await _rejected(verifier, RSA.sign(claims(azp="other")), "azp")


async def test_expired_token_is_rejected(
    verifier: IdTokenVerifier, jwks_route: respx.Route, clock: FakeClock
) -> None:
    token = RSA.sign(claims(exp=int(NOW) - 61))
    await _rejected(verifier, token, "exp")
    # Within the leeway (60 s by default) it still passes.
    assert (await _verify(verifier, RSA.sign(claims(exp=int(NOW) - 59)))).sub == SUB


async def test_expiry_follows_the_injected_clock(
    verifier: IdTokenVerifier, jwks_route: respx.Route, clock: FakeClock
) -> None:
    token = RSA.sign(claims())
    assert (await _verify(verifier, token)).sub == SUB
    clock.advance(600 + 300)
    await _rejected(verifier, token, "exp")


async def test_iat_far_in_the_future_is_rejected(
    verifier: IdTokenVerifier, jwks_route: respx.Route
) -> None:
    await _rejected(verifier, RSA.sign(claims(iat=int(NOW) + 3600, exp=int(NOW) + 7200)), "iat")
    assert (await _verify(verifier, RSA.sign(claims(iat=int(NOW) + 50)))).sub == SUB


async def test_nbf_in_the_future_is_rejected(
    verifier: IdTokenVerifier, jwks_route: respx.Route
) -> None:
    await _rejected(verifier, RSA.sign(claims(nbf=int(NOW) + 61)), "nbf")


async def test_custom_leeway(
    http: httpx.AsyncClient, clock: FakeClock, jwks_route: respx.Route
) -> None:
    strict = IdTokenVerifier(client_id=CLIENT_ID, http_client=http, clock=clock, leeway=0)
    await _rejected(strict, RSA.sign(claims(exp=int(NOW) - 1)), "exp")
    await _rejected(strict, RSA.sign(claims(iat=int(NOW) + 1)), "iat")


async def test_wrong_nonce_is_rejected(verifier: IdTokenVerifier, jwks_route: respx.Route) -> None:
    await _rejected(verifier, RSA.sign(claims(nonce="n-attacker-replayed")), "nonce")
    await _rejected(verifier, RSA.sign(claims(nonce=None)), "nonce")
    await _rejected(verifier, RSA.sign(claims(nonce=12345)), "nonce")


async def test_nonce_none_skips_the_check_after_a_refresh(
    verifier: IdTokenVerifier, jwks_route: respx.Route
) -> None:
    c = await _verify(verifier, RSA.sign(claims(nonce=None)), nonce=None, expected_sub=SUB)
    assert c.nonce is None


async def test_wrong_at_hash_is_rejected(
    verifier: IdTokenVerifier, jwks_route: respx.Route
) -> None:
    token = RSA.sign(claims(at_hash=at_hash("another-access-token", "RS256")))
    err = await _rejected(verifier, token, "at_hash")
    assert ACCESS_TOKEN not in str(err)
    # Without an access token to compare, a present at_hash is not checked.
    assert (await _verify(verifier, token, access_token=None)).sub == SUB
    # Without at_hash in the token, nothing to check either.
    assert (await _verify(verifier, RSA.sign(claims(at_hash=None)))).sub == SUB


async def test_at_hash_uses_the_hash_of_the_algorithm(
    verifier: IdTokenVerifier, router: respx.MockRouter
) -> None:
    key = rsa_key("rs384", "RS384")
    router.get(JWKS_URI).mock(return_value=httpx.Response(200, json=jwks(key)))
    # An RS256-style (SHA-256) hash on an RS384 token is wrong.
    await _rejected(verifier, key.sign(claims(at_hash=at_hash(ACCESS_TOKEN, "RS256"))), "at_hash")
    ok = key.sign(claims(at_hash=at_hash(ACCESS_TOKEN, "RS384")))
    assert (await _verify(verifier, ok)).sub == SUB


async def test_subject_change_after_refresh_is_rejected(
    verifier: IdTokenVerifier, jwks_route: respx.Route
) -> None:
    token = RSA.sign(claims(nonce=None, sub="someone-else"))
    err = await _rejected(verifier, token, "sub", nonce=None, expected_sub=SUB)
    assert SUB not in str(err) and "someone-else" not in str(err)


@pytest.mark.parametrize("missing", ["iss", "sub", "aud", "exp", "iat"])
async def test_missing_required_claim_is_rejected(
    verifier: IdTokenVerifier, jwks_route: respx.Route, missing: str
) -> None:
    await _rejected(verifier, RSA.sign(claims(**{missing: None})), missing)


async def test_claim_of_impossible_type_is_rejected(
    verifier: IdTokenVerifier, jwks_route: respx.Route
) -> None:
    err = await _rejected(verifier, RSA.sign(claims(email=["not", "a", "string"])), "claims")
    assert "email" in str(err)


async def test_claim_named_self_is_kept(verifier: IdTokenVerifier, jwks_route: respx.Route) -> None:
    c = await _verify(verifier, RSA.sign(claims(self="https://id.example.com/u/1")))
    assert c.model_extra == {"self": "https://id.example.com/u/1"}


@pytest.mark.parametrize(
    "token",
    ["", "not-a-jwt", "a.b", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.%%%.abc", "....."],
)
async def test_malformed_tokens_are_rejected_as_format(
    verifier: IdTokenVerifier, jwks_route: respx.Route, token: str
) -> None:
    with pytest.raises(IdTokenError) as info:
        await _verify(verifier, token)
    assert info.value.check in ("format", "alg")


async def test_es256_token_naming_an_rsa_kid_is_rejected(
    verifier: IdTokenVerifier, jwks_route: respx.Route
) -> None:
    # Algorithm confusion: the header names the RSA key's kid but signs with EC.
    await _rejected(verifier, EC.sign(claims(), kid=RSA.kid), "kid")


async def test_key_restricted_to_another_algorithm_is_not_used(
    verifier: IdTokenVerifier, router: respx.MockRouter
) -> None:
    router.get(JWKS_URI).mock(return_value=httpx.Response(200, json=jwks(RSA)))  # alg RS256
    await _rejected(verifier, RSA.sign(claims(), alg="PS256"), "kid")


async def test_no_jwks_uri_is_a_jwks_error(verifier: IdTokenVerifier) -> None:
    with raises_provider("jwks", match="jwks_uri"):
        await _verify(verifier, RSA.sign(claims()), md=metadata(jwks_uri=None))


def test_verifier_repr_shows_no_secret(clock: FakeClock) -> None:
    http = httpx.AsyncClient()
    v = IdTokenVerifier(
        client_id=CLIENT_ID, http_client=http, clock=clock, client_secret="s3cr3t", allow_hs256=True
    )
    assert "s3cr3t" not in repr(v)
    assert CLIENT_ID in repr(v)


async def test_verification_logs_no_token(
    verifier: IdTokenVerifier, jwks_route: respx.Route, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="lexoffice_auth")
    token = RSA.sign(claims())
    await _verify(verifier, token)
    await _rejected(verifier, with_payload(token, claims(sub="x")), "signature")
    assert "fetching JWKS" in caplog.text
    assert token.split(".")[2] not in caplog.text


# --- pure pieces ---


def test_at_hash_matches_the_published_examples() -> None:
    # OpenID Connect Core, Appendix A.3 (RS256).
    assert at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "RS256") == (
        "77QmUPtjPfzWtF2AnpK9RQ"
    )
    # Ed25519 uses SHA-512, left half.
    assert at_hash("dNZX1hEZ9wBCzNL40Upu646bdzQA", "EdDSA") == (
        "8xltSlOGYrWy8W9yNvRlEth1i_bXW-JROWPLvCv5zog"
    )
    assert len(at_hash("x", "ES512")) == 43  # 32 bytes of SHA-512
    assert len(at_hash("x", "EdDSA", "Ed448")) == 76  # 57 bytes of SHAKE256(114)


def test_allowed_algorithms() -> None:
    assert allowed_algorithms(metadata()) == {
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"
    }  # fmt: skip
    md = metadata(id_token_signing_alg_values_supported=["RS256", "HS256", "none", "ES256K"])
    assert allowed_algorithms(md) == {"RS256"}
    assert allowed_algorithms(md, allow_hmac=True) == {"RS256", "HS256"}


def test_check_claims_is_pure_and_uses_the_given_time() -> None:
    c = claims()
    kw: dict[str, Any] = {"issuer": ISSUER, "client_id": CLIENT_ID, "nonce": NONCE}
    assert check_claims(c, now=NOW, **kw).sub == SUB
    with pytest.raises(IdTokenError) as info:
        check_claims(c, now=NOW + 10_000, **kw)
    assert info.value.check == "exp"
    with pytest.raises(IdTokenError) as info:
        check_claims(c, now=NOW - 10_000, **kw)
    assert info.value.check == "iat"


@pytest.mark.parametrize(
    ("override", "check"),
    [
        ({"exp": "tomorrow"}, "exp"),
        ({"exp": True}, "exp"),
        ({"iat": float("inf")}, "iat"),
        ({"nbf": "soon"}, "nbf"),
        ({"aud": []}, "aud"),
        ({"aud": [CLIENT_ID, 7]}, "aud"),
        ({"sub": ""}, "sub"),
        ({"sub": 42}, "sub"),
        ({"auth_time": "yesterday"}, "auth_time"),
        ({"at_hash": 17}, "at_hash"),
    ],
)
def test_check_claims_rejects_bad_types(override: dict[str, Any], check: str) -> None:
    with pytest.raises(IdTokenError) as info:
        check_claims(
            claims(**override),
            issuer=ISSUER,
            client_id=CLIENT_ID,
            now=NOW,
            nonce=NONCE,
            alg="RS256",
            access_token=ACCESS_TOKEN,
        )
    assert info.value.check == check
