"""Hardening of the API client: echoed credentials, trickling servers."""

from __future__ import annotations

import json
import pickle

import httpx
import pytest
import respx

from lexoffice_auth import ApiKeyAuth
from lexoffice_auth.api import LexofficeClient, RetryPolicy
from lexoffice_auth.errors import (
    ApiError,
    ApiKeyRejected,
    ReauthenticationRequired,
    Unauthorized,
    ValidationFailed,
)

BASE = "https://api.lexware.io"
KEY = "lx-key-0123456789abcdefghijklmnopqrstuvwxyz"


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, {"message": f"Unauthorized: header was 'Bearer {KEY}'"}, Unauthorized),
        (
            406,
            {
                "message": f"Validation failed, request had Authorization: Bearer {KEY}",
                "details": [{"field": "authorization", "violation": "X", "message": KEY}],
            },
            ValidationFailed,
        ),
        (
            406,
            {"IssueList": [{"i18nKey": f"echo {KEY}", "source": f"Bearer {KEY}"}]},
            ValidationFailed,
        ),
        (
            400,
            {"message": "proxy saw: Authorization: Bearer some-other-token-1234"},
            ValidationFailed,
        ),
    ],
)
async def test_an_echoed_credential_never_reaches_the_error(
    status: int, body: dict[str, object], error: type[ApiError]
) -> None:
    with respx.mock(base_url=BASE) as router:
        router.get("/v1/contacts/c1").respond(status, json=body)
        async with LexofficeClient(
            ApiKeyAuth(KEY), rate_limit=None, retry=RetryPolicy.never()
        ) as lx:
            with pytest.raises(error) as caught:
                await lx.contacts.get("c1")
    exc = caught.value
    carried = " ".join([str(exc), repr(exc), json.dumps(exc.details, default=str)])
    assert KEY not in carried and "some-other-token-1234" not in carried
    assert isinstance(exc, ApiError)
    if isinstance(exc, ApiKeyRejected):  # a rejected key is an API error too (was not)
        assert exc.status_code == 401 and isinstance(exc, ReauthenticationRequired)
        assert pickle.loads(pickle.dumps(exc)).status_code == 401
    else:
        assert "[redacted]" in carried  # said, not silently dropped


class Trickle(httpx.AsyncByteStream):
    """A body that never ends: one byte a second (each byte well inside httpx's timeout)."""

    async def __aiter__(self):  # type: ignore[no-untyped-def]
        import trio

        yield b"{"
        while True:
            await trio.sleep(1.0)
            yield b" "


def test_a_trickling_server_is_cut_off_by_the_deadline() -> None:
    import trio
    import trio.testing

    from lexoffice_auth.errors import NetworkError

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "application/json"}, stream=Trickle())

    outcome: dict[str, object] = {}

    async def main() -> None:
        started = trio.current_time()
        http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        retry = RetryPolicy(read_attempts=2, wait_jitter=0.0, wait_initial=0.5)
        async with LexofficeClient(
            ApiKeyAuth(KEY), http_client=http, rate_limit=None, retry=retry, timeout=3.0
        ) as lx:
            try:
                await lx.profile()
            except NetworkError as exc:
                outcome["error"] = exc
        outcome["elapsed"] = trio.current_time() - started
        await http.aclose()

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))
    assert isinstance(outcome.get("error"), NetworkError)
    assert "9 s" in str(outcome["error"])  # the default deadline: 3 x timeout
    assert 18 <= float(outcome["elapsed"]) < 20  # type: ignore[arg-type]  # two attempts, cut


def test_deadlines_are_checked() -> None:
    from lexoffice_auth.errors import ConfigurationError

    for bad in (0, -1, float("nan"), True, "10"):
        with pytest.raises(ConfigurationError, match="deadline"):
            LexofficeClient(ApiKeyAuth(KEY), deadline=bad)  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError, match="download_deadline"):
            LexofficeClient(ApiKeyAuth(KEY), download_deadline=bad)  # type: ignore[arg-type]
