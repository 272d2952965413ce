"""The FAPI 2.0 requirements check: every unmet requirement named, nothing weaker accepted."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from lexoffice_auth._oauth.fapi2 import FAPI2Client, Requirement, fapi2_unmet, require_fapi2
from lexoffice_auth._oauth.metadata import ProviderMetadata
from lexoffice_auth.errors import ConfigurationError

# What a FAPI 2.0 provider publishes (node oidc-provider with its fapi profile looks so).
FAPI_METADATA: dict[str, Any] = {
    "issuer": "https://id.example",
    "authorization_endpoint": "https://id.example/authorize",
    "token_endpoint": "https://id.example/token",
    "pushed_authorization_request_endpoint": "https://id.example/par",
    "require_pushed_authorization_requests": True,
    "code_challenge_methods_supported": ["S256"],
    "dpop_signing_alg_values_supported": ["ES256", "PS256", "EdDSA"],
    "tls_client_certificate_bound_access_tokens": True,
    "token_endpoint_auth_methods_supported": ["private_key_jwt", "tls_client_auth"],
    "token_endpoint_auth_signing_alg_values_supported": ["ES256", "PS256"],
    "authorization_response_iss_parameter_supported": True,
}
CLIENT = FAPI2Client(
    token_endpoint_auth_method="private_key_jwt",
    sender_constraint="dpop",
    client_key_alg="ES256",
    dpop_alg="ES256",
)


def _names(metadata: object, **changes: Any) -> list[str]:
    return [r.name for r in fapi2_unmet(metadata, dataclasses.replace(CLIENT, **changes))]


@pytest.mark.parametrize("shape", ["mapping", "model"])
def test_a_fapi2_provider_and_client_meet_every_requirement(shape: str) -> None:
    metadata = FAPI_METADATA if shape == "mapping" else ProviderMetadata(**FAPI_METADATA)
    assert fapi2_unmet(metadata, CLIENT) == []
    require_fapi2(metadata, CLIENT)  # does not raise
    assert _names(metadata, sender_constraint="mtls", dpop_alg=None) == []
    assert _names(metadata, token_endpoint_auth_method="tls_client_auth") == []
    assert _names(metadata, client_key_alg=None, dpop_alg=None, par=True) == []


def test_a_plain_oidc_provider_fails_each_requirement_by_name() -> None:
    plain = {k: FAPI_METADATA[k] for k in ("issuer", "authorization_endpoint", "token_endpoint")}
    unmet = fapi2_unmet(plain, CLIENT)
    assert [r.name for r in unmet] == [
        "par",
        "pkce_s256",
        "sender_constraint",
        "client_auth",
        "iss_parameter",
    ]
    text = {r.name: str(r) for r in unmet}
    assert "pushed_authorization_request_endpoint" in text["par"]
    assert "code_challenge_methods_supported" in text["pkce_s256"]
    assert "dpop_signing_alg_values_supported" in text["sender_constraint"]
    assert "token_endpoint_auth_methods_supported" in text["client_auth"]
    assert "authorization_response_iss_parameter_supported" in text["iss_parameter"]
    with pytest.raises(
        ConfigurationError, match=r"fapi2 profile cannot be met \(5 requirements\)"
    ) as caught:
        require_fapi2(plain, CLIENT)
    for requirement in unmet:
        assert str(requirement) in str(caught.value)


@pytest.mark.parametrize(
    ("metadata_change", "client_change", "unmet"),
    [
        ({"pushed_authorization_request_endpoint": None}, {}, ["par"]),
        ({"pushed_authorization_request_endpoint": "http://id.example/par"}, {}, ["par"]),
        ({}, {"par": False}, ["par"]),
        ({"code_challenge_methods_supported": ["plain"]}, {}, ["pkce_s256"]),
        ({"code_challenge_methods_supported": None}, {}, ["pkce_s256"]),
        ({}, {"sender_constraint": None}, ["sender_constraint"]),
        (
            {"dpop_signing_alg_values_supported": ["RS256", "ES384"]},
            {"dpop_alg": None},
            ["sender_constraint"],
        ),
        ({"dpop_signing_alg_values_supported": ["PS256"]}, {}, ["sender_constraint"]),
        ({}, {"dpop_alg": "ES384"}, ["sender_constraint"]),
        (
            {"tls_client_certificate_bound_access_tokens": False},
            {"sender_constraint": "mtls"},
            ["sender_constraint"],
        ),
        ({}, {"token_endpoint_auth_method": "client_secret_basic"}, ["client_auth"]),
        ({}, {"token_endpoint_auth_method": None}, ["client_auth"]),
        ({}, {"token_endpoint_auth_method": "self_signed_tls_client_auth"}, ["client_auth"]),
        ({"token_endpoint_auth_methods_supported": None}, {}, ["client_auth"]),
        ({}, {"client_key_alg": "RS256"}, ["signing_alg"]),
        ({"token_endpoint_auth_signing_alg_values_supported": ["PS256"]}, {}, ["signing_alg"]),
        ({"authorization_response_iss_parameter_supported": False}, {}, ["iss_parameter"]),
        ({"authorization_response_iss_parameter_supported": "true"}, {}, ["iss_parameter"]),
    ],
)
def test_each_weaker_choice_is_refused(
    metadata_change: dict[str, Any], client_change: dict[str, Any], unmet: list[str]
) -> None:
    metadata = {k: v for k, v in {**FAPI_METADATA, **metadata_change}.items() if v is not None}
    assert _names(metadata, **client_change) == unmet


def test_an_rsa_client_key_is_told_to_use_ps256() -> None:
    (requirement,) = fapi2_unmet(FAPI_METADATA, dataclasses.replace(CLIENT, client_key_alg="RS256"))
    assert requirement == Requirement("signing_alg", requirement.message)
    assert "alg='PS256'" in requirement.message


def test_a_bad_sender_constraint_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="sender_constraint"):
        FAPI2Client("private_key_jwt", sender_constraint="bearer")  # type: ignore[arg-type]
