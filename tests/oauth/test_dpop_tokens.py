"""DPoP-bound token sets: ``token_type`` DPoP, the key kept with the tokens, never leaked."""

from __future__ import annotations

import json
import pickle

import pytest

from lexoffice_auth import TokenSet
from lexoffice_auth._oauth.dpop import DPoPKey
from lexoffice_auth._oauth.tokens import parse_token_response
from lexoffice_auth.errors import ConfigurationError, TokenEndpointError, TokenStoreError

from ..support.oauth_helpers import token_body

NOW = 1_000.0
KEY = DPoPKey.generate()
JWK = KEY.to_jwk()


def _bound(**fields: object) -> TokenSet:
    return TokenSet.from_dict(
        {"access_token": "AT-1", "token_type": "DPoP", "dpop_jwk": JWK, **fields}
    )


@pytest.mark.parametrize("spelling", ["DPoP", "dpop", "DPOP"])
def test_a_dpop_token_response_gives_a_dpop_token_set_with_its_key(spelling: str) -> None:
    tokens = parse_token_response(200, token_body(token_type=spelling), now=NOW, dpop_jwk=JWK)
    assert tokens.token_type == "DPoP"
    assert tokens.dpop_key == KEY
    assert tokens.dpop_jwk is not None and tokens.dpop_jwk.get_secret_value() == JWK


def test_a_bearer_answer_to_a_dpop_request_keeps_the_key_for_the_bound_refresh_token() -> None:
    tokens = parse_token_response(200, token_body(), now=NOW, dpop_jwk=JWK)
    assert tokens.token_type == "Bearer" and tokens.dpop_key == KEY


def test_fapi2_refuses_a_bearer_answer_to_a_dpop_request() -> None:
    with pytest.raises(TokenEndpointError, match="requires sender-constrained") as info:
        parse_token_response(200, token_body(), now=NOW, dpop_jwk=JWK, require_dpop=True)
    assert info.value.status_code == 200


def test_a_dpop_token_without_a_proof_is_refused() -> None:
    with pytest.raises(TokenEndpointError, match="sent no DPoP proof"):
        parse_token_response(200, token_body(token_type="DPoP"), now=NOW)


def test_a_refresh_keeps_the_key() -> None:
    first = parse_token_response(200, token_body(token_type="DPoP"), now=NOW, dpop_jwk=JWK)
    second = parse_token_response(
        200,
        token_body(access_token="AT-2", token_type="DPoP", refresh_token=None),
        now=NOW + 10,
        previous=first,
        dpop_jwk=JWK,
    )
    assert second.dpop_key == KEY and second.refresh_token == first.refresh_token


def test_the_key_is_stored_and_read_back() -> None:
    tokens = _bound(refresh_token="RT-1")
    stored = json.loads(tokens.to_json())
    assert stored["dpop_jwk"] == JWK and stored["token_type"] == "DPoP"
    assert TokenSet.from_json(tokens.to_json()) == tokens


def test_the_key_never_shows_in_repr_or_dumps() -> None:
    tokens = _bound()
    private = JWK["d"]
    assert private not in repr(tokens)
    assert private not in str(tokens.model_dump())
    assert private not in tokens.model_dump_json()


def test_a_token_set_with_a_key_is_not_picklable() -> None:
    with pytest.raises(ConfigurationError, match="not picklable") as info:
        pickle.dumps(_bound())
    assert JWK["d"] not in str(info.value)
    plain = TokenSet(access_token="AT-1")
    assert pickle.loads(pickle.dumps(plain)) == plain


@pytest.mark.parametrize(
    ("jwk", "problem"),
    [
        (KEY.public_jwk, "public JWK"),
        ({**JWK, "d": "AAAA"}, "not a valid EC private key"),
        ({**JWK, "alg": "HS256"}, "cannot use algorithm"),
        ({**JWK, "crv": 7}, "dpop_jwk"),
        ("not a jwk", "dpop_jwk"),
    ],
)
def test_a_bad_stored_key_is_a_token_store_error(jwk: object, problem: str) -> None:
    with pytest.raises(TokenStoreError, match=problem) as info:
        TokenSet.from_dict({"access_token": "AT-1", "token_type": "DPoP", "dpop_jwk": jwk})
    assert JWK["d"] not in str(info.value)


def test_a_dpop_token_set_without_its_key_is_refused() -> None:
    with pytest.raises(TokenStoreError, match="needs dpop_jwk"):
        TokenSet.from_dict({"access_token": "AT-1", "token_type": "dpop"})
    with pytest.raises(ConfigurationError, match="needs dpop_jwk"):
        TokenSet(access_token="AT-1", token_type="DPoP")
