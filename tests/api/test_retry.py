"""``api/_retry.py``: what is retried, Retry-After against the time left, the policy checks."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import httpx
import pytest

from lexoffice_auth.api import RetryPolicy
from lexoffice_auth.errors import (
    ConfigurationError,
    NetworkError,
    RateLimited,
    ServerError,
)

from .helpers import a_person, an_invoice, mock_client

API = "https://api.lexware.io"


# --- the three shapes, from the sandbox -----------------------------------------------------


async def test_429_is_retried_with_backoff_and_honours_retry_after() -> None:
    seen: list[float] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(anyio.current_time())
        if len(seen) < 3:
            return httpx.Response(
                429, json={"message": "slow down"}, headers={"Retry-After": "0.2"}
            )
        return httpx.Response(201, json={"id": "c1", "version": 0})

    client = mock_client(api)
    result = await client.contacts.create(a_person())  # a POST: a 429 was never carried out
    assert result.id == "c1" and len(seen) == 3
    assert seen[1] - seen[0] >= 0.19 and seen[2] - seen[1] >= 0.19


async def test_429_gives_up_after_the_policy_attempts() -> None:
    calls = 0

    def api(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(429, json={"status": 429, "message": "Rate limit exceeded"})

    client = mock_client(api, retry=RetryPolicy(attempts=3, wait_initial=0.001, wait_jitter=0))
    with pytest.raises(RateLimited, match="Rate limit exceeded") as info:
        await client.contacts.get("a")
    assert calls == 3 and info.value.retried == 2 and info.value.retry_after is None


async def test_get_is_retried_on_5xx_and_transport_errors() -> None:
    answers: list[Any] = [
        httpx.Response(503),
        httpx.ReadTimeout("slow"),
        httpx.Response(200, json={}),
    ]

    def api(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    client = mock_client(api)
    contact = await client.contacts.get("a")
    assert contact.version == 0 and answers == []


async def test_get_gives_up_after_read_attempts() -> None:
    calls = 0

    def api(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ConnectError("refused")

    with pytest.raises(NetworkError, match=r"api\.lexware\.io:443 could not be reached") as info:
        await mock_client(api).contacts.get("a")
    assert calls == 3 and info.value.transient
    assert isinstance(info.value.__cause__, httpx.ConnectError)  # the original, for debugging


@pytest.mark.parametrize(
    ("answer", "error", "text"),
    [
        (
            httpx.Response(504, json={"message": "Endpoint request timed out"}),
            ServerError,
            "Endpoint request timed out.*may have been carried out",
        ),
        (httpx.Response(500, json={"message": None}), ServerError, "not retried"),
        (httpx.ReadTimeout("slow"), NetworkError, "may have carried it out"),
    ],
)
async def test_post_is_never_retried_after_504_5xx_or_timeout(
    answer: Any, error: type[Exception], text: str
) -> None:
    calls = 0

    def api(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if isinstance(answer, Exception):
            raise answer
        return answer

    with pytest.raises(error, match=text):
        await mock_client(api).invoices.create(an_invoice())
    assert calls == 1


async def test_post_is_retried_when_the_connection_was_never_made() -> None:
    answers: list[Any] = [httpx.ConnectError("refused"), httpx.Response(201, json={"id": "i1"})]

    def api(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert (await mock_client(api).invoices.create(an_invoice())).id == "i1"


# --- configuration ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("retry_after", "policy"),
    [
        ("3600", RetryPolicy()),  # an hour, where the policy gives up after 120 s
        ("2", RetryPolicy(timeout=1.0, wait_initial=0.001, wait_jitter=0)),
    ],
)
async def test_a_retry_after_past_the_policy_timeout_is_not_slept(
    retry_after: str, policy: RetryPolicy
) -> None:
    calls = 0

    def api(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(429, json={"message": "later"}, headers={"Retry-After": retry_after})

    client = mock_client(api, retry=policy)
    with anyio.fail_after(5), pytest.raises(RateLimited, match="later") as info:
        await client.contacts.get("a")
    assert calls == 1 and info.value.retried == 0
    assert info.value.retry_after == float(retry_after)  # the caller may wait and try again


async def test_a_retry_after_counts_against_the_time_left() -> None:
    seen: list[float] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(anyio.current_time())
        return httpx.Response(429, json={"message": "later"}, headers={"Retry-After": "0.3"})

    policy = RetryPolicy(attempts=10, timeout=0.5, wait_initial=0.001, wait_jitter=0)
    with anyio.fail_after(5), pytest.raises(RateLimited) as info:
        await mock_client(api, retry=policy).contacts.get("a")
    # 0.3 s fits into the first 0.5 s; a second 0.3 s would end after the timeout.
    assert len(seen) == 2 and info.value.retried == 1
    assert seen[1] - seen[0] >= 0.29


@pytest.mark.parametrize(
    "options",
    [
        {"wait_initial": float("nan")},
        {"wait_max": float("inf")},
        {"wait_jitter": float("-inf")},
        {"timeout": float("inf")},
        {"timeout": float("nan")},
        {"timeout": 0},
        {"wait_initial": -1},
        {"wait_max": "1"},
        {"timeout": True},
        {"attempts": 0},
        {"attempts": 2.0},
        {"read_attempts": True},
    ],
)
def test_retry_policy_refuses_what_is_no_finite_time_or_count(options: dict[str, Any]) -> None:
    name = next(iter(options))
    with pytest.raises(ConfigurationError, match=rf"RetryPolicy\.{name} must be"):
        RetryPolicy(**options)


def test_retry_policy_accepts_zero_waits_and_one_attempt() -> None:
    policy = RetryPolicy(attempts=1, read_attempts=1, wait_initial=0, wait_max=0, wait_jitter=0)
    assert (policy.attempts, policy.wait_initial, policy.timeout) == (1, 0, 120.0)


# --- URLs follow the package's one rule (lexoffice_auth.rules) ------------------------------------


async def test_a_retry_is_logged_by_our_logger_at_debug_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    answers = [httpx.Response(503), httpx.Response(200, json={})]

    def api(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    policy = RetryPolicy(wait_initial=0, wait_max=0, wait_jitter=0)
    with caplog.at_level(logging.DEBUG, logger="lexoffice_auth"):
        await mock_client(api, retry=policy).contacts.get("a")
    event = "api.retry_scheduled"
    retries = [r for r in caplog.records if getattr(r, "lexoffice_event", "") == event]
    assert [(r.name, r.levelno, r.attempt) for r in retries] == [
        ("lexoffice_auth", logging.DEBUG, 1)
    ]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_the_library_prints_nothing_without_logging_configured() -> None:
    import subprocess
    import sys

    code = (
        "import logging, lexoffice_auth;"
        "logging.getLogger('lexoffice_auth').warning('would reach stderr via lastResort')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr == ""
