"""The sandbox is strict where real providers and lexoffice's API are strict.

Everything here talks plain HTTP to the fake through ``httpx.MockTransport``; the SDK is
not involved, so a bug in the SDK cannot hide a lenient fake.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest

from lexoffice_auth.errors import ConfigurationError
from lexoffice_auth.testing import FakeClock, FakeLexoffice

REDIRECT = "http://127.0.0.1:8765/callback"
CLIENT = "sandbox-client"


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=1_700_000_000.0, ticking=False)


@pytest.fixture
def fake(clock: FakeClock) -> FakeLexoffice:
    # The rate limit has its own tests; the others would trip over it on a frozen clock.
    return FakeLexoffice(clock=clock, rate_limit=None)


@pytest.fixture
def http(fake: FakeLexoffice) -> Iterator[httpx.Client]:
    with httpx.Client(transport=fake.transport()) as client:
        yield client


def authorize(http: httpx.Client, fake: FakeLexoffice, **overrides: str) -> httpx.Response:
    params = {
        "response_type": "code",
        "client_id": CLIENT,
        "redirect_uri": REDIRECT,
        "state": "st-1",
        "nonce": "n-1",
        "scope": "openid email profile",
        "code_challenge": s256("v" * 50),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    params = {k: v for k, v in params.items() if v != ""}
    return http.get(f"{fake.issuer}/oauth2/authorize", params=params)


def callback_params(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["location"]).query)
    return {k: v[0] for k, v in query.items()}


def get_code(http: httpx.Client, fake: FakeLexoffice, verifier: str = "v" * 50) -> str:
    return callback_params(authorize(http, fake, code_challenge=s256(verifier)))["code"]


def token(http: httpx.Client, fake: FakeLexoffice, **form: str) -> httpx.Response:
    form.setdefault("client_id", CLIENT)
    return http.post(f"{fake.issuer}/oauth2/token", data=form)


def exchange(
    http: httpx.Client, fake: FakeLexoffice, code: str, verifier: str = "v" * 50
) -> httpx.Response:
    return token(
        http,
        fake,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
    )


def login(http: httpx.Client, fake: FakeLexoffice) -> dict[str, Any]:
    response = exchange(http, fake, get_code(http, fake))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ping(http: httpx.Client, fake: FakeLexoffice, access_token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
    return http.get(f"{fake.api_base}/v1/ping", headers=headers)


def bearer(token_value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_value}"}


# --- the "must hold" list -------------------------------------------------------------------


def test_wrong_verifier_is_rejected_and_burns_the_code(
    http: httpx.Client, fake: FakeLexoffice
) -> None:
    code = get_code(http, fake, verifier="a" * 43)
    wrong = exchange(http, fake, code, verifier="b" * 43)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    # A second try with the right verifier must not succeed: no verifier brute force.
    assert exchange(http, fake, code, verifier="a" * 43).json()["error"] == "invalid_grant"


def test_reused_code_is_rejected_and_revokes_its_tokens(
    http: httpx.Client, fake: FakeLexoffice
) -> None:
    code = get_code(http, fake)
    first = exchange(http, fake, code)
    assert first.status_code == 200
    tokens = first.json()
    assert ping(http, fake, tokens["access_token"]).status_code == 200

    again = exchange(http, fake, code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert ping(http, fake, tokens["access_token"]).status_code == 401
    refresh = token(http, fake, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refresh.json()["error"] == "invalid_grant"


def test_mismatched_redirect_uri_is_never_redirected_to(
    http: httpx.Client, fake: FakeLexoffice
) -> None:
    response = authorize(http, fake, redirect_uri="https://evil.example/callback")
    assert response.status_code == 400
    assert "location" not in response.headers
    # A path differing only slightly is a mismatch too.
    assert authorize(http, fake, redirect_uri="http://127.0.0.1:8765/callback/").status_code == 400


def test_redirect_uri_at_the_token_endpoint_must_equal_the_authorization_one(
    http: httpx.Client, fake: FakeLexoffice
) -> None:
    code = get_code(http, fake)
    response = token(
        http,
        fake,
        grant_type="authorization_code",
        code=code,
        redirect_uri="http://127.0.0.1:9999/callback",  # registered, but not the one used
        code_verifier="v" * 50,
    )
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("method", ["plain", ""])
def test_plain_pkce_is_refused(http: httpx.Client, fake: FakeLexoffice, method: str) -> None:
    verifier = "p" * 50
    params = callback_params(
        authorize(http, fake, code_challenge=verifier, code_challenge_method=method)
    )
    assert params["error"] == "invalid_request"
    assert params["state"] == "st-1"
    assert params["iss"] == fake.issuer
    assert "code" not in params


def test_missing_pkce_is_refused(http: httpx.Client, fake: FakeLexoffice) -> None:
    params = callback_params(authorize(http, fake, code_challenge="", code_challenge_method=""))
    assert params["error"] == "invalid_request"


def test_reused_rotated_refresh_token_revokes_the_grant(
    http: httpx.Client, fake: FakeLexoffice
) -> None:
    tokens = login(http, fake)
    first = token(http, fake, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert ping(http, fake, rotated["access_token"]).status_code == 200

    reuse = token(http, fake, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert reuse.status_code == 400
    assert reuse.json()["error"] == "invalid_grant"
    # The whole grant is gone: the newest refresh token and access token too.
    newest = token(http, fake, grant_type="refresh_token", refresh_token=rotated["refresh_token"])
    assert newest.json()["error"] == "invalid_grant"
    assert ping(http, fake, rotated["access_token"]).status_code == 401


def test_stale_contact_version_is_a_conflict(http: httpx.Client, fake: FakeLexoffice) -> None:
    key = fake.add_api_key()
    created = http.post(
        f"{fake.api_base}/v1/contacts",
        headers=bearer(key),
        json={"version": 0, "roles": {"customer": {}}, "company": {"name": "Acme GmbH"}},
    )
    assert created.status_code == 201
    contact_id = created.json()["id"]
    assert created.json()["version"] == 0
    body = http.get(f"{fake.api_base}/v1/contacts/{contact_id}", headers=bearer(key)).json()
    body["company"]["name"] = "Acme AG"
    ok = http.put(f"{fake.api_base}/v1/contacts/{contact_id}", headers=bearer(key), json=body)
    assert ok.status_code == 200
    assert ok.json()["version"] == 1

    stale = http.put(f"{fake.api_base}/v1/contacts/{contact_id}", headers=bearer(key), json=body)
    assert stale.status_code == 409
    assert "IssueList" in stale.json()
    current = http.get(f"{fake.api_base}/v1/contacts/{contact_id}", headers=bearer(key)).json()
    assert current["company"]["name"] == "Acme AG"
    assert current["version"] == 1


def test_more_than_the_rate_limit_is_429(clock: FakeClock) -> None:
    fake = FakeLexoffice(clock=clock)
    key = fake.add_api_key()
    with httpx.Client(transport=fake.transport()) as http:
        statuses = [ping(http, fake, key).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        body = ping(http, fake, key).json()
        assert body["status"] == 429
        assert {"timestamp", "error", "path", "traceId", "message"} <= body.keys()
        clock.advance(0.5)  # 2 req/s: half a second buys one request
        assert ping(http, fake, key).status_code == 200
        assert ping(http, fake, key).status_code == 429


def test_rate_limit_is_per_connection_and_can_be_disabled(clock: FakeClock) -> None:
    fake = FakeLexoffice(clock=clock)
    one, two = fake.add_api_key(), fake.add_api_key()
    with httpx.Client(transport=fake.transport()) as http:
        assert [ping(http, fake, one).status_code for _ in range(3)][-1] == 429
        assert ping(http, fake, two).status_code == 200
    unlimited = FakeLexoffice(clock=clock, rate_limit=None)
    key = unlimited.add_api_key()
    with httpx.Client(transport=unlimited.transport()) as http:
        assert {ping(http, unlimited, key).status_code for _ in range(20)} == {200}


def test_api_without_token_is_401_with_challenge(http: httpx.Client, fake: FakeLexoffice) -> None:
    response = ping(http, fake, None)
    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}
    assert response.headers["www-authenticate"].startswith("Bearer")
    invalid = ping(http, fake, "not-a-token")
    assert invalid.status_code == 401
    assert 'error="invalid_token"' in invalid.headers["www-authenticate"]


def test_expired_access_token_is_401(
    http: httpx.Client, fake: FakeLexoffice, clock: FakeClock
) -> None:
    tokens = login(http, fake)
    assert tokens["expires_in"] == 3600
    clock.advance(3600)
    assert ping(http, fake, tokens["access_token"]).status_code == 401


INVOICE = {
    "voucherDate": "2024-05-01T00:00:00.000+02:00",
    "address": {"name": "Acme GmbH", "countryCode": "DE"},
    "lineItems": [
        {
            "type": "custom",
            "name": "Consulting",
            "quantity": 2,
            "unitName": "h",
            "unitPrice": {"currency": "EUR", "netAmount": 100.0, "taxRatePercentage": 19},
        }
    ],
    "totalPrice": {"currency": "EUR"},
    "taxConditions": {"taxType": "net"},
    "shippingConditions": {"shippingType": "none"},
}


def test_invoice_file_of_a_draft_is_a_conflict(http: httpx.Client, fake: FakeLexoffice) -> None:
    key = fake.add_api_key()
    draft = http.post(f"{fake.api_base}/v1/invoices", headers=bearer(key), json=INVOICE)
    assert draft.status_code == 201
    assert draft.headers["location"] == draft.json()["resourceUri"]
    response = http.get(
        f"{fake.api_base}/v1/invoices/{draft.json()['id']}/file", headers=bearer(key)
    )
    assert response.status_code == 409
    assert response.json()["status"] == 409

    clock = fake.clock
    assert isinstance(clock, FakeClock)
    clock.advance(1)
    final = http.post(
        f"{fake.api_base}/v1/invoices",
        params={"finalize": "true"},
        headers=bearer(key),
        json=INVOICE,
    )
    invoice_id = final.json()["id"]
    got = http.get(f"{fake.api_base}/v1/invoices/{invoice_id}", headers=bearer(key)).json()
    assert got["voucherStatus"] == "open"
    assert got["totalPrice"]["totalGrossAmount"] == 238.0
    clock.advance(1)
    pdf = http.get(f"{fake.api_base}/v1/invoices/{invoice_id}/file", headers=bearer(key))
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and pdf.content.rstrip().endswith(b"%%EOF")
    assert got["voucherNumber"] in pdf.headers["content-disposition"]


# --- more provider strictness -------------------------------------------------------------


def test_code_expires_after_a_minute(
    http: httpx.Client, fake: FakeLexoffice, clock: FakeClock
) -> None:
    code = get_code(http, fake)
    clock.advance(60)
    assert exchange(http, fake, code).json()["error"] == "invalid_grant"


def test_confidential_client_must_use_its_registered_method(fake: FakeLexoffice) -> None:
    fake.register_client("shop", [REDIRECT], "s3cret")
    form = {"grant_type": "refresh_token", "refresh_token": "x"}
    with httpx.Client(transport=fake.transport()) as http:
        url = f"{fake.issuer}/oauth2/token"
        wrong = http.post(url, data=form, auth=("shop", "nope"))
        assert wrong.status_code == 401
        assert wrong.json()["error"] == "invalid_client"
        assert wrong.headers["www-authenticate"].startswith("Basic")
        post = http.post(url, data={**form, "client_id": "shop", "client_secret": "s3cret"})
        assert post.json()["error"] == "invalid_client"
        public = http.post(url, data={**form, "client_id": "shop"})
        assert public.json()["error"] == "invalid_client"
        right = http.post(url, data=form, auth=("shop", "s3cret"))
        assert right.json()["error"] == "invalid_grant"  # authenticated; the token is bogus


def test_unknown_client_gets_an_error_page(http: httpx.Client, fake: FakeLexoffice) -> None:
    response = authorize(http, fake, client_id="nobody")
    assert response.status_code == 400
    assert "location" not in response.headers


def test_token_endpoint_wants_a_form(http: httpx.Client, fake: FakeLexoffice) -> None:
    response = http.post(f"{fake.issuer}/oauth2/token", json={"grant_type": "refresh_token"})
    assert response.json()["error"] == "invalid_request"


def test_id_token_verifies_against_jwks_with_nonce_and_at_hash(
    http: httpx.Client, fake: FakeLexoffice
) -> None:
    tokens = login(http, fake)
    jwks = http.get(f"{fake.issuer}/oauth2/jwks").json()
    kid = jwt.get_unverified_header(tokens["id_token"])["kid"]
    key = next(k for k in jwks["keys"] if k["kid"] == kid)
    claims = jwt.decode(
        tokens["id_token"],
        jwt.PyJWK(key).key,
        algorithms=["RS256"],
        audience=CLIENT,
        issuer=fake.issuer,
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["nonce"] == "n-1"
    digest = hashlib.sha256(tokens["access_token"].encode()).digest()[:16]
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert claims["email"] == "max.mustermann@example.com"
    assert {"sub", "exp", "iat", "auth_time", "azp"} <= claims.keys()


def test_rotated_signing_key_changes_kid(http: httpx.Client, fake: FakeLexoffice) -> None:
    old_kid = jwt.get_unverified_header(login(http, fake)["id_token"])["kid"]
    new_kid = fake.rotate_signing_key(keep_old=False)
    assert new_kid != old_kid
    assert jwt.get_unverified_header(login(http, fake)["id_token"])["kid"] == new_kid
    kids = [k["kid"] for k in http.get(f"{fake.issuer}/oauth2/jwks").json()["keys"]]
    assert kids == [new_kid]


def test_deny_and_consent_hooks(http: httpx.Client, fake: FakeLexoffice) -> None:
    fake.deny_next_login()
    assert callback_params(authorize(http, fake))["error"] == "access_denied"
    assert "code" in callback_params(authorize(http, fake))
    fake.consent = lambda request: "email" not in request.scopes
    assert callback_params(authorize(http, fake))["error"] == "access_denied"
    assert "code" in callback_params(authorize(http, fake, scope="openid"))


def test_refresh_without_rotation_keeps_the_refresh_token(clock: FakeClock) -> None:
    fake = FakeLexoffice(clock=clock, rotate_refresh_tokens=False)
    with httpx.Client(transport=fake.transport()) as http:
        tokens = login(http, fake)
        for _ in range(2):
            r = token(http, fake, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
            assert r.status_code == 200
            assert "refresh_token" not in r.json()
    assert fake.token_calls["refresh_token"] == 2
    assert fake.token_calls["authorization_code"] == 1


def test_revocation_of_a_refresh_token_ends_the_grant(
    http: httpx.Client, fake: FakeLexoffice
) -> None:
    tokens = login(http, fake)
    url = f"{fake.issuer}/oauth2/revoke"
    assert http.post(url, data={"token": "unknown", "client_id": CLIENT}).status_code == 200
    revoked = http.post(url, data={"token": tokens["refresh_token"], "client_id": CLIENT})
    assert revoked.status_code == 200
    assert ping(http, fake, tokens["access_token"]).status_code == 401
    again = token(http, fake, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert again.json()["error"] == "invalid_grant"


def test_userinfo_needs_a_valid_bearer(http: httpx.Client, fake: FakeLexoffice) -> None:
    tokens = login(http, fake)
    url = f"{fake.issuer}/oauth2/userinfo"
    assert http.get(url).status_code == 401
    info = http.get(url, headers=bearer(tokens["access_token"])).json()
    assert info == {
        "sub": "sandbox-user-1",
        "email": "max.mustermann@example.com",
        "email_verified": True,
        "name": "Max Mustermann",
    }


@pytest.mark.parametrize(
    ("kind", "status"), [("500", 500), ("garbage", 200), ("temporarily_unavailable", 503)]
)
def test_injected_token_failures(
    http: httpx.Client, fake: FakeLexoffice, kind: Any, status: int
) -> None:
    tokens = login(http, fake)
    fake.fail_next_token_requests(1, kind)
    failed = token(http, fake, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert failed.status_code == status
    assert "access_token" not in failed.text
    # The failed call did not consume the refresh token.
    ok = token(http, fake, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert ok.status_code == 200


def test_injected_timeout_raises_through_the_transport(
    http: httpx.Client, fake: FakeLexoffice
) -> None:
    fake.fail_next_token_requests(2, "timeout")
    for _ in range(2):
        with pytest.raises(httpx.ReadTimeout):
            token(http, fake, grant_type="refresh_token", refresh_token="x")
    assert fake.calls["token"] == 2
    assert token(http, fake, grant_type="refresh_token", refresh_token="x").status_code == 400


def test_revoke_all_ends_grants_and_api_keys(http: httpx.Client, fake: FakeLexoffice) -> None:
    tokens = login(http, fake)
    key = fake.add_api_key()
    fake.revoke_all()
    assert ping(http, fake, tokens["access_token"]).status_code == 401
    assert ping(http, fake, key).status_code == 401


def test_foreign_hosts_are_not_served(http: httpx.Client) -> None:
    with pytest.raises(httpx.ConnectError):
        http.get("https://api.lexware.io/v1/ping")


def test_discovery_document(http: httpx.Client, fake: FakeLexoffice) -> None:
    doc = http.get(fake.discovery_url).json()
    assert doc["issuer"] == fake.issuer == "https://auth.lexoffice-sandbox.test"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["authorization_response_iss_parameter_supported"] is True
    for name in ("authorization", "token", "revocation", "userinfo", "end_session"):
        assert doc[f"{name}_endpoint"].startswith(fake.issuer + "/")
    assert fake.calls["discovery"] == 1


def test_end_session_redirects_only_to_registered_uris(
    http: httpx.Client, fake: FakeLexoffice
) -> None:
    url = f"{fake.issuer}/oauth2/logout"
    ok = http.get(url, params={"post_logout_redirect_uri": REDIRECT, "state": "s"})
    assert ok.status_code == 302
    assert ok.headers["location"] == REDIRECT + "?" + urlencode({"state": "s"})
    evil = http.get(url, params={"post_logout_redirect_uri": "https://evil.example/"})
    assert evil.status_code == 400


# --- more API strictness ------------------------------------------------------------------


def test_contact_create_validation_uses_the_legacy_shape(
    http: httpx.Client, fake: FakeLexoffice
) -> None:
    key = fake.add_api_key()
    url = f"{fake.api_base}/v1/contacts"
    both = {"version": 0, "roles": {"customer": {}}, "company": {"name": "A"}, "person": {}}
    for body in (
        {"roles": {"customer": {}}, "company": {"name": "A"}},  # no version
        {"version": 3, "roles": {"customer": {}}, "company": {"name": "A"}},
        {"version": 0, "company": {"name": "A"}},  # no roles
        both,
        {"version": 0, "roles": {"vendor": {}}, "person": {"firstName": "Max"}},
    ):
        response = http.post(url, headers=bearer(key), json=body)
        assert response.status_code == 406, body
        assert response.json()["IssueList"][0]["i18nKey"] in ("missing_entity", "invalid_value")


def test_contact_filters_and_paging(http: httpx.Client, fake: FakeLexoffice) -> None:
    key = fake.add_api_key()
    url = f"{fake.api_base}/v1/contacts"
    for i in range(30):
        body: dict[str, Any] = {"version": 0, "roles": {"customer": {}}}
        body["company"] = {"name": f"Firma {i:02d}"}
        body["emailAddresses"] = {"business": [f"info{i}@firma.example"]}
        http.post(url, headers=bearer(key), json=body)
    http.post(
        url,
        headers=bearer(key),
        json={"version": 0, "roles": {"vendor": {}}, "company": {"name": "Johnson & Partner"}},
    )
    page0 = http.get(url, headers=bearer(key)).json()
    assert (page0["totalElements"], page0["size"], page0["numberOfElements"]) == (31, 25, 25)
    assert page0["first"] and not page0["last"] and page0["totalPages"] == 2
    page1 = http.get(url, params={"page": 1}, headers=bearer(key)).json()
    assert page1["numberOfElements"] == 6 and page1["last"]

    def names(**params: Any) -> list[str]:
        response = http.get(url, params=params, headers=bearer(key))
        assert response.status_code == 200, response.text
        return [c["company"]["name"] for c in response.json()["content"]]

    assert names(email="INFO1@") == ["Firma 01"]
    assert names(name="firma 1_", size=250) == [f"Firma {i}" for i in range(10, 20)]
    assert names(name="johnson &amp; partner") == ["Johnson & Partner"]
    assert names(vendor="true") == ["Johnson & Partner"]
    assert names(number="70001") == ["Johnson & Partner"]
    assert len(names(customer="true", size=100)) == 30
    for bad in ({"name": "ab"}, {"size": 251}, {"customer": "yes"}):
        response = http.get(url, params=bad, headers=bearer(key))
        assert response.status_code == 400, bad
        assert response.json()["IssueList"][0]["i18nKey"] == "bad_request_error"
    repeated = http.get(url + "?name=abc&name=def", headers=bearer(key))
    assert repeated.status_code == 400


def test_contact_update_refuses_multiple_entries(http: httpx.Client, fake: FakeLexoffice) -> None:
    key = fake.add_api_key()
    body = {"version": 0, "roles": {"customer": {}}, "person": {"lastName": "Muster"}}
    cid = http.post(f"{fake.api_base}/v1/contacts", headers=bearer(key), json=body).json()["id"]
    body["emailAddresses"] = {"business": ["a@x.example", "b@x.example"]}
    response = http.put(f"{fake.api_base}/v1/contacts/{cid}", headers=bearer(key), json=body)
    assert response.status_code == 406


def test_invoice_validation_uses_the_regular_shape(http: httpx.Client, fake: FakeLexoffice) -> None:
    key = fake.add_api_key()
    bad = dict(INVOICE, voucherDate="2024-05-01T00:00:00+02:00")  # no milliseconds
    del bad["taxConditions"]
    response = http.post(f"{fake.api_base}/v1/invoices", headers=bearer(key), json=bad)
    assert response.status_code == 406
    fields = {d["field"] for d in response.json()["details"]}
    assert fields == {"voucherDate", "taxConditions.taxType"}
    missing = http.get(f"{fake.api_base}/v1/invoices/{'0' * 8}-0000-0000-0000-{'0' * 12}")
    assert missing.status_code == 401  # no token: the gateway answers first


def test_unknown_invoice_is_404(http: httpx.Client, fake: FakeLexoffice) -> None:
    key = fake.add_api_key()
    unknown = f"{fake.api_base}/v1/invoices/{'0' * 8}-0000-0000-0000-{'0' * 12}"
    assert http.get(unknown, headers=bearer(key)).status_code == 404
    assert http.get(unknown + "/file", headers=bearer(key)).status_code == 404


def test_voucherlist_requires_type_and_status(
    http: httpx.Client, fake: FakeLexoffice, clock: FakeClock
) -> None:
    key = fake.add_api_key()
    url = f"{fake.api_base}/v1/voucherlist"
    assert http.get(url, headers=bearer(key)).status_code == 400
    assert http.get(url, params={"voucherType": "invoice"}, headers=bearer(key)).status_code == 400
    http.post(f"{fake.api_base}/v1/invoices", headers=bearer(key), json=INVOICE)
    http.post(f"{fake.api_base}/v1/invoices?finalize=true", headers=bearer(key), json=INVOICE)
    params = {"voucherType": "invoice", "voucherStatus": "open"}
    rows = http.get(url, params=params, headers=bearer(key)).json()["content"]
    assert [r["voucherStatus"] for r in rows] == ["open"]
    assert rows[0]["totalAmount"] == 238.0
    both = http.get(url, params={**params, "voucherStatus": "any"}, headers=bearer(key)).json()
    assert both["totalElements"] == 2
    assert http.get(url, params={**params, "size": 251}, headers=bearer(key)).status_code == 400
    combo = {**params, "voucherStatus": "overdue,open"}
    assert http.get(url, params=combo, headers=bearer(key)).status_code == 400


def test_profile_and_dates(http: httpx.Client, fake: FakeLexoffice) -> None:
    tokens = login(http, fake)
    profile = http.get(f"{fake.api_base}/v1/profile", headers=bearer(tokens["access_token"]))
    body = profile.json()
    assert body["organizationId"] == fake.organization_id
    assert body["connectionId"]
    # 2023-11-14T22:13:20 UTC is 23:13:20 in Berlin (CET, +01:00).
    assert body["created"]["date"] == "2023-11-14T23:13:20.000+01:00"


def test_malformed_input_gets_a_4xx_not_a_crash() -> None:
    fake = FakeLexoffice(rate_limit=None)
    key = fake.add_api_key()
    with httpx.Client(transport=fake.transport()) as http:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": "sandbox-client",
                "redirect_uri": "http://[::1/cb",
                "code_challenge": "x" * 43,
                "code_challenge_method": "S256",
                "state": "s",
            }
        )
        authorize = http.get(f"{fake.issuer}/oauth2/authorize?{query}")
        assert authorize.status_code == 400
        deep = http.post(
            f"{fake.api_base}/v1/contacts",
            content=b"[" * 100_000,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        assert 400 <= deep.status_code < 500


# --- hooks for testing refresh logic ------------------------------------------------------


def refresh(http: httpx.Client, fake: FakeLexoffice, refresh_token: str) -> httpx.Response:
    return token(http, fake, grant_type="refresh_token", refresh_token=refresh_token)


def test_sequential_token_names_count_every_token_issued(clock: FakeClock) -> None:
    fake = FakeLexoffice(clock=clock, token_names="sequential", rate_limit=None)
    with httpx.Client(transport=fake.transport()) as http:
        tokens = login(http, fake)
        assert (tokens["access_token"], tokens["refresh_token"]) == ("at-0", "rt-0")
        first = refresh(http, fake, "rt-0").json()
        assert (first["access_token"], first["refresh_token"]) == ("at-1", "rt-1")
        assert ping(http, fake, "at-1").status_code == 200
        # A second grant continues the count: names stay unique across the sandbox.
        other = fake.mint_tokens()
        assert (other["access_token"], other["refresh_token"]) == ("at-2", "rt-2")
        fake.rotate_refresh_tokens = False
        kept = refresh(http, fake, "rt-1").json()
        assert kept["access_token"] == "at-3" and "refresh_token" not in kept


def test_random_token_names_are_the_default(http: httpx.Client, fake: FakeLexoffice) -> None:
    tokens = login(http, fake)
    assert tokens["access_token"].startswith("sbx_at_")
    assert tokens["refresh_token"].startswith("sbx_rt_")
    assert len(tokens["access_token"]) > 40


def test_a_rejected_refresh_token_reuse_keeps_the_grant_and_is_counted(clock: FakeClock) -> None:
    fake = FakeLexoffice(
        clock=clock, token_names="sequential", refresh_token_reuse="reject", rate_limit=None
    )
    with httpx.Client(transport=fake.transport()) as http:
        login(http, fake)
        assert refresh(http, fake, "rt-0").status_code == 200
        for _ in range(2):
            reuse = refresh(http, fake, "rt-0")
            assert reuse.status_code == 400
            assert reuse.json()["error"] == "invalid_grant"
            assert "revoked" not in reuse.json()["error_description"]
        # Both reuses are recorded, and the grant lives on: rt-1 and at-1 still work.
        assert fake.reused_refresh_tokens == ["rt-0", "rt-0"]
        assert ping(http, fake, "at-1").status_code == 200
        assert refresh(http, fake, "rt-1").json()["refresh_token"] == "rt-2"
        assert fake.reused_refresh_tokens == ["rt-0", "rt-0"]


def test_a_revoking_reuse_is_counted_too(http: httpx.Client, fake: FakeLexoffice) -> None:
    assert fake.refresh_token_reuse == "revoke"
    tokens = login(http, fake)
    rotated = refresh(http, fake, tokens["refresh_token"]).json()
    assert refresh(http, fake, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert refresh(http, fake, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert fake.reused_refresh_tokens == [tokens["refresh_token"]] * 2
    assert ping(http, fake, rotated["access_token"]).status_code == 401
    # Tokens that were never rotated away are no reuse, whatever else is wrong with them.
    assert refresh(http, fake, rotated["refresh_token"]).json()["error"] == "invalid_grant"
    assert refresh(http, fake, "unknown").json()["error"] == "invalid_grant"
    assert len(fake.reused_refresh_tokens) == 2
    fake.reset_counters()
    assert fake.reused_refresh_tokens == []


@pytest.mark.parametrize(
    ("error", "status"),
    [("invalid_grant", 400), ("invalid_client", 401), ("slow_down", 429), ("server_error", 500)],
)
def test_rejected_token_requests_answer_the_oauth_error_and_spend_nothing(
    http: httpx.Client, fake: FakeLexoffice, error: str, status: int
) -> None:
    tokens = login(http, fake)
    fake.reject_next_token_requests(2, error, status=status)
    for _ in range(2):
        failed = refresh(http, fake, tokens["refresh_token"])
        assert failed.status_code == status
        assert failed.json()["error"] == error
        assert failed.headers["cache-control"] == "no-store"
    # The refresh token sent twice was not spent: the third call is answered normally.
    assert refresh(http, fake, tokens["refresh_token"]).status_code == 200
    assert fake.reused_refresh_tokens == []
    assert fake.token_calls["refresh_token"] == 3


def test_failures_and_rejections_queue_in_order(http: httpx.Client, fake: FakeLexoffice) -> None:
    fake.reject_next_token_requests(1, "invalid_grant")
    fake.fail_next_token_requests(1, "unreachable")
    fake.reject_next_token_requests(1, "temporarily_unavailable", status=503)
    assert refresh(http, fake, "x").json()["error"] == "invalid_grant"
    with pytest.raises(httpx.ConnectError):
        refresh(http, fake, "x")
    assert refresh(http, fake, "x").status_code == 503
    processed = refresh(http, fake, "x").json()  # the queue is empty: looked at again
    assert processed["error_description"] == "unknown refresh token"
    assert fake.calls["token"] == 4


def test_token_is_live_follows_rotation_expiry_and_revocation(clock: FakeClock) -> None:
    fake = FakeLexoffice(
        clock=clock, token_names="sequential", refresh_token_lifetime=600, rate_limit=None
    )
    with httpx.Client(transport=fake.transport()) as http:
        login(http, fake)
        assert fake.token_is_live("at-0") and fake.token_is_live("rt-0")
        refresh(http, fake, "rt-0")
        assert not fake.token_is_live("rt-0")  # rotated away
        assert fake.token_is_live("at-0")  # access tokens live out their lifetime
        assert fake.token_is_live("rt-1")
        fake.revoke_access_tokens(["at-0"])
        assert not fake.token_is_live("at-0") and fake.token_is_live("at-1")
        clock.advance(600)
        assert not fake.token_is_live("rt-1")  # expired
        assert not fake.token_is_live("unknown")
        key = fake.add_api_key()
        assert fake.token_is_live(key)
        fake.revoke_all()
        assert not fake.token_is_live("at-1") and not fake.token_is_live(key)


def test_revoke_access_tokens_takes_a_choice(http: httpx.Client, fake: FakeLexoffice) -> None:
    first, second = login(http, fake), login(http, fake)
    fake.revoke_access_tokens([first["access_token"], "unknown"])
    assert ping(http, fake, first["access_token"]).status_code == 401
    assert ping(http, fake, second["access_token"]).status_code == 200
    with pytest.raises(ConfigurationError):
        fake.revoke_access_tokens(second["access_token"])
    fake.revoke_access_tokens()
    assert ping(http, fake, second["access_token"]).status_code == 401
