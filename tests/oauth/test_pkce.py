import re

import pytest

from lexoffice_auth._oauth.pkce import code_challenge, new_code_verifier
from lexoffice_auth.errors import ConfigurationError


def test_rfc7636_appendix_b_vector() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_verifier_alphabet_length_and_freshness() -> None:
    seen = set()
    for _ in range(200):
        v = new_code_verifier()
        assert re.fullmatch(r"[A-Za-z0-9\-._~]{43,128}", v)
        seen.add(v)
    assert len(seen) == 200


@pytest.mark.parametrize("length", [43, 100, 128])
def test_verifier_lengths(length: int) -> None:
    v = new_code_verifier(length)
    assert len(v) == length
    # 6 bits per base64url character: even the shortest allowed carries >= 256 bits.
    assert len(v) * 6 >= 256


@pytest.mark.parametrize("length", [0, 42, 129])
def test_verifier_length_out_of_range(length: int) -> None:
    with pytest.raises(ConfigurationError):
        new_code_verifier(length)


@pytest.mark.parametrize("bad", ["short", "a" * 129, "x" * 42 + "!", "é" * 50])
def test_challenge_rejects_bad_verifiers(bad: str) -> None:
    with pytest.raises(ConfigurationError):
        code_challenge(bad)
