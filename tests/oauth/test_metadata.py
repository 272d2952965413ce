import json

import pytest

from lexoffice_auth import ProviderMetadata
from lexoffice_auth._oauth.metadata import discovery_url, parse_discovery_document
from lexoffice_auth.errors import ConfigurationError, DiscoveryError
from lexoffice_auth.presets import LEXOFFICE_PARTNER_METADATA, lexoffice_partner_metadata

from ..support.oauth_helpers import ISSUER, discovery_doc


def parse(doc: object, issuer: str = ISSUER) -> ProviderMetadata:
    return parse_discovery_document(json.dumps(doc).encode(), issuer)


def test_parses_and_keeps_unknown_fields() -> None:
    m = parse(discovery_doc())
    assert m.token_endpoint == f"{ISSUER}/token"
    assert m.authorization_response_iss_parameter_supported is True
    assert m.model_extra == {"x_vendor_extension": {"kept": True}}
    assert m.supports_pkce_s256


def test_discovery_url_appends_well_known() -> None:
    assert discovery_url("https://h.example/tenant") == (
        "https://h.example/tenant/.well-known/openid-configuration"
    )
    assert (
        discovery_url("https://h.example/") == "https://h.example/.well-known/openid-configuration"
    )


@pytest.mark.parametrize(
    "returned", [ISSUER + "/", "https://ID.example.com", "https://evil.example.com", ""]
)
def test_issuer_must_match_as_raw_string(returned: str) -> None:
    with pytest.raises(DiscoveryError, match="issuer"):
        parse(discovery_doc(issuer=returned))


@pytest.mark.parametrize(
    "field",
    ["issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "response_types_supported"],
)
def test_missing_required_field_is_named(field: str) -> None:
    doc = discovery_doc()
    del doc[field]
    with pytest.raises(DiscoveryError, match=field):
        parse(doc)


@pytest.mark.parametrize("body", [b"<html>", b"", b"[1,2]", b"\xff\xfe", b"null"])
def test_not_a_json_object(body: bytes) -> None:
    with pytest.raises(DiscoveryError):
        parse_discovery_document(body, ISSUER)


def test_plain_http_endpoint_refused() -> None:
    doc = discovery_doc(token_endpoint="http://id.example.com/token")
    with pytest.raises(DiscoveryError, match=r"token_endpoint.*https"):
        parse(doc)


def test_loopback_http_allowed() -> None:
    issuer = "http://127.0.0.1:8123"
    m = parse(discovery_doc(issuer=issuer), issuer)
    assert m.token_endpoint == "http://127.0.0.1:8123/token"


def test_wrong_types_give_discovery_error() -> None:
    with pytest.raises(DiscoveryError, match="code_challenge_methods_supported"):
        parse(discovery_doc(code_challenge_methods_supported="S256"))
    with pytest.raises(DiscoveryError, match="response_type=code"):
        parse(discovery_doc(response_types_supported=["token"]))


def test_static_metadata_checks_transport() -> None:
    with pytest.raises(ConfigurationError, match="https"):
        ProviderMetadata(
            issuer="https://a.example",
            authorization_endpoint="http://a.example/auth",
            token_endpoint="https://a.example/token",
        )


def test_lexoffice_preset_uses_partner_paths() -> None:
    m = LEXOFFICE_PARTNER_METADATA
    assert m.authorization_endpoint == "https://app.lexoffice.de/api/oauth2/authorize"
    assert m.token_endpoint == "https://app.lexoffice.de/api/oauth2/token"
    assert m.revocation_endpoint is None
    assert m.jwks_uri is None
    assert "login.lexoffice.io" not in m.model_dump_json()
    other = lexoffice_partner_metadata("https://app.lexware.de/")
    assert other.token_endpoint == "https://app.lexware.de/api/oauth2/token"
    with pytest.raises(ConfigurationError):
        lexoffice_partner_metadata("http://app.lexware.de")


@pytest.mark.parametrize(("configured", "served"), [(ISSUER, ISSUER + "/"), (ISSUER + "/", ISSUER)])
def test_an_issuer_that_differs_by_a_trailing_slash_says_so(configured: str, served: str) -> None:
    with pytest.raises(DiscoveryError, match="only the trailing slash differs") as info:
        parse(discovery_doc(issuer=served), configured)
    assert repr(served) in str(info.value)  # the exact value to configure


def test_another_issuer_gets_no_slash_hint() -> None:
    with pytest.raises(DiscoveryError) as info:
        parse(discovery_doc(issuer="https://evil.example.com"))
    assert "slash" not in str(info.value)
