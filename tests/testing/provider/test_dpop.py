"""DPoP at the token endpoint (RFC 9449 §4.3, §5): each check accepts and refuses."""

from __future__ import annotations

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from lexoffice_auth.testing import FakeClock, FakeLexoffice

from .helpers import NOW, PUBLIC_CLIENT, REDIRECT, Key, b64, code_for, exchange, token_url


def _error(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["error"], body["error_description"]


def _refresh(
    http: httpx.Client, fake: FakeLexoffice, refresh_token: str, proof: str | None
) -> httpx.Response:
    data = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": PUBLIC_CLIENT,
    }
    return http.post(token_url(fake), data=data, headers={"DPoP": proof} if proof else {})


def test_a_proof_binds_the_tokens_to_its_key(http: httpx.Client, fake: FakeLexoffice) -> None:
    key = Key()
    answer = exchange(http, fake, code_for(http, fake), proof=key.proof("POST", token_url(fake)))
    body = answer.json()
    assert answer.status_code == 200, body
    assert body["token_type"] == "DPoP"
    assert fake.token_jkt(body["access_token"]) == key.jkt
    # A public client's refresh token is bound to the same key (RFC 9449 §5).
    assert fake.token_jkt(body["refresh_token"]) == key.jkt


def test_without_a_proof_the_tokens_are_bearer(http: httpx.Client, fake: FakeLexoffice) -> None:
    body = exchange(http, fake, code_for(http, fake)).json()
    assert body["token_type"] == "Bearer"
    assert fake.token_jkt(body["access_token"]) is None


def test_a_replayed_proof_is_refused_and_spends_nothing(
    http: httpx.Client, fake: FakeLexoffice
) -> None:
    key = Key()
    proof = key.proof("POST", token_url(fake))
    first = exchange(http, fake, code_for(http, fake), proof=proof).json()
    replay = _refresh(http, fake, first["refresh_token"], proof)
    assert _error(replay) == (400, "invalid_dpop_proof", "the proof was used before (jti replayed)")
    assert fake.token_is_live(first["refresh_token"])
    again = _refresh(http, fake, first["refresh_token"], key.proof("POST", token_url(fake)))
    assert again.status_code == 200


@pytest.mark.parametrize(
    ("htm", "path", "why"),
    [
        ("POST", "/oauth2/par", "htu does not match the request's URL"),
        ("GET", "/oauth2/token", "htm does not match the request's method"),
    ],
)
def test_a_proof_for_another_request_is_refused(
    http: httpx.Client, fake: FakeLexoffice, htm: str, path: str, why: str
) -> None:
    proof = Key().proof(htm, fake.issuer + path)
    answer = exchange(http, fake, code_for(http, fake), proof=proof)
    assert _error(answer) == (400, "invalid_dpop_proof", why)


def test_the_htu_is_compared_normalized(http: httpx.Client, fake: FakeLexoffice) -> None:
    htu = token_url(fake).replace("https://auth.", "HTTPS://AUTH.").replace("/token", "/x/../token")
    answer = exchange(http, fake, code_for(http, fake), proof=Key().proof("POST", htu + "?q=1"))
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("iat", [NOW - 61, NOW + 11])
def test_a_proof_from_another_time_is_refused(
    http: httpx.Client, fake: FakeLexoffice, iat: float
) -> None:
    answer = exchange(
        http, fake, code_for(http, fake), proof=Key().proof("POST", token_url(fake), iat=iat)
    )
    assert _error(answer)[1:] == ("invalid_dpop_proof", "iat is too far from the server's time")


def test_the_sandbox_clock_decides_the_proof_time(
    http: httpx.Client, fake: FakeLexoffice, clock: FakeClock
) -> None:
    clock.advance(3600)
    late = Key().proof("POST", token_url(fake), iat=NOW + 3600)
    assert exchange(http, fake, code_for(http, fake), proof=late).status_code == 200


def test_malformed_proofs_are_refused(http: httpx.Client, fake: FakeLexoffice) -> None:
    key, other = Key(), Key()
    url = token_url(fake)
    claims = {"jti": "j", "htm": "POST", "htu": url, "iat": int(NOW)}
    private_jwk = jwt.algorithms.ECAlgorithm.to_jwk(key.private, as_dict=True)
    cases = {
        "typ must be dpop+jwt": key.proof("POST", url, headers={"typ": "JWT"}),
        "alg must be one of": jwt.encode(
            claims, "k" * 32, algorithm="HS256", headers={"typ": "dpop+jwt", "jwk": {}}
        ),
        "the header must carry the public key as jwk": jwt.encode(
            claims, key.private, algorithm="ES256", headers={"typ": "dpop+jwt"}
        ),
        "the jwk must be a public key": key.proof("POST", url, headers={"jwk": private_jwk}),
        # Signed by one key, naming another: the signature does not verify.
        "the proof does not verify": jwt.encode(
            claims,
            other.private,
            algorithm="ES256",
            headers={"typ": "dpop+jwt", "jwk": key.public_jwk},
        ),
        "the DPoP header is not a JWS": "not-a-jwt",
    }
    for why, proof in cases.items():
        answer = exchange(http, fake, code_for(http, fake), proof=proof)
        status, error, description = _error(answer)
        assert (status, error) == (400, "invalid_dpop_proof"), why
        assert description.startswith(why)


@pytest.mark.parametrize(
    "proof",
    [
        "a.b",  # two segments
        "!!!.e30.sig",  # no base64url header
        b64(b"[1]") + ".e30.sig",  # JSON, but no object
        b64(b"\xff\xfe") + ".e30.sig",  # no UTF-8
        b64(b'{"typ": "dpop+jwt"') + ".e30.sig",  # no JSON
    ],
)
def test_a_proof_whose_header_is_no_jose_header_is_not_a_jws(
    http: httpx.Client, fake: FakeLexoffice, proof: str
) -> None:
    answer = exchange(http, fake, code_for(http, fake), proof=proof)
    assert _error(answer) == (400, "invalid_dpop_proof", "the DPoP header is not a JWS")


def test_two_proofs_are_refused(http: httpx.Client, fake: FakeLexoffice) -> None:
    key = Key()
    url = token_url(fake)
    headers = [("DPoP", key.proof("POST", url)), ("DPoP", key.proof("POST", url))]
    data = {
        "grant_type": "authorization_code",
        "code": code_for(http, fake),
        "redirect_uri": REDIRECT,
        "code_verifier": "v" * 50,
        "client_id": PUBLIC_CLIENT,
    }
    answer = http.post(url, data=data, headers=headers)
    assert _error(answer) == (400, "invalid_dpop_proof", "send exactly one DPoP header")


def test_a_bound_refresh_token_needs_its_own_key(http: httpx.Client, fake: FakeLexoffice) -> None:
    key = Key()
    url = token_url(fake)
    first = exchange(http, fake, code_for(http, fake), proof=key.proof("POST", url)).json()
    stolen = _refresh(http, fake, first["refresh_token"], Key().proof("POST", url))
    assert _error(stolen) == (
        400,
        "invalid_grant",
        "the refresh token is bound to another DPoP key",
    )
    bare = _refresh(http, fake, first["refresh_token"], None)
    assert _error(bare)[:2] == (400, "invalid_dpop_proof")
    good = _refresh(http, fake, first["refresh_token"], key.proof("POST", url))
    assert good.status_code == 200
    assert good.json()["token_type"] == "DPoP"
    assert fake.token_jkt(good.json()["refresh_token"]) == key.jkt


def test_a_confidential_clients_refresh_token_is_not_bound(
    http: httpx.Client, fake: FakeLexoffice
) -> None:
    fake.register_client(
        "shop", [REDIRECT], "s3cret", token_endpoint_auth_method="client_secret_post"
    )
    url = token_url(fake)
    code = code_for(http, fake, client_id="shop")
    first = exchange(
        http, fake, code, proof=Key().proof("POST", url), client_id="shop", client_secret="s3cret"
    ).json()
    assert fake.token_jkt(first["refresh_token"]) is None
    data = {
        "grant_type": "refresh_token",
        "refresh_token": first["refresh_token"],
        "client_id": "shop",
        "client_secret": "s3cret",
    }
    other = Key()
    answer = http.post(url, data=data, headers={"DPoP": other.proof("POST", url)})
    assert answer.status_code == 200
    assert fake.token_jkt(answer.json()["access_token"]) == other.jkt


def test_dpop_jkt_binds_the_code_to_a_key(http: httpx.Client, fake: FakeLexoffice) -> None:
    key = Key()
    url = token_url(fake)
    code = code_for(http, fake, dpop_jkt=key.jkt)
    assert exchange(http, fake, code, proof=key.proof("POST", url)).status_code == 200
    code = code_for(http, fake, dpop_jkt=key.jkt)
    answer = exchange(http, fake, code, proof=Key().proof("POST", url))
    assert _error(answer)[:2] == (400, "invalid_dpop_proof")
    code = code_for(http, fake, dpop_jkt=key.jkt)
    assert _error(exchange(http, fake, code))[:2] == (400, "invalid_dpop_proof")


def test_a_malformed_dpop_jkt_is_refused(http: httpx.Client, fake: FakeLexoffice) -> None:
    from .helpers import authorization_params, callback

    answer = http.get(
        f"{fake.issuer}/oauth2/authorize", params=authorization_params(dpop_jkt="short")
    )
    assert callback(answer)["error"] == "invalid_request"


def test_require_dpop_refuses_token_requests_without_a_proof(clock: FakeClock) -> None:
    fake = FakeLexoffice(clock=clock, require_dpop=True)
    with httpx.Client(transport=fake.transport()) as http:
        refused = exchange(http, fake, code_for(http, fake))
        assert _error(refused) == (400, "invalid_dpop_proof", "a DPoP proof is required (RFC 9449)")
        proof = Key().proof("POST", token_url(fake))
        assert exchange(http, fake, code_for(http, fake), proof=proof).status_code == 200


def test_a_client_registered_for_dpop_needs_a_proof(
    http: httpx.Client, fake: FakeLexoffice
) -> None:
    fake.register_client("dpop-app", [REDIRECT], dpop_bound_access_tokens=True)
    code = code_for(http, fake, client_id="dpop-app")
    assert _error(exchange(http, fake, code, client_id="dpop-app"))[:2] == (
        400,
        "invalid_dpop_proof",
    )


def test_proofs_by_other_key_types_verify(http: httpx.Client, fake: FakeLexoffice) -> None:
    key = Key(private=ec.generate_private_key(ec.SECP384R1()))
    claims = {"jti": "p384", "htm": "POST", "htu": token_url(fake), "iat": int(NOW)}
    proof = jwt.encode(
        claims, key.private, algorithm="ES384", headers={"typ": "dpop+jwt", "jwk": key.public_jwk}
    )
    assert exchange(http, fake, code_for(http, fake), proof=proof).status_code == 200
