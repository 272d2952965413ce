"""ClientConfig: the one name of the client authentication method, and its old alias."""

from __future__ import annotations

import dataclasses
import warnings

import pytest

from lexoffice_auth import ClientConfig
from lexoffice_auth.errors import ConfigurationError

BASE = {"issuer": "https://id.example", "client_secret": "s"}


def test_token_endpoint_auth_method_is_the_name() -> None:
    config = ClientConfig(
        "app", "https://app.example/cb", **BASE, token_endpoint_auth_method="client_secret_post"
    )  # type: ignore[arg-type]
    assert config.token_endpoint_auth_method == "client_secret_post"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # reading, copying and pickling never warn
        assert dataclasses.replace(config, timeout=3.0).token_endpoint_auth_method == (
            "client_secret_post"
        )


def test_the_old_name_still_works_for_one_release_and_warns() -> None:
    with pytest.warns(DeprecationWarning, match="token_endpoint_auth_method"):
        config = ClientConfig(
            "app", "https://app.example/cb", **BASE, auth_method="client_secret_basic"
        )  # type: ignore[arg-type]
    assert config.token_endpoint_auth_method == "client_secret_basic"
    assert config.auth_method == "client_secret_basic"  # type: ignore[attr-defined]


def test_both_names_with_different_values_are_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="old name"):
        ClientConfig(
            "app",
            "https://app.example/cb",
            **BASE,  # type: ignore[arg-type]
            token_endpoint_auth_method="client_secret_basic",
            auth_method="client_secret_post",
        )
