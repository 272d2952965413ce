from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from lexoffice_auth import PendingLogin, ProviderMetadata
from lexoffice_auth._oauth.login import build_login, parse_callback
from lexoffice_auth._oauth.pkce import code_challenge
from lexoffice_auth.errors import AuthorizationDenied, ConfigurationError
from tests.support.expect import raises_login

from ..support.oauth_helpers import CLIENT_ID, ISSUER, REDIRECT, discovery_doc

META = ProviderMetadata.model_validate(discovery_doc())
META_NO_ISS = ProviderMetadata.model_validate(
    discovery_doc(authorization_response_iss_parameter_supported=False)
)
NOW = 1_700_000_000.0


def login(scopes: tuple[str, ...] = ("openid", "email"), **kw: object) -> PendingLogin:
    return build_login(
        META, client_id=CLIENT_ID, redirect_uri=REDIRECT, scopes=scopes, now=NOW, **kw
    )  # type: ignore[arg-type]


def callback(pending: PendingLogin, **params: str | None) -> str:
    base = {"code": "the-code", "state": pending.state.get_secret_value(), "iss": ISSUER}
    base.update(params)
    return REDIRECT + "?" + urlencode({k: v for k, v in base.items() if v is not None})


def test_authorization_url_carries_pkce_state_nonce() -> None:
    p = login(extra_params={"prompt": "consent", "login_hint": "a@b.c"})
    parts = urlsplit(p.authorization_url)
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert parts.netloc == "id.example.com" and parts.path == "/authorize"
    assert q["response_type"] == "code"
    assert q["client_id"] == CLIENT_ID
    assert q["redirect_uri"] == REDIRECT
    assert q["code_challenge_method"] == "S256"
    assert q["code_challenge"] == code_challenge(p.code_verifier.get_secret_value())
    assert q["state"] == p.state.get_secret_value()
    assert p.nonce is not None and q["nonce"] == p.nonce.get_secret_value()
    assert q["scope"] == "openid email"
    assert q["prompt"] == "consent" and q["login_hint"] == "a@b.c"
    assert p.expires_at == NOW + 600


def test_no_nonce_without_openid_and_custom_scope_param() -> None:
    p = login(scopes=("contacts.read", "vouchers.read"), scope_param="scopes", scope_separator=",")
    q = parse_qs(urlsplit(p.authorization_url).query)
    assert "nonce" not in q and p.nonce is None
    assert q["scopes"] == ["contacts.read,vouchers.read"]
    assert "scope" not in q


def test_each_login_is_fresh() -> None:
    a, b = login(), login()
    assert a.state != b.state
    assert a.code_verifier != b.code_verifier
    assert a.nonce != b.nonce


def _query(pending: PendingLogin) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(pending.authorization_url).query).items()}


def test_offline_access_asks_for_consent_as_openid_connect_requires() -> None:
    # OIDC Core §11: without prompt=consent, a provider drops offline_access (no refresh).
    assert _query(login(("openid", "offline_access")))["prompt"] == "consent"
    assert (
        _query(login(("openid", "offline_access"), extra_params={"prompt": "login"}))["prompt"]
        == "login"
    )  # the caller's choice wins
    assert "prompt" not in _query(login(("openid", "email")))
    assert "prompt" not in _query(login(("offline_access",)))  # plain OAuth: no such rule


def test_extra_params_cannot_override_protocol_params() -> None:
    with pytest.raises(ConfigurationError, match="state"):
        login(extra_params={"state": "fixed"})
    with pytest.raises(ConfigurationError, match="code_challenge_method"):
        login(extra_params={"code_challenge_method": "plain"})


def test_provider_without_s256_refused() -> None:
    meta = ProviderMetadata.model_validate(
        discovery_doc(code_challenge_methods_supported=["plain"])
    )
    with pytest.raises(ConfigurationError, match="S256"):
        build_login(meta, client_id="c", redirect_uri=REDIRECT, scopes=(), now=NOW)


def test_good_callback_returns_code() -> None:
    p = login()
    assert parse_callback(callback(p), p, META, now=NOW + 5) == "the-code"


def test_error_callback_is_authorization_denied() -> None:
    p = login()
    url = callback(p, code=None, error="access_denied", error_description="User said no")
    with pytest.raises(AuthorizationDenied, match="User said no") as info:
        parse_callback(url, p, META, now=NOW)
    assert info.value.error == "access_denied"
    assert info.value.error_description == "User said no"


@pytest.mark.parametrize("state", [None, "", "wrong", "x" * 500])
def test_missing_or_wrong_state(state: str | None) -> None:
    p = login()
    with raises_login("state"):
        parse_callback(callback(p, state=state), p, META, now=NOW)


def test_error_callback_with_wrong_state_is_state_mismatch() -> None:
    # An attacker-crafted error response must not pass for the provider's answer.
    p = login()
    with raises_login("state"):
        parse_callback(callback(p, state="forged", error="access_denied"), p, META, now=NOW)


def test_wrong_iss_rejected() -> None:
    p = login()
    with raises_login("iss", match="evil"):
        parse_callback(callback(p, iss="https://evil.example"), p, META, now=NOW)
    # Raw string compare: a trailing slash is another issuer.
    with raises_login("iss"):
        parse_callback(callback(p, iss=ISSUER + "/"), p, META, now=NOW)


def test_missing_iss_rejected_only_when_promised() -> None:
    p = login()
    with raises_login("iss", match="RFC 9207"):
        parse_callback(callback(p, iss=None), p, META, now=NOW)
    assert parse_callback(callback(p, iss=None), p, META_NO_ISS, now=NOW) == "the-code"


def test_expired_pending_login() -> None:
    p = login()
    with raises_login("expired"):
        parse_callback(callback(p), p, META, now=NOW + 601)


@pytest.mark.parametrize("code", [None, ""])
def test_missing_code(code: str | None) -> None:
    p = login()
    with raises_login("callback", match="code"):
        parse_callback(callback(p, code=code), p, META, now=NOW)


def test_duplicate_parameters_refused() -> None:
    p = login()
    url = callback(p) + "&code=second"
    with raises_login("callback", match="more than one"):
        parse_callback(url, p, META, now=NOW)


def test_pending_login_round_trips_and_hides_secrets() -> None:
    p = login()
    text = p.to_json()
    back = PendingLogin.from_json(text)
    assert back == p
    assert back.code_verifier.get_secret_value() == p.code_verifier.get_secret_value()
    shown = repr(p) + str(p)
    for secret in (p.state, p.code_verifier, p.nonce):
        assert secret is not None
        assert secret.get_secret_value() not in shown


@pytest.mark.parametrize("bad", ["", "{", "[]", '{"state": 1}', b"\xff"])
def test_pending_login_from_bad_json(bad: str | bytes) -> None:
    with raises_login("pending"):
        PendingLogin.from_json(bad)
