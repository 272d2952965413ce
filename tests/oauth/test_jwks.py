"""The JWKS cache: rotation, forged kids, Cache-Control, single flight, broken endpoints."""

from __future__ import annotations

import secrets

import anyio
import httpx
import pytest
import respx

from lexoffice_auth._oauth.idtoken import IdTokenVerifier
from lexoffice_auth._oauth.jwks import JWKSCache, parse_cache_control, parse_jwks
from lexoffice_auth.errors import ConfigurationError, IdTokenError
from lexoffice_auth.testing import FakeClock
from tests.support.expect import raises_provider

from ..support.jwt_helpers import (
    CLIENT_ID,
    JWKS_URI,
    NONCE,
    NOW,
    claims,
    ec_key,
    ed_key,
    jwks,
    metadata,
    rsa_key,
)

OLD = rsa_key("2024-key")
NEW = rsa_key("2025-key")

pytest_plugins = ["tests.support.jwt_fixtures"]


async def _verify(v: IdTokenVerifier, token: str) -> str:
    return (await v.verify(token, metadata(), nonce=NONCE)).sub


@pytest.fixture
async def route(verifier: IdTokenVerifier, router: respx.MockRouter) -> respx.Route:
    """The JWKS route serving OLD, after one verification has filled the cache."""
    route = router.get(JWKS_URI).mock(return_value=httpx.Response(200, json=jwks(OLD)))
    await _verify(verifier, OLD.sign(claims()))
    assert route.call_count == 1
    return route


# --- rotation and forged kids ---


async def test_key_rotation_is_picked_up_after_exactly_one_refetch(
    verifier: IdTokenVerifier, route: respx.Route, clock: FakeClock
) -> None:

    # The provider rotates; the next login (well inside the cache lifetime) uses the new kid.
    route.mock(return_value=httpx.Response(200, json=jwks(NEW, OLD)))
    clock.advance(30)
    await _verify(verifier, NEW.sign(claims(iat=int(clock()))))
    assert route.call_count == 2
    # Both keys are now cached: no further fetches.
    await _verify(verifier, NEW.sign(claims(iat=int(clock()))))
    await _verify(verifier, OLD.sign(claims(iat=int(clock()))))
    assert route.call_count == 2


async def test_100_forged_kids_cause_at_most_one_refetch(
    verifier: IdTokenVerifier, route: respx.Route, clock: FakeClock
) -> None:
    attacker = rsa_key("attacker")
    for _ in range(100):
        forged = attacker.sign(claims(), kid=secrets.token_hex(8))
        with pytest.raises(IdTokenError) as info:
            await _verify(verifier, forged)
        assert info.value.check == "kid"
        clock.advance(0.5)  # the stream spans 50 s, less than the refetch interval
    assert route.call_count == 2
    # Genuine tokens keep working from the cache meanwhile.
    assert await _verify(verifier, OLD.sign(claims(iat=int(clock()))))
    assert route.call_count == 2


async def test_forged_kids_may_refetch_again_after_the_interval(
    verifier: IdTokenVerifier, route: respx.Route, clock: FakeClock
) -> None:
    for minute in range(3):
        for _ in range(10):
            with pytest.raises(IdTokenError):
                await _verify(verifier, OLD.sign(claims(), kid=f"forged-{secrets.token_hex(4)}"))
        assert route.call_count == 2 + minute
        clock.advance(61)


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_concurrent_verifications_share_one_fetch(
    anyio_backend: str, router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get(JWKS_URI).mock(return_value=httpx.Response(200, json=jwks(OLD, NEW)))
    results: list[str] = []
    async with httpx.AsyncClient() as http:
        v = IdTokenVerifier(client_id=CLIENT_ID, http_client=http, clock=clock)

        async def one(i: int) -> None:
            key = OLD if i % 2 else NEW
            results.append(await _verify(v, key.sign(claims(sub=f"user-{i}"))))

        async with anyio.create_task_group() as tg:
            for i in range(20):
                tg.start_soon(one, i)
    assert sorted(results) == sorted(f"user-{i}" for i in range(20))
    assert route.call_count == 1


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_concurrent_unknown_kids_share_one_refetch(
    anyio_backend: str, router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get(JWKS_URI).mock(return_value=httpx.Response(200, json=jwks(OLD)))
    async with httpx.AsyncClient() as http:
        v = IdTokenVerifier(client_id=CLIENT_ID, http_client=http, clock=clock)
        await _verify(v, OLD.sign(claims()))
        route.mock(return_value=httpx.Response(200, json=jwks(OLD, NEW)))
        ok: list[str] = []

        async def one(i: int) -> None:
            ok.append(await _verify(v, NEW.sign(claims(sub=f"user-{i}"))))

        async with anyio.create_task_group() as tg:
            for i in range(20):
                tg.start_soon(one, i)
    assert len(ok) == 20
    assert route.call_count == 2


# --- cache lifetime ---


@pytest.mark.parametrize(
    ("cache_control", "ttl"),
    [
        (None, 3600),  # the default
        ("public, max-age=7200", 7200),
        ("max-age=5", 300),  # bounded below: 5 min
        ("max-age=9999999", 86400),  # bounded above: 24 h
        ("no-store", 300),
        ("max-age=soon", 3600),  # unparseable: the default
    ],
)
async def test_cache_lifetime_follows_cache_control_within_bounds(
    http: httpx.AsyncClient,
    router: respx.MockRouter,
    clock: FakeClock,
    cache_control: str | None,
    ttl: float,
) -> None:
    headers = {"Cache-Control": cache_control} if cache_control else {}
    route = router.get(JWKS_URI).mock(
        return_value=httpx.Response(200, json=jwks(OLD), headers=headers)
    )
    cache = JWKSCache(http, clock)
    first = await cache.get(JWKS_URI)
    assert first.expires_at == NOW + ttl
    clock.advance(ttl - 1)
    assert await cache.get(JWKS_URI) is first
    assert route.call_count == 1
    clock.advance(1)
    assert await cache.get(JWKS_URI) is not first
    assert route.call_count == 2


async def test_default_ttl_is_configurable(
    http: httpx.AsyncClient, router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get(JWKS_URI).mock(return_value=httpx.Response(200, json=jwks(OLD)))
    v = IdTokenVerifier(client_id=CLIENT_ID, http_client=http, clock=clock, jwks_default_ttl=600)
    await _verify(v, OLD.sign(claims()))
    clock.advance(601)
    await _verify(v, OLD.sign(claims(iat=int(clock()), exp=int(clock()) + 600)))
    assert route.call_count == 2


def test_parse_cache_control() -> None:
    assert parse_cache_control(None) is None
    assert parse_cache_control("") is None
    assert parse_cache_control("public") is None
    assert parse_cache_control("Max-Age=60") == 60.0
    assert parse_cache_control('max-age="120"') == 120.0
    assert parse_cache_control("max-age=-1") is None
    assert parse_cache_control("max-age=60, no-cache") == 0.0


# --- broken endpoints: a clear JWKSError, never a crash ---


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(503, text="maintenance"), "HTTP 503"),
        (httpx.Response(404), "HTTP 404"),
        (httpx.Response(302, headers={"Location": "http://evil.example/jwks"}), "HTTP 302"),
        (httpx.Response(200, text="<html>hello</html>"), "not valid JSON"),
        (httpx.Response(200, content=b"\xff\xfe\x00garbage"), "not valid JSON"),
        (httpx.Response(200, json=["keys"]), "not a JWK Set"),
        (httpx.Response(200, json={"keys": "none"}), "not a JWK Set"),
        (httpx.Response(200, json={"keys": []}), "no usable signing keys"),
        (httpx.Response(200, json={"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}), "no usable"),
        (httpx.Response(200, content=b"[" * 200_000), "not valid JSON"),
        (httpx.Response(200, content=b" " * 600_000), "larger than"),
    ],
    ids=[
        "503",
        "404",
        "redirect",
        "html",
        "binary",
        "list",
        "keys-not-list",
        "empty",
        "only-oct",
        "deep-nesting",
        "too-large",
    ],
)
async def test_broken_jwks_endpoint_gives_a_clear_error(
    verifier: IdTokenVerifier, router: respx.MockRouter, response: httpx.Response, message: str
) -> None:
    router.get(JWKS_URI).mock(return_value=response)
    with raises_provider("jwks", match=message) as info:
        await _verify(verifier, OLD.sign(claims()))
    assert JWKS_URI in str(info.value)


@pytest.mark.parametrize(
    "exc",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.DecodingError("gzip")],
)
async def test_unreachable_jwks_endpoint_gives_a_clear_error(
    verifier: IdTokenVerifier, router: respx.MockRouter, exc: Exception
) -> None:
    router.get(JWKS_URI).mock(side_effect=exc)
    with raises_provider("jwks", match="could not be reached") as info:
        await _verify(verifier, OLD.sign(claims()))
    assert type(exc).__name__ in str(info.value)
    assert info.value.__cause__ is exc


async def test_endpoint_recovering_after_an_outage_is_used_again(
    verifier: IdTokenVerifier, router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get(JWKS_URI).mock(return_value=httpx.Response(500))
    with raises_provider("jwks"):
        await _verify(verifier, OLD.sign(claims()))
    route.mock(return_value=httpx.Response(200, json=jwks(OLD)))
    # The failure is remembered for 5 s (issue 11 #2), then the endpoint is asked again.
    clock.advance(5)
    assert await _verify(verifier, OLD.sign(claims()))


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_concurrent_logins_during_an_outage_share_one_failed_fetch(
    anyio_backend: str, router: respx.MockRouter, clock: FakeClock
) -> None:
    route = router.get(JWKS_URI).mock(side_effect=httpx.ConnectTimeout("down"))
    errors: list[str] = []
    async with httpx.AsyncClient() as http:
        v = IdTokenVerifier(client_id=CLIENT_ID, http_client=http, clock=clock)

        async def one() -> None:
            with raises_provider("jwks") as info:
                await _verify(v, OLD.sign(claims()))
            errors.append(str(info.value))

        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(one)
        assert route.call_count == 1
        assert len(errors) == 20 and all("ConnectTimeout" in e for e in errors)
        # A login after the failure is remembered (5 s) tries again.
        route.mock(return_value=httpx.Response(200, json=jwks(OLD)))
        clock.advance(5)
        assert await _verify(v, OLD.sign(claims()))
        assert route.call_count == 2


async def test_refetch_failing_is_rate_limited_too(
    verifier: IdTokenVerifier, route: respx.Route, clock: FakeClock
) -> None:
    route.mock(return_value=httpx.Response(503))
    with raises_provider("jwks"):
        await _verify(verifier, OLD.sign(claims(), kid="unknown-1"))
    for i in range(10):
        with pytest.raises(IdTokenError):
            await _verify(verifier, OLD.sign(claims(), kid=f"unknown-{i + 2}"))
    assert route.call_count == 2
    # The keys fetched before the outage still verify genuine tokens.
    assert await _verify(verifier, OLD.sign(claims()))


# --- which JWK members are used ---


def test_parse_jwks_keeps_only_public_signing_keys() -> None:
    good_rsa, good_ec, good_ed = rsa_key("r"), ec_key("e"), ed_key("o")
    private = good_rsa.jwk(kid="with-d", d="AQAB")
    members = [
        good_rsa.jwk(),
        good_ec.jwk(),
        good_ed.jwk(),
        good_rsa.jwk(kid="enc", use="enc"),
        good_rsa.jwk(kid="oaep", alg="RSA-OAEP"),
        good_rsa.jwk(kid="ops", key_ops=["encrypt"]),
        good_rsa.jwk(kid="bad-kid-type") | {"kid": 7},
        private,
        rsa_key("tiny", bits=1024).jwk(),
        {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
        {"kty": "EC", "crv": "secp256k1", "x": "AA", "y": "AA", "kid": "k1"},
        {"kty": "OKP", "crv": "X25519", "x": "AA", "kid": "x"},
        {"kty": "RSA", "n": 5, "e": "AQAB", "kid": "broken"},
        "not-a-dict",
        None,
    ]
    parsed = parse_jwks(httpx.Response(200, json={"keys": members}).content, now=0, ttl=60)
    assert [k.kid for k in parsed.keys] == ["r", "e", "o"]
    assert [k.kty for k in parsed.keys] == ["RSA", "EC", "OKP"]


def test_key_fits_only_its_algorithm_family_and_curve() -> None:
    parsed = parse_jwks(
        httpx.Response(200, json=jwks(rsa_key("r"), ec_key("e384", "ES384"))).content,
        now=0,
        ttl=60,
    )
    rsa, ec384 = parsed.keys
    assert rsa.alg == "RS256"
    assert rsa.fits("RS256")
    assert not rsa.fits("PS256")  # the JWK restricts it to RS256
    assert not rsa.fits("ES256")
    assert ec384.fits("ES384")
    assert not ec384.fits("ES256")  # wrong curve
    assert parsed.candidates("ES384", None) == [ec384]
    assert parsed.candidates("RS256", "e384") == []


async def test_private_key_material_in_the_jwks_is_logged_and_ignored(
    verifier: IdTokenVerifier, router: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    leaked = OLD.jwk(d="c2VjcmV0LXByaXZhdGUtZXhwb25lbnQ")
    router.get(JWKS_URI).mock(return_value=httpx.Response(200, json={"keys": [leaked]}))
    with raises_provider("jwks", match="no usable"):
        await _verify(verifier, OLD.sign(claims()))
    assert "private key material" in caplog.text
    assert "c2VjcmV0LXByaXZhdGUtZXhwb25lbnQ" not in caplog.text


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_ttl": 600, "max_ttl": 60},
        {"default_ttl": 0},
        {"min_refetch_interval": -1},
        {"default_ttl": float("nan")},
        {"max_ttl": float("inf")},
    ],
)
def test_cache_rejects_impossible_settings(clock: FakeClock, kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError, match="min_ttl"):
        JWKSCache(httpx.AsyncClient(), clock, **kwargs)
