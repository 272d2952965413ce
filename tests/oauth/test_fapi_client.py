"""OAuthClient with PAR, DPoP, private_key_jwt and the FAPI 2.0 profile, against the shipped
sandbox (``FakeLexoffice``), which verifies every assertion and proof; see
tests/support/fapi_sandbox.py for the client it knows and the wire recorder."""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import jwt
import pytest

from lexoffice_auth import OAuthClient, PendingLogin
from lexoffice_auth._oauth.assertions import CLIENT_ASSERTION_TYPE, ClientKey
from lexoffice_auth._oauth.dpop import DPoPKey
from lexoffice_auth._oauth.idtoken import UserinfoDPoP, fetch_userinfo
from lexoffice_auth.errors import (
    AuthorizationDenied,
    ConfigurationError,
    LoginError,
    PushedAuthorizationError,
    TokenEndpointError,
)

from ..support.fapi_sandbox import (
    CLIENT_ID,
    CLIENT_KEY,
    KID,
    REDIRECT,
    Wire,
    form_of,
    log_in,
    sandbox,
    sandbox_metadata,
)

ISSUER = "https://auth.lexoffice-sandbox.test"


# --- PAR --------------------------------------------------------------------------------------


async def test_a_pushed_login_posts_every_parameter_and_the_browser_gets_only_the_reference() -> (
    None
):
    fake = sandbox()
    wire = Wire(fake)
    async with wire.oauth(par=True) as oauth:
        pending = await oauth.start_login(extra_params={"login_hint": "anna"})
    (push,) = wire.at("/par")
    assert push.response.status_code == 201  # the sandbox verified assertion and proof
    form = form_of(push.request)
    assertion = form.pop("client_assertion")
    assert form == {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "state": pending.state.get_secret_value(),
        "code_challenge": form["code_challenge"],
        "code_challenge_method": "S256",
        "scope": "profile.read",
        "login_hint": "anna",
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
    }
    assert jwt.get_unverified_header(assertion)["kid"] == KID
    assert "DPoP" in push.request.headers  # the code is bound to the key by the push's proof
    query = dict(parse_qsl(urlsplit(pending.authorization_url).query))
    assert set(query) == {"client_id", "request_uri"} and query["client_id"] == CLIENT_ID
    assert pending.authorization_url_expires_at == fake.clock() + 60


async def test_par_none_follows_the_provider_and_false_sends_everything_in_the_url() -> None:
    fake = sandbox()
    wire = Wire(fake)
    async with wire.oauth(par=None) as oauth:  # the metadata does not require PAR
        pending = await oauth.start_login()
        tokens = await oauth.complete_login(fake.approve(pending.authorization_url), pending)
    query = dict(parse_qsl(urlsplit(pending.authorization_url).query))
    assert "code_challenge" in query and "request_uri" not in query
    assert query["dpop_jkt"] == pending.dpop_jkt  # RFC 9449 §10: the code is bound by jkt
    assert fake.token_jkt(tokens.access_token.get_secret_value()) == pending.dpop_jkt
    assert not wire.at("/par")
    required = sandbox_metadata(fake, require_pushed_authorization_requests=True)
    async with wire.oauth(metadata=required) as oauth:
        pending = await oauth.start_login()
    assert "request_uri=" in pending.authorization_url


async def test_a_login_completes_through_par_with_dpop_and_private_key_jwt() -> None:
    fake = sandbox()
    wire = Wire(fake)
    async with wire.oauth(par=True) as oauth:
        tokens = await log_in(fake, oauth)
    assert tokens.token_type == "DPoP"
    assert tokens.dpop_key is not None
    assert fake.token_jkt(tokens.access_token.get_secret_value()) == tokens.dpop_key.jkt
    assert wire.refusals == []


async def test_an_expired_or_used_request_uri_is_a_clear_error() -> None:
    fake = sandbox()
    async with Wire(fake).oauth(par=True) as oauth:
        pending = await oauth.start_login()
        fake.approve(pending.authorization_url)  # the browser used it once
        callback = fake.approve(pending.authorization_url)  # and again
        with pytest.raises(AuthorizationDenied, match="expired or was used already") as info:
            await oauth.complete_login(callback, pending)
    assert info.value.error == "invalid_request_uri" and info.value.reason == "expired"


async def test_a_refused_push_is_a_pushed_authorization_error() -> None:
    fake = sandbox()
    wrong = ClientKey.load(ClientKey.generate("ES256").to_jwk(), kid=KID)
    async with Wire(fake).oauth(par=True, client_key=wrong) as oauth:
        with pytest.raises(PushedAuthorizationError, match="invalid_client") as info:
            await oauth.start_login()
    assert info.value.endpoint == "par" and info.value.status_code == 401
    assert "does not verify with the client's registered key" in str(info.value)


async def test_par_without_an_endpoint_is_a_configuration_error() -> None:
    fake = sandbox()
    metadata = sandbox_metadata(fake, pushed_authorization_request_endpoint=None)
    async with Wire(fake).oauth(par=True, metadata=metadata) as oauth:
        with pytest.raises(ConfigurationError, match="no pushed_authorization_request_endpoint"):
            await oauth.start_login()


# --- DPoP at the authorization server ---------------------------------------------------------


@pytest.mark.parametrize("par", [True, False])
async def test_token_and_par_requests_carry_a_fresh_proof(par: bool) -> None:
    fake = sandbox()
    wire = Wire(fake)
    async with wire.oauth(par=par) as oauth:
        tokens = await log_in(fake, oauth)
        await oauth.refresh(tokens)
    proofs = wire.proofs()
    paths = [path.rsplit("/", 1)[-1] for path, _ in proofs]
    assert paths == (["par"] if par else []) + ["token", "token"]
    for path, claims in proofs:
        assert claims["htm"] == "POST" and claims["htu"] == f"{fake.issuer}{path}"
        assert "ath" not in claims
    assert len({claims["jti"] for _, claims in proofs}) == len(proofs)
    assert wire.refusals == []  # the sandbox accepted each (it refuses a replayed jti)


@pytest.mark.parametrize("par", [True, False])
async def test_a_nonce_challenge_is_answered_once_without_using_up_the_code(par: bool) -> None:
    fake = sandbox(dpop_nonces=True)
    wire = Wire(fake)
    async with wire.oauth(par=par) as oauth:
        pending = await oauth.start_login()
        callback = fake.approve(pending.authorization_url)
        tokens = await oauth.complete_login(callback, pending)
        fake.rotate_dpop_nonces()
        refreshed = await oauth.refresh(tokens)
    challenged = [path for path, error in wire.refusals if error == "use_dpop_nonce"]
    # The first request of each endpoint learns the nonce; the refresh after the rotation
    # learns the new one; each is answered by exactly one retry.
    assert challenged == (["par"] if par else ["token"]) + ["token"]
    assert refreshed.token_type == "DPoP" and refreshed.dpop_key == tokens.dpop_key
    nonces = [claims.get("nonce") for _, claims in wire.proofs()]
    assert nonces[-1] == fake.dpop_nonce("provider")


async def test_a_second_nonce_challenge_in_a_row_is_not_retried_again() -> None:
    fake = sandbox(dpop_nonces=True)

    def always_a_new_nonce(request: httpx.Request) -> None:
        fake.rotate_dpop_nonces()

    wire = Wire(fake, before=always_a_new_nonce)
    async with wire.oauth(par=True) as oauth:
        with pytest.raises(PushedAuthorizationError, match="use_dpop_nonce"):
            await oauth.start_login()
    assert wire.refusals == [("par", "use_dpop_nonce"), ("par", "use_dpop_nonce")]


async def test_fapi2_refuses_a_bearer_token() -> None:
    fake = sandbox()

    def as_bearer(request: httpx.Request, response: httpx.Response) -> httpx.Response | None:
        # A provider that ignores the proof and hands out a Bearer token.
        if not request.url.path.endswith("/token") or response.status_code != 200:
            return None
        return httpx.Response(200, json={**response.json(), "token_type": "Bearer"})

    async with Wire(fake, after=as_bearer).oauth(profile="fapi2") as oauth:
        pending = await oauth.start_login()
        callback = fake.approve(pending.authorization_url)
        with pytest.raises(TokenEndpointError, match="requires sender-constrained"):
            await oauth.complete_login(callback, pending)


# --- private_key_jwt and client_secret_jwt -------------------------------------------------------


async def test_every_request_has_a_fresh_assertion_for_the_issuer() -> None:
    fake = sandbox()
    wire = Wire(fake)
    async with wire.oauth(par=True) as oauth:
        tokens = await log_in(fake, oauth)
        tokens = await oauth.refresh(tokens)
        await oauth.revoke(tokens)
    assert wire.refusals == []  # the sandbox verified each: key, iss = sub, aud, exp, jti
    # Verified again here: the signature, and aud = the issuer exactly (FAPI 2.0).
    assertions = wire.assertions(fake.issuer)
    assert len(assertions) == 5  # PAR, code, refresh, 2 revocations
    assert len({claims["jti"] for claims in assertions}) == 5
    assert all(claims["exp"] - claims["iat"] == 60 for claims in assertions)
    revocations = [e.request for e in wire.at("/revoke")]
    assert [form_of(r)["client_assertion_type"] for r in revocations] == [CLIENT_ASSERTION_TYPE] * 2
    assert all("DPoP" not in r.headers for r in revocations)
    assert not fake.token_is_live(tokens.access_token.get_secret_value())


async def test_client_secret_jwt_signs_with_the_secret() -> None:
    secret = secrets.token_urlsafe(40)
    fake = sandbox()
    fake.register_client(
        "hmac-app", [REDIRECT], secret, token_endpoint_auth_method="client_secret_jwt"
    )
    wire = Wire(fake)
    async with wire.oauth(
        client_id="hmac-app",
        client_key=None,
        client_secret=secret,
        token_endpoint_auth_method="client_secret_jwt",
        par=True,
    ) as oauth:
        await log_in(fake, oauth)
    assert [e.response.status_code for e in wire.exchanges] == [201, 200]  # PAR, token
    for exchange in wire.exchanges:
        assertion = form_of(exchange.request)["client_assertion"]
        claims = jwt.decode(
            assertion,
            secret,
            algorithms=["HS256"],
            audience=fake.issuer,
            options={"verify_exp": False},  # the sandbox's clock, not this machine's
        )
        assert claims["iss"] == claims["sub"] == "hmac-app"


def test_a_short_secret_for_client_secret_jwt_is_refused_early() -> None:
    with pytest.raises(ConfigurationError, match="at least 32 bytes") as info:
        OAuthClient(
            CLIENT_ID,
            REDIRECT,
            issuer=ISSUER,
            client_secret="short-secret",
            token_endpoint_auth_method="client_secret_jwt",
        )
    assert "short-secret" not in str(info.value)


@pytest.mark.parametrize(
    ("client_key", "problem"),
    [
        ({**CLIENT_KEY.to_jwk(), "d": "AAAA"}, "not a valid EC private key"),
        (CLIENT_KEY.public_jwk, "public JWK"),
        ("-----BEGIN PRIVATE KEY-----\nnot-a-key\n-----END PRIVATE KEY-----", "not a PEM"),
        ('{"kty": "EC", "d": ', "not valid"),
        (42, "must be a JWK"),
    ],
)
def test_a_bad_client_key_fails_when_the_client_is_built(client_key: Any, problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem) as info:
        OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER, client_key=client_key)
    assert CLIENT_KEY.to_jwk()["d"] not in str(info.value)


def test_a_client_key_loads_from_pem_and_is_never_shown() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    oauth = OAuthClient(CLIENT_ID, REDIRECT, issuer=ISSUER, client_key=pem)
    assert oauth.config.token_endpoint_auth_method == "private_key_jwt"
    assert isinstance(oauth.config.client_key, ClientKey)
    assert "PRIVATE" not in repr(oauth) and "PRIVATE" not in repr(oauth.config)


def test_private_key_jwt_needs_a_key_and_a_key_needs_private_key_jwt() -> None:
    with pytest.raises(ConfigurationError, match="needs client_key"):
        OAuthClient(
            CLIENT_ID, REDIRECT, issuer=ISSUER, token_endpoint_auth_method="private_key_jwt"
        )
    with pytest.raises(ConfigurationError, match="client_key is for private_key_jwt"):
        OAuthClient(
            CLIENT_ID,
            REDIRECT,
            issuer=ISSUER,
            client_key=CLIENT_KEY,
            client_secret="s",
            token_endpoint_auth_method="client_secret_basic",
        )


# --- the DPoP key of a login -------------------------------------------------------------------


async def test_a_dpop_login_keeps_its_key_only_sealed() -> None:
    fake = sandbox()
    async with Wire(fake).oauth(par=True) as oauth:
        pending = await oauth.start_login()
        assert pending.dpop_key is not None and pending.dpop_jkt == pending.dpop_key.jkt
        private = pending.dpop_key.to_jwk()["d"]
        assert private not in repr(pending) and private not in pending.model_dump_json()
        with pytest.raises(ConfigurationError, match="seal"):
            pending.to_json()
        key = secrets.token_urlsafe(32)
        sealed = pending.seal(key)
        assert private not in sealed
        opened = PendingLogin.unseal(sealed, key)
        assert opened == pending and opened.dpop_key == pending.dpop_key
        tokens = await oauth.complete_login(fake.approve(opened.authorization_url), opened)
    assert tokens.dpop_key == pending.dpop_key


async def test_the_provider_s_algorithm_list_chooses_the_key() -> None:
    fake = sandbox()
    metadata = sandbox_metadata(fake, dpop_signing_alg_values_supported=["EdDSA"])
    wire = Wire(fake)
    async with wire.oauth(metadata=metadata, par=True) as oauth:
        tokens = await log_in(fake, oauth)
    assert tokens.dpop_key is not None and tokens.dpop_key.alg == "EdDSA"
    assert fake.token_jkt(tokens.access_token.get_secret_value()) == tokens.dpop_key.jkt
    algs = {jwt.get_unverified_header(e.request.headers["DPoP"])["alg"] for e in wire.exchanges}
    assert algs == {"EdDSA"}


async def test_a_client_wide_dpop_key_is_used_and_not_kept_in_the_login() -> None:
    fake = sandbox()
    key = DPoPKey.generate()
    wire = Wire(fake)
    async with wire.oauth(dpop=key, par=False) as oauth:
        pending = await oauth.start_login()
        assert pending.dpop_jwk is None and pending.dpop_jkt == key.jkt
        pending = PendingLogin.from_json(pending.to_json())  # nothing secret to refuse
        tokens = await oauth.complete_login(fake.approve(pending.authorization_url), pending)
    assert tokens.dpop_key == key
    assert fake.token_jkt(tokens.access_token.get_secret_value()) == key.jkt
    async with wire.oauth(dpop=DPoPKey.generate()) as other:
        with pytest.raises(LoginError, match="another dpop= key") as info:
            await other.complete_login(f"{REDIRECT}?code=x", pending)
    assert info.value.reason == "client"


async def test_userinfo_with_a_dpop_token_proves_the_key_and_answers_the_nonce() -> None:
    fake = sandbox(dpop_nonces=True)
    wire = Wire(fake)
    oauth = wire.oauth(par=True, scopes=("openid", "profile.read"))
    async with oauth, wire.http() as http:
        tokens = await log_in(fake, oauth)
        assert tokens.dpop_key is not None
        fake.rotate_dpop_nonces()  # the nonce the login learnt is stale now
        info = await fetch_userinfo(
            http,
            sandbox_metadata(fake),
            tokens.access_token.get_secret_value(),
            fake.current_user.sub,
            dpop=UserinfoDPoP(tokens.dpop_key, oauth._tokens.nonces, fake.clock),
        )
    assert info["sub"] == fake.current_user.sub
    assert [e.error for e in wire.at("/userinfo")] == ["use_dpop_nonce", None]
    (_, claims), (_, retried) = wire.proofs("/userinfo")
    assert retried["nonce"] == fake.dpop_nonce("provider") != claims["nonce"]
    assert retried["ath"] and retried["htm"] == "GET"


# --- the FAPI 2.0 profile -----------------------------------------------------------------------

_MISSING = {
    "par": {"pushed_authorization_request_endpoint": None},
    "pkce_s256": {"code_challenge_methods_supported": ["plain"]},
    "sender_constraint": {"dpop_signing_alg_values_supported": None},
    "client_auth": {"token_endpoint_auth_methods_supported": ["client_secret_basic"]},
    "signing_alg": {"token_endpoint_auth_signing_alg_values_supported": ["RS256"]},
    "iss_parameter": {"authorization_response_iss_parameter_supported": None},
}


@pytest.mark.parametrize("missing", sorted(_MISSING))
async def test_the_fapi2_profile_names_what_the_provider_lacks(missing: str) -> None:
    fake = sandbox()
    metadata = sandbox_metadata(fake, **_MISSING[missing])
    async with Wire(fake).oauth(metadata=metadata, profile="fapi2") as oauth:
        with pytest.raises(ConfigurationError, match="fapi2 profile cannot be met") as info:
            await oauth.start_login()
    assert f"{missing}:" in str(info.value)
    assert fake.requests == []  # refused before anything was sent


async def test_the_fapi2_profile_names_every_missing_requirement_at_once() -> None:
    fake = sandbox()
    changes = {k: v for change in _MISSING.values() for k, v in change.items()}
    metadata = sandbox_metadata(fake, **changes)
    async with Wire(fake).oauth(metadata=metadata, profile="fapi2") as oauth:
        with pytest.raises(ConfigurationError, match=r"\(6 requirements\)") as info:
            await oauth.metadata()
    for name in _MISSING:
        assert f"{name}:" in str(info.value)


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"par": False}, "par=False"),
        ({"dpop": False}, "dpop=False"),
        ({"client_key": None, "client_secret": "s"}, "requires private_key_jwt"),
    ],
)
def test_the_fapi2_profile_accepts_nothing_weaker(options: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        Wire(sandbox()).oauth(profile="fapi2", **options)


async def test_the_fapi2_profile_requires_iss_on_the_callback() -> None:
    fake = sandbox(profile="fapi2")
    async with Wire(fake).oauth(profile="fapi2") as oauth:
        assert oauth.config.par is True and oauth.config.dpop is True
        pending = await oauth.start_login()
        callback = fake.approve(pending.authorization_url)
        without_iss = httpx.URL(callback).copy_remove_param("iss")
        with pytest.raises(LoginError, match="iss") as info:
            await oauth.complete_login(str(without_iss), pending)
    assert info.value.reason == "iss"


async def test_the_fapi2_profile_logs_in_end_to_end() -> None:
    fake = sandbox(profile="fapi2", dpop_nonces=True)
    wire = Wire(fake)
    async with wire.oauth(profile="fapi2", metadata=None, issuer=fake.issuer) as oauth:
        tokens = await log_in(fake, oauth)
        refreshed = await oauth.refresh(tokens)
    pushes = wire.at("/par")
    assert [e.error for e in pushes] == ["use_dpop_nonce", None]  # the nonce learnt once
    assert refreshed.token_type == "DPoP" and refreshed.dpop_key == tokens.dpop_key
    assert fake.token_jkt(refreshed.access_token.get_secret_value()) == tokens.dpop_key.jkt  # type: ignore[union-attr]
    assert json.loads(refreshed.to_json())["dpop_jwk"] == tokens.dpop_key.to_jwk()  # type: ignore[union-attr]
