"""``delayed``: a response whose body arrives late, in sync and async code."""

from __future__ import annotations

import time

import anyio
import httpx
import pytest

from lexoffice_auth.testing._latency import delayed

from ..support.virtual_time import virtual_backend


@pytest.mark.parametrize("seconds", [0, -1, float("nan")])
def test_no_delay_keeps_the_response(seconds: float) -> None:
    response = httpx.Response(200, json={"ok": True})
    assert delayed(response, seconds) is response


def test_a_sync_read_sleeps_then_gives_the_same_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    original = httpx.Response(503, json={"error": "temporarily_unavailable"})
    late = delayed(original, 2.5)
    assert slept == []  # nothing waits until the body is read
    assert late.read() == original.content
    assert slept == [2.5]
    assert late.status_code == 503
    assert late.headers["content-type"] == "application/json"
    assert late.json() == {"error": "temporarily_unavailable"}


@pytest.mark.parametrize(
    "anyio_backend", [virtual_backend("asyncio"), virtual_backend("trio")], ids=["asyncio", "trio"]
)
async def test_an_async_read_waits_in_the_event_loops_time() -> None:
    late = delayed(httpx.Response(200, text="late"), 60)
    start = anyio.current_time()
    assert await late.aread() == b"late"
    assert anyio.current_time() - start == pytest.approx(60, abs=0.5)


@pytest.mark.parametrize("anyio_backend", [virtual_backend("asyncio")], ids=["asyncio"])
async def test_a_cancelled_read_gets_nothing() -> None:
    late = delayed(httpx.Response(200, text="late"), 60)
    with anyio.move_on_after(0.01) as scope:
        await late.aread()
    assert scope.cancelled_caught
