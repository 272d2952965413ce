"""OAuthClient with PAR, DPoP, private_key_jwt and the FAPI 2.0 profile, against a strict
in-process provider (tests/support/fapi_provider.py) that verifies every assertion and proof."""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

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

from ..support.fapi_provider import (
    CLIENT_ID,
    CLIENT_KEY,
    ISSUER,
    KID,
    REDIRECT,
    FapiProvider,
    fapi_metadata,
)
from ..support.refresh_sandbox import frozen_clock


def _form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


async def _login(provider: FapiProvider, oauth: OAuthClient) -> Any:
    pending = await oauth.start_login()
    return await oauth.complete_login(provider.approve(pending.authorization_url), pending)


# --- PAR --------------------------------------------------------------------------------------


async def test_a_pushed_login_posts_every_parameter_and_the_browser_gets_only_the_reference() -> (
    None
):
    provider = FapiProvider(frozen_clock())
    async with provider.oauth(par=True) as oauth:
        pending = await oauth.start_login(extra_params={"login_hint": "anna"})
    (push,) = [r for r in provider.requests if r.url.path == "/par"]
    form = _form(push)
    assertion = form.pop("client_assertion")
    assert form == {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "state": pending.state.get_secret_value(),
        "code_challenge": form["code_challenge"],
        "code_challenge_method": "S256",
        "scope": "accounts",
        "login_hint": "anna",
        "client_assertion_type": CLIENT_ASSERTION_TYPE,
    }
    assert jwt.get_unverified_header(assertion)["kid"] == KID
    assert "DPoP" in push.headers  # the code is bound to the key by the push's proof
    query = dict(parse_qsl(urlsplit(pending.authorization_url).query))
    assert set(query) == {"client_id", "request_uri"} and query["client_id"] == CLIENT_ID
    assert pending.authorization_url_expires_at == provider.clock() + 60


async def test_par_none_follows_the_provider_and_false_sends_everything_in_the_url() -> None:
    provider = FapiProvider(frozen_clock())
    async with provider.oauth(par=None) as oauth:  # the metadata does not require PAR
        pending = await oauth.start_login()
    query = dict(parse_qsl(urlsplit(pending.authorization_url).query))
    assert "code_challenge" in query and "request_uri" not in query
    assert query["dpop_jkt"] == pending.dpop_jkt  # RFC 9449 §10: the code is bound by jkt
    assert not [r for r in provider.requests if r.url.path == "/par"]
    required = fapi_metadata(require_pushed_authorization_requests=True)
    async with provider.oauth(metadata=required) as oauth:
        pending = await oauth.start_login()
    assert "request_uri=" in pending.authorization_url


async def test_a_login_completes_through_par_with_dpop_and_private_key_jwt() -> None:
    provider = FapiProvider(frozen_clock())
    async with provider.oauth(par=True) as oauth:
        tokens = await _login(provider, oauth)
    assert tokens.token_type == "DPoP"
    assert tokens.dpop_key is not None
    bound = provider.access[tokens.access_token.get_secret_value()].jkt
    assert bound == tokens.dpop_key.jkt


async def test_an_expired_or_used_request_uri_is_a_clear_error() -> None:
    provider = FapiProvider(frozen_clock())
    async with provider.oauth(par=True) as oauth:
        pending = await oauth.start_login()
        provider.approve(pending.authorization_url)  # the browser used it once
        callback = provider.approve(pending.authorization_url)  # and again
        callback += "&state=" + pending.state.get_secret_value()
        with pytest.raises(AuthorizationDenied, match="expired or was used already") as info:
            await oauth.complete_login(callback, pending)
    assert info.value.error == "invalid_request_uri" and info.value.reason == "expired"


async def test_a_refused_push_is_a_pushed_authorization_error() -> None:
    provider = FapiProvider(frozen_clock())
    wrong = ClientKey.load(ClientKey.generate("ES256").to_jwk(), kid=KID)
    async with provider.oauth(par=True, client_key=wrong) as oauth:
        with pytest.raises(PushedAuthorizationError, match="invalid_client") as info:
            await oauth.start_login()
    assert info.value.endpoint == "par" and info.value.status_code == 401


async def test_par_without_an_endpoint_is_a_configuration_error() -> None:
    provider = FapiProvider(frozen_clock())
    metadata = fapi_metadata(pushed_authorization_request_endpoint=None)
    async with provider.oauth(par=True, metadata=metadata) as oauth:
        with pytest.raises(ConfigurationError, match="no pushed_authorization_request_endpoint"):
            await oauth.start_login()


# --- DPoP at the authorization server ---------------------------------------------------------


@pytest.mark.parametrize("par", [True, False])
async def test_token_and_par_requests_carry_a_fresh_proof(par: bool) -> None:
    provider = FapiProvider(frozen_clock())
    async with provider.oauth(par=par) as oauth:
        tokens = await _login(provider, oauth)
        await oauth.refresh(tokens)
    paths = [path for path, _ in provider.proofs]
    assert paths == (["/par"] if par else []) + ["/token", "/token"]
    for path, claims in provider.proofs:
        assert claims["htm"] == "POST" and claims["htu"] == f"{ISSUER}{path}"
        assert "ath" not in claims
    assert len(set(provider.proof_jtis())) == len(provider.proofs)


@pytest.mark.parametrize("par", [True, False])
async def test_a_nonce_challenge_is_answered_once_without_using_up_the_code(par: bool) -> None:
    provider = FapiProvider(frozen_clock(), require_nonce=True)
    async with provider.oauth(par=par) as oauth:
        pending = await oauth.start_login()
        callback = provider.approve(pending.authorization_url)
        tokens = await oauth.complete_login(callback, pending)
        provider.rotate_nonce()
        refreshed = await oauth.refresh(tokens)
    challenged = [path for path, error in provider.refusals if error == "use_dpop_nonce"]
    # The first request of each endpoint learns the nonce; the refresh after the rotation
    # learns the new one; each is answered by exactly one retry.
    assert challenged == (["/par"] if par else ["/token"]) + ["/token"]
    assert refreshed.token_type == "DPoP" and refreshed.dpop_key == tokens.dpop_key
    nonces = [claims.get("nonce") for _, claims in provider.proofs]
    assert nonces[-1] == provider.nonce


async def test_a_second_nonce_challenge_in_a_row_is_not_retried_again() -> None:
    provider = FapiProvider(frozen_clock(), require_nonce=True)

    async def always_a_new_nonce(request: httpx.Request) -> httpx.Response:
        provider.rotate_nonce()
        return await provider.handle(request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(always_a_new_nonce))
    async with provider.oauth(http=http, par=True) as oauth:
        with pytest.raises(PushedAuthorizationError, match="use_dpop_nonce"):
            await oauth.start_login()
    assert [r.url.path for r in provider.requests] == ["/par", "/par"]


async def test_fapi2_refuses_a_bearer_token() -> None:
    provider = FapiProvider(frozen_clock())
    async with provider.oauth(profile="fapi2") as oauth:
        pending = await oauth.start_login()
        callback = provider.approve(pending.authorization_url)
        provider.codes[parse_qs(urlsplit(callback).query)["code"][0]].jkt = None
        original = provider._issue
        provider._issue = lambda jkt, refresh=True: original(None, refresh)  # type: ignore[method-assign]
        with pytest.raises(TokenEndpointError, match="requires sender-constrained"):
            await oauth.complete_login(callback, pending)


# --- private_key_jwt and client_secret_jwt -------------------------------------------------------


async def test_every_request_has_a_fresh_assertion_for_the_issuer() -> None:
    provider = FapiProvider(frozen_clock())
    async with provider.oauth(par=True) as oauth:
        tokens = await _login(provider, oauth)
        tokens = await oauth.refresh(tokens)
        await oauth.revoke(tokens)
    # The provider verified each with the public key: signature, iss = sub, aud, expiry.
    assert len(provider.assertions) == 5  # PAR, code, refresh, 2 revocations
    assert {claims["aud"] for claims in provider.assertions} == {ISSUER}
    assert len({claims["jti"] for claims in provider.assertions}) == 5
    assert all(claims["exp"] - claims["iat"] == 60 for claims in provider.assertions)
    revocations = [r for r in provider.requests if r.url.path == "/revoke"]
    assert [_form(r)["client_assertion_type"] for r in revocations] == [CLIENT_ASSERTION_TYPE] * 2
    assert all("DPoP" not in r.headers for r in revocations)


async def test_client_secret_jwt_signs_with_the_secret() -> None:
    secret = secrets.token_urlsafe(40)
    provider = FapiProvider(frozen_clock(), client_secret=secret)
    async with provider.oauth(
        client_key=None,
        client_secret=secret,
        token_endpoint_auth_method="client_secret_jwt",
        par=True,
    ) as oauth:
        await _login(provider, oauth)
    assert len(provider.assertions) == 2


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
    provider = FapiProvider(frozen_clock())
    async with provider.oauth(par=True) as oauth:
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
        tokens = await oauth.complete_login(provider.approve(opened.authorization_url), opened)
    assert tokens.dpop_key == pending.dpop_key


async def test_the_provider_s_algorithm_list_chooses_the_key() -> None:
    provider = FapiProvider(frozen_clock())
    metadata = fapi_metadata(dpop_signing_alg_values_supported=["EdDSA"])
    async with provider.oauth(metadata=metadata, par=True) as oauth:
        tokens = await _login(provider, oauth)
    assert tokens.dpop_key is not None and tokens.dpop_key.alg == "EdDSA"


async def test_a_client_wide_dpop_key_is_used_and_not_kept_in_the_login() -> None:
    provider = FapiProvider(frozen_clock())
    key = DPoPKey.generate()
    async with provider.oauth(dpop=key, par=False) as oauth:
        pending = await oauth.start_login()
        assert pending.dpop_jwk is None and pending.dpop_jkt == key.jkt
        pending = PendingLogin.from_json(pending.to_json())  # nothing secret to refuse
        tokens = await oauth.complete_login(provider.approve(pending.authorization_url), pending)
    assert tokens.dpop_key == key
    async with provider.oauth(dpop=DPoPKey.generate()) as other:
        with pytest.raises(LoginError, match="another dpop= key") as info:
            await other.complete_login("https://app.example/cb?code=x", pending)
    assert info.value.reason == "client"


async def test_userinfo_with_a_dpop_token_proves_the_key_and_answers_the_nonce() -> None:
    provider = FapiProvider(frozen_clock(), require_rs_nonce=True)
    async with provider.oauth(par=True) as oauth, provider.http() as http:
        tokens = await _login(provider, oauth)
        assert tokens.dpop_key is not None
        nonces = oauth._tokens.nonces
        info = await fetch_userinfo(
            http,
            fapi_metadata(),
            tokens.access_token.get_secret_value(),
            "user-1",
            dpop=UserinfoDPoP(tokens.dpop_key, nonces, provider.clock),
        )
    assert info == {"sub": "user-1"}
    assert [e for p, e in provider.refusals if p == "/userinfo"] == ["use_dpop_nonce"]
    assert provider.proofs[-1][1]["nonce"] == provider.rs_nonce


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
    provider = FapiProvider(frozen_clock())
    metadata = fapi_metadata(**_MISSING[missing])
    async with provider.oauth(metadata=metadata, profile="fapi2") as oauth:
        with pytest.raises(ConfigurationError, match="fapi2 profile cannot be met") as info:
            await oauth.start_login()
    assert f"{missing}:" in str(info.value)
    assert provider.requests == []  # refused before anything was sent


async def test_the_fapi2_profile_names_every_missing_requirement_at_once() -> None:
    provider = FapiProvider(frozen_clock())
    metadata = fapi_metadata(**{k: v for change in _MISSING.values() for k, v in change.items()})
    async with provider.oauth(metadata=metadata, profile="fapi2") as oauth:
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
    provider = FapiProvider(frozen_clock())
    with pytest.raises(ConfigurationError, match=named):
        provider.oauth(profile="fapi2", **options)


async def test_the_fapi2_profile_requires_iss_on_the_callback() -> None:
    provider = FapiProvider(frozen_clock())
    metadata = fapi_metadata()
    async with provider.oauth(metadata=metadata, profile="fapi2") as oauth:
        assert oauth.config.par is True and oauth.config.dpop is True
        pending = await oauth.start_login()
        callback = provider.approve(pending.authorization_url).replace(
            "&iss=" + "https%3A%2F%2Ffapi.example", ""
        )
        with pytest.raises(LoginError, match="iss") as info:
            await oauth.complete_login(callback, pending)
    assert info.value.reason == "iss"


async def test_the_fapi2_profile_logs_in_end_to_end() -> None:
    provider = FapiProvider(frozen_clock(), require_nonce=True)
    async with provider.oauth(profile="fapi2") as oauth:
        tokens = await _login(provider, oauth)
        refreshed = await oauth.refresh(tokens)
    assert [r.url.path for r in provider.requests][:2] == ["/par", "/par"]  # nonce learnt
    assert refreshed.token_type == "DPoP" and refreshed.dpop_key == tokens.dpop_key
    assert json.loads(refreshed.to_json())["dpop_jwk"] == tokens.dpop_key.to_jwk()  # type: ignore[union-attr]
