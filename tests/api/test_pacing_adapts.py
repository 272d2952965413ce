"""The shared bucket slows down to what lexoffice allows, and the 429s stop (virtual time)."""

from __future__ import annotations

import httpx
import pytest
import trio
import trio.testing

from lexoffice_auth import ApiKeyAuth
from lexoffice_auth.api import LexofficeClient, RetryPolicy, TokenBucket
from lexoffice_auth.errors import Conflict, RateLimited
from lexoffice_auth.testing import API_BASE_URL, FakeLexoffice

EPOCH = 1_760_000_000.0


class Recording(httpx.AsyncBaseTransport):
    """Passes requests on and notes (virtual time, status) of every answer."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.answers: list[tuple[float, int]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.answers.append((trio.current_time(), response.status_code))
        return response


def run_virtual(main: object) -> None:
    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))  # type: ignore[arg-type]


def test_a_server_allowing_half_the_rate_is_matched_and_the_429s_stop() -> None:
    """Client at 2/s, sandbox at 1/s, 20 concurrent callers, 120 s of virtual time."""
    result: dict[str, object] = {}

    async def main() -> None:
        clock = lambda: EPOCH + trio.current_time()  # noqa: E731
        fake = FakeLexoffice(
            api_base=API_BASE_URL, clock=clock, rate_limit=1.0, rate_limit_capacity=2.0
        )
        key, contact = fake.add_api_key(), fake.add_contact(name="Acme AG")
        recording = Recording(fake.transport())
        bucket = TokenBucket(2.0, clock=clock)
        retry = RetryPolicy(attempts=20, wait_jitter=0.0, wait_max=2.0, timeout=10_000)
        async with (
            httpx.AsyncClient(transport=recording) as http,
            LexofficeClient(ApiKeyAuth(key), http_client=http, limiter=bucket, retry=retry) as lx,
        ):

            async def caller() -> None:
                while trio.current_time() < 120:
                    await lx.contacts.get(contact)

            async with trio.open_nursery() as nursery:
                for _ in range(20):
                    nursery.start_soon(caller)
        result.update(answers=recording.answers, rate=bucket.current_rate)

    run_virtual(main)
    answers = result["answers"]
    assert isinstance(answers, list)
    ok_after_10 = [t for t, status in answers if status == 200 and 10 <= t < 120]
    throttled = [t for t, status in answers if status == 429]
    achieved = len(ok_after_10) / 110
    assert achieved >= 0.9, achieved  # at least 0.9 of the 1/s the server allows
    assert throttled, "the server must have refused some requests at first"
    assert max(throttled) < 30, throttled  # then the 429 count stops growing
    assert 0.9 <= float(result["rate"]) <= 1.0  # type: ignore[arg-type]


def test_the_bucket_creeps_back_after_five_calm_minutes() -> None:
    now = [0.0]
    bucket = TokenBucket(2.0, clock=lambda: now[0])
    for _ in range(10):  # ten seconds of one accepted request a second
        bucket.feedback(False)
        now[0] += 1.0
    bucket.feedback(True)
    cut = bucket.current_rate
    assert cut == pytest.approx(0.95)  # just below the 1/s the server accepted
    bucket.feedback(True)  # the same burst of 429s: no second cut
    assert bucket.current_rate == cut
    now[0] += 299
    bucket.feedback(False)
    assert bucket.current_rate == cut  # not calm long enough yet
    now[0] += 2
    bucket.feedback(False)
    assert bucket.current_rate == pytest.approx(cut + 0.02)  # +1 % of the configured rate
    for _ in range(200):
        bucket.feedback(False)
    assert bucket.current_rate == 2.0  # never above the configured rate


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (500, b'{"message":"Rate limit exceeded. Please try again later."}', RateLimited),
        (
            406,
            b'{"IssueList":[{"i18nKey":"invalid_value","source":"version","type":"conflict"}]}',
            Conflict,
        ),
    ],
)
def test_live_quirks_map_to_the_documented_errors(
    status: int, body: bytes, error: type[Exception]
) -> None:
    from lexoffice_auth.api._errors import error_from_response

    found = error_from_response("PUT", "/v1/contacts/x", status, {}, body)
    assert type(found) is error


def test_a_missing_version_is_still_a_validation_error() -> None:
    from lexoffice_auth.api._errors import error_from_response
    from lexoffice_auth.errors import ValidationFailed

    body = b'{"IssueList":[{"i18nKey":"missing_entity","source":"version"}]}'
    assert type(error_from_response("POST", "/v1/contacts", 406, {}, body)) is ValidationFailed
