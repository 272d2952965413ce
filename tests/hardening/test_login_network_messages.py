"""Clear errors where users go wrong (issue 11, Also): a DNS failure says so.

Before, a host that does not resolve, a refused connection and any other connect failure
all read "... request to HOST failed: ConnectError".
"""

from __future__ import annotations

import socket

import httpx
import pytest

from lexoffice_auth import OAuthClient, ProviderMetadata, TokenSet
from lexoffice_auth.errors import DiscoveryError, NetworkError
from tests.support.oauth_helpers import CLIENT_ID, REDIRECT, discovery_doc


def dns_failure(request: httpx.Request) -> httpx.Response:
    # What httpx raises for a name that does not resolve: the gaierror is the cause.
    try:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    except socket.gaierror as exc:
        raise httpx.ConnectError("[Errno -2] Name or service not known") from exc


async def test_discovery_of_an_unresolvable_host_says_dns() -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(dns_failure))
    async with (
        http,
        OAuthClient(
            CLIENT_ID, REDIRECT, issuer="https://id.exmaple.com", http_client=http
        ) as oauth,
    ):
        with pytest.raises(
            DiscoveryError, match=r"could not resolve host id\.exmaple\.com \(DNS\)"
        ):
            await oauth.metadata()


async def test_a_token_request_to_an_unresolvable_host_says_dns() -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(dns_failure))
    meta = ProviderMetadata.model_validate(discovery_doc("https://id.exmaple.com"))
    async with http, OAuthClient(CLIENT_ID, REDIRECT, metadata=meta, http_client=http) as oauth:
        tokens = TokenSet(access_token="AT", refresh_token="RT")
        with pytest.raises(NetworkError, match=r"could not resolve host id\.exmaple\.com \(DNS\)"):
            await oauth.refresh(tokens)


async def test_a_refused_connection_says_refused_not_dns() -> None:
    with socket.socket() as s:  # a loopback port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    issuer = f"http://127.0.0.1:{port}"
    async with OAuthClient(CLIENT_ID, REDIRECT, issuer=issuer, timeout=5) as oauth:
        with pytest.raises(DiscoveryError, match="connection refused") as info:
            await oauth.metadata()
    assert "DNS" not in str(info.value)
