"""The sandbox's own URL checks: its issuer and API base, and webhook callback URLs."""

from __future__ import annotations

import pytest

from lexoffice_auth.errors import ConfigurationError
from lexoffice_auth.testing import FakeLexoffice
from lexoffice_auth.testing._events import is_loopback_url


@pytest.mark.parametrize("name", ["issuer", "api_base"])
@pytest.mark.parametrize(
    "url",
    [
        "http://[::1",  # urlsplit raises
        "http://127.0.0.1:99999",
        "http://127.0.0.1:abc",
        "http://user:pw@127.0.0.1",
        "http://example.com",
        "ftp://127.0.0.1",
        "/relative",
        "http://127.0.0.1/#fragment",
    ],
)
def test_a_bad_issuer_or_api_base_is_a_configuration_error(name: str, url: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        FakeLexoffice(**{name: url})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000", "http://[::1]:8000/", "http://localhost", "https://x.test"]
)
def test_a_good_issuer_and_api_base_are_kept(url: str) -> None:
    fake = FakeLexoffice(issuer=url, api_base=url + "/api")
    assert fake.issuer == url.rstrip("/")


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8000/hooks", True),
        ("https://127.0.0.2/hooks", True),
        ("http://[::1]:8000/hooks", True),
        ("http://localhost:8000/hooks", True),
        ("http://LOCALHOST/hooks", True),
        ("http://app.localhost/hooks", True),
        ("http://example.com/hooks", False),
        ("http://10.0.0.1/hooks", False),
        ("http://user:pw@127.0.0.1/hooks", False),
        ("ftp://127.0.0.1/hooks", False),
        ("http://[::1", False),
        ("http:///hooks", False),
        (None, False),
    ],
)
def test_webhooks_are_delivered_only_to_loopback_urls(url: object, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback
