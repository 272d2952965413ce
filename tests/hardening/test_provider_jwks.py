"""Issue 11 #2, JWKS: an outage of the key set is shared like a discovery outage.

Concurrent id_token verifications share one JWKS fetch and its failure, and the failure is
remembered briefly (``failure_ttl``, on the verifier's clock): 200 logins during a JWKS outage
cost the provider at most two JWKS requests, not 200.
"""

from __future__ import annotations

import anyio
import httpx
import pytest

from lexoffice_auth import OAuthClient, TokenSet
from lexoffice_auth.errors import ProviderError

from .provider_fakes import FaultyProvider, refuse

BACKENDS = pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])


async def _login(provider: FaultyProvider, http: httpx.AsyncClient, oauth: OAuthClient) -> TokenSet:
    pending = await oauth.start_login()
    callback = await provider.browse(http, pending.authorization_url)
    return await oauth.complete_login(callback, pending)


def _error_503(request: httpx.Request) -> httpx.Response:
    return httpx.Response(503, text="maintenance")


@BACKENDS
@pytest.mark.parametrize("fault", [refuse, _error_503], ids=["refused", "503"])
async def test_200_logins_during_a_jwks_outage_make_at_most_2_jwks_requests(
    anyio_backend: str, fault: object
) -> None:
    provider = FaultyProvider()
    provider.faults["jwks"] = fault  # type: ignore[assignment]
    failures: list[ProviderError] = []
    async with provider.http() as http:
        oauth = provider.oauth(http, timeout=2.0)

        async def one() -> None:
            with pytest.raises(ProviderError) as info:
                await _login(provider, http, oauth)
            failures.append(info.value)

        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                for _ in range(200):
                    tg.start_soon(one)
    assert len(failures) == 200
    assert {f.endpoint for f in failures} == {"jwks"}
    assert provider.calls["token"] == 200
    assert provider.calls["jwks"] <= 2, provider.calls
    # Each caller gets an error of its own that says the same as the original.
    assert len({id(f) for f in failures}) == 200
    assert len({(type(f), str(f), f.transient, f.status_code) for f in failures}) == 1


async def test_a_jwks_failure_is_remembered_briefly_then_retried() -> None:
    provider = FaultyProvider()
    provider.faults["jwks"] = refuse
    async with provider.http() as http:
        oauth = provider.oauth(http, timeout=2.0)
        for _ in range(5):  # one after another: each arrives after the last failure
            with pytest.raises(ProviderError) as info:
                await _login(provider, http, oauth)
            assert info.value.endpoint == "jwks"
            assert info.value.transient
        assert provider.calls["jwks"] == 1
        # The provider is back; once the failure is forgotten, logins work again.
        del provider.faults["jwks"]
        provider.fake.advance(5.0)
        tokens = await _login(provider, http, oauth)
        assert tokens.id_claims is not None
        assert provider.calls["jwks"] == 2
