"""fetch_userinfo (Core §5.3) and end_session_url (RP-Initiated Logout)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from lexoffice_auth._oauth.idtoken import end_session_url, fetch_userinfo
from lexoffice_auth.errors import ConfigurationError
from tests.support.expect import raises_provider

from ..support.jwt_helpers import ACCESS_TOKEN, ISSUER, SUB, USERINFO_URI, metadata

pytest_plugins = ["tests.support.jwt_fixtures"]


async def test_userinfo_returns_the_claims(
    http: httpx.AsyncClient, router: respx.MockRouter
) -> None:
    body = {"sub": SUB, "email": "ada@example.com", "groups": ["admins"]}
    route = router.get(USERINFO_URI).mock(return_value=httpx.Response(200, json=body))
    assert await fetch_userinfo(http, metadata(), ACCESS_TOKEN, SUB) == body
    request = route.calls.last.request
    assert request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert request.headers["Accept"] == "application/json"


async def test_userinfo_for_another_subject_is_rejected(
    http: httpx.AsyncClient, router: respx.MockRouter
) -> None:
    router.get(USERINFO_URI).mock(
        return_value=httpx.Response(200, json={"sub": "someone-else", "email": "eve@example"})
    )
    with raises_provider("userinfo", match="sub differs") as info:
        await fetch_userinfo(http, metadata(), ACCESS_TOKEN, SUB)
    assert "someone-else" not in str(info.value) and SUB not in str(info.value)


async def test_signed_userinfo_is_refused_as_unsupported(
    http: httpx.AsyncClient, router: respx.MockRouter
) -> None:
    router.get(USERINFO_URI).mock(
        return_value=httpx.Response(
            200, content=b"eyJ.eyJ.sig", headers={"Content-Type": "application/jwt"}
        )
    )
    with raises_provider("userinfo", match="not supported"):
        await fetch_userinfo(http, metadata(), ACCESS_TOKEN, SUB)


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (
            httpx.Response(
                401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}, json={}
            ),
            'HTTP 401 \\(Bearer error="invalid_token"\\)',
        ),
        (httpx.Response(500, text="oops"), "HTTP 500$"),
        (httpx.Response(200, text="<html>"), "not valid JSON"),
        (httpx.Response(200, json=[SUB]), "not a JSON object"),
        (httpx.Response(200, json={"email": "a@b"}), "no sub"),
        (httpx.Response(200, json={"sub": 42}), "no sub"),
        (httpx.Response(200, content=b" " * 600_000), "too large"),
    ],
)
async def test_bad_userinfo_responses_are_userinfo_errors(
    http: httpx.AsyncClient, router: respx.MockRouter, response: httpx.Response, message: str
) -> None:
    router.get(USERINFO_URI).mock(return_value=response)
    with raises_provider("userinfo", match=message) as info:
        await fetch_userinfo(http, metadata(), ACCESS_TOKEN, SUB)
    assert ACCESS_TOKEN not in str(info.value)


async def test_unreachable_userinfo_is_a_userinfo_error(
    http: httpx.AsyncClient, router: respx.MockRouter
) -> None:
    router.get(USERINFO_URI).mock(side_effect=httpx.ConnectTimeout("slow"))
    with raises_provider("userinfo", match="ConnectTimeout") as info:
        await fetch_userinfo(http, metadata(), ACCESS_TOKEN, SUB)
    assert isinstance(info.value.__cause__, httpx.ConnectTimeout)


async def test_no_userinfo_endpoint_or_no_token(http: httpx.AsyncClient) -> None:
    with raises_provider("userinfo", match="no userinfo_endpoint"):
        await fetch_userinfo(http, metadata(userinfo_endpoint=None), ACCESS_TOKEN, SUB)
    with raises_provider("userinfo", match="no access token"):
        await fetch_userinfo(http, metadata(), "", SUB)


async def test_userinfo_does_not_follow_redirects_with_the_token(
    http: httpx.AsyncClient, router: respx.MockRouter
) -> None:
    router.get(USERINFO_URI).mock(
        return_value=httpx.Response(307, headers={"Location": "https://elsewhere.example/u"})
    )
    other = router.get("https://elsewhere.example/u").mock(
        return_value=httpx.Response(200, json={"sub": SUB})
    )
    with raises_provider("userinfo", match="HTTP 307"):
        await fetch_userinfo(http, metadata(), ACCESS_TOKEN, SUB)
    assert other.call_count == 0


# --- end_session_url ---


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_end_session_url_carries_the_logout_parameters() -> None:
    url = end_session_url(
        metadata(),
        id_token_hint="eyJ.hint.sig",
        post_logout_redirect_uri="https://app.example/bye?x=1",
        state="st-1",
        client_id="client-123",
    )
    assert url.startswith(f"{ISSUER}/logout?")
    assert _query(url) == {
        "id_token_hint": ["eyJ.hint.sig"],
        "post_logout_redirect_uri": ["https://app.example/bye?x=1"],
        "state": ["st-1"],
        "client_id": ["client-123"],
    }


def test_end_session_url_without_parameters_is_the_endpoint() -> None:
    assert end_session_url(metadata()) == f"{ISSUER}/logout"


def test_end_session_url_keeps_the_endpoints_own_query() -> None:
    md = metadata(end_session_endpoint=f"{ISSUER}/logout?tenant=acme")
    assert _query(end_session_url(md, state="s")) == {"tenant": ["acme"], "state": ["s"]}
    assert end_session_url(md) == f"{ISSUER}/logout?tenant=acme"


def test_end_session_url_needs_an_end_session_endpoint() -> None:
    with pytest.raises(ConfigurationError, match="end_session_endpoint"):
        end_session_url(metadata(end_session_endpoint=None), id_token_hint="eyJ.secret.sig")
