"""DPoP nonces (RFC 9449 §8, §9): required, rotated, and kept apart per server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from lexoffice_auth.testing import FakeClock, FakeLexoffice

from .helpers import Key, code_for, exchange, token_url


@pytest.fixture
def fake(clock: FakeClock) -> FakeLexoffice:
    return FakeLexoffice(clock=clock, rate_limit=None, dpop_nonces=True)


@pytest.fixture
def http(fake: FakeLexoffice) -> Iterator[httpx.Client]:
    with httpx.Client(transport=fake.transport()) as client:
        yield client


def _use_nonce(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "use_dpop_nonce"
    nonce: str = response.headers["dpop-nonce"]
    return nonce


def test_a_token_request_without_the_nonce_is_challenged_and_spends_nothing(
    http: httpx.Client, fake: FakeLexoffice
) -> None:
    key = Key()
    code = code_for(http, fake)
    nonce = _use_nonce(exchange(http, fake, code, proof=key.proof("POST", token_url(fake))))
    answer = exchange(http, fake, code, proof=key.proof("POST", token_url(fake), nonce=nonce))
    assert answer.status_code == 200, answer.text
    assert answer.headers["dpop-nonce"] == nonce


def test_a_nonce_from_the_api_is_refused_at_the_provider(
    http: httpx.Client, fake: FakeLexoffice
) -> None:
    key = Key()
    proof = key.proof("POST", token_url(fake), nonce=fake.dpop_nonce("api"))
    answer = exchange(http, fake, code_for(http, fake), proof=proof)
    assert _use_nonce(answer) == fake.dpop_nonce("provider")
    assert "another server" in answer.json()["error_description"]


def test_a_stale_nonce_is_challenged(http: httpx.Client, fake: FakeLexoffice) -> None:
    old = fake.dpop_nonce()
    fake.rotate_dpop_nonces()
    proof = Key().proof("POST", token_url(fake), nonce=old)
    answer = exchange(http, fake, code_for(http, fake), proof=proof)
    assert _use_nonce(answer) == fake.dpop_nonce() != old
    assert "stale" in answer.json()["error_description"]


def test_nonces_rotate_by_the_clock_and_the_previous_stays_good(
    http: httpx.Client, fake: FakeLexoffice, clock: FakeClock
) -> None:
    first = fake.dpop_nonce()
    clock.advance(fake.dpop_nonce_lifetime)
    second = fake.dpop_nonce()
    assert second != first
    key = Key()
    proof = key.proof("POST", token_url(fake), nonce=first, iat=clock())
    assert exchange(http, fake, code_for(http, fake), proof=proof).status_code == 200
    clock.advance(fake.dpop_nonce_lifetime)
    proof = key.proof("POST", token_url(fake), nonce=first, iat=clock())
    _use_nonce(exchange(http, fake, code_for(http, fake), proof=proof))


def test_the_api_challenges_with_its_own_nonce(http: httpx.Client, fake: FakeLexoffice) -> None:
    key = Key()
    proof = key.proof("POST", token_url(fake), nonce=fake.dpop_nonce())
    token = exchange(http, fake, code_for(http, fake), proof=proof).json()["access_token"]
    url = f"{fake.api_base}/v1/ping"

    def call(nonce: str | None) -> httpx.Response:
        proof = key.proof("GET", url, access_token=token, nonce=nonce)
        return http.get(url, headers={"Authorization": f"DPoP {token}", "DPoP": proof})

    for wrong in (None, fake.dpop_nonce("provider")):
        refused = call(wrong)
        assert refused.status_code == 401
        assert (
            'DPoP realm="lexoffice-sandbox", error="use_dpop_nonce"'
            in (refused.headers["www-authenticate"])
        )
        assert refused.headers["dpop-nonce"] == fake.dpop_nonce("api")
    assert call(fake.dpop_nonce("api")).status_code == 200


def test_dpop_nonce_names_a_server(fake: FakeLexoffice) -> None:
    from lexoffice_auth.errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        fake.dpop_nonce("elsewhere")  # type: ignore[arg-type]
