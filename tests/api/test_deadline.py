"""The whole-exchange deadline (``api/_deadline.py``): one timer per client on asyncio,
``asyncio.timeout``'s semantics, and the client's trickling-server case on both loops.

Everything waits in virtual time (``tests/support/virtual_time.py``)."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
import httpx
import pytest

from lexoffice_auth import ApiKeyAuth
from lexoffice_auth.api import LexofficeClient, RetryPolicy
from lexoffice_auth.api._deadline import Watchdog
from lexoffice_auth.errors import NetworkError

from ..support.virtual_time import VirtualTimeLoop, virtual_backend

KEY = "lx-key-0123456789abcdefghijklmnopqrstuvwxyz"


def run_virtual(main: Any) -> Any:
    loop = VirtualTimeLoop()
    try:
        return loop.run_until_complete(main())
    finally:
        loop.close()


def test_each_exchange_ends_at_its_own_deadline() -> None:
    watchdog = Watchdog()
    ended: dict[str, tuple[str, float]] = {}

    async def exchange(name: str, seconds: float, takes: float) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            with watchdog.bound(seconds):
                await asyncio.sleep(takes)
            ended[name] = ("done", loop.time() - started)
        except TimeoutError:
            ended[name] = ("timeout", loop.time() - started)

    async def main() -> None:
        await asyncio.gather(
            exchange("slow", 10, 100),
            exchange("quick", 10, 1),
            exchange("later", 30, 100),
            exchange("sooner", 5, 100),
        )

    run_virtual(main)
    assert ended["quick"] == ("done", pytest.approx(1, abs=0.01))
    assert ended["sooner"] == ("timeout", pytest.approx(5, abs=0.01))
    assert ended["slow"] == ("timeout", pytest.approx(10, abs=0.01))
    assert ended["later"] == ("timeout", pytest.approx(30, abs=0.01))


def test_one_timer_serves_many_calls() -> None:
    """The point of the watchdog: calls that end in time arm no timer of their own."""
    watchdog = Watchdog()
    armed: list[float] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        call_at = loop.call_at

        def counting(when: float, callback: Any, *args: Any) -> asyncio.TimerHandle:
            armed.append(when)
            return call_at(when, callback, *args)

        loop.call_at = counting  # type: ignore[method-assign]
        for _ in range(1000):
            with watchdog.bound(60):
                pass
        loop.call_at = call_at  # type: ignore[method-assign]

    run_virtual(main)
    assert len(armed) == 1


def test_someone_elses_cancellation_is_not_turned_into_a_timeout() -> None:
    watchdog = Watchdog()
    outcome: list[str] = []

    async def inner() -> None:
        try:
            with watchdog.bound(10):
                await asyncio.sleep(100)
        except TimeoutError:
            outcome.append("timeout")
            raise
        except asyncio.CancelledError:
            outcome.append("cancelled")
            raise

    async def main() -> None:
        task = asyncio.ensure_future(inner())
        await asyncio.sleep(1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run_virtual(main)
    assert outcome == ["cancelled"]


def test_an_outer_timeout_that_ends_first_stays_the_outer_ones() -> None:
    watchdog = Watchdog()

    async def main() -> str:
        try:
            async with asyncio.timeout(3):
                try:
                    with watchdog.bound(10):
                        await asyncio.sleep(100)
                except TimeoutError:
                    return "inner"
        except TimeoutError:
            return "outer"
        return "none"

    assert run_virtual(main) == "outer"


def test_a_task_goes_on_normally_after_its_deadline_fired() -> None:
    """The watchdog's cancellation is taken back: the task can await again afterwards."""
    watchdog = Watchdog()

    async def main() -> str:
        with pytest.raises(TimeoutError), watchdog.bound(1):
            await asyncio.sleep(5)
        await asyncio.sleep(5)  # would raise CancelledError if a cancel were left pending
        with watchdog.bound(10):
            await asyncio.sleep(1)
        return "went on"

    assert run_virtual(main) == "went on"


def test_a_client_used_on_a_second_loop_gets_a_new_timer() -> None:
    watchdog = Watchdog()

    async def main() -> None:
        with pytest.raises(TimeoutError), watchdog.bound(2):
            await asyncio.sleep(5)
        with watchdog.bound(60):  # leaves a timer armed on this loop
            pass

    run_virtual(main)
    run_virtual(main)  # the first loop's timer is gone with its loop


class Trickle(httpx.AsyncByteStream):
    """A body that never ends: one byte a second (each byte well inside httpx's timeout)."""

    async def __aiter__(self):  # type: ignore[no-untyped-def]
        yield b"{"
        while True:
            await anyio.sleep(1.0)
            yield b" "


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    return virtual_backend(request.param)


async def test_a_trickling_server_is_cut_off_on_both_loops() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "application/json"}, stream=Trickle())

    started = anyio.current_time()
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    retry = RetryPolicy(read_attempts=2, wait_jitter=0.0, wait_initial=0.5)
    async with LexofficeClient(
        ApiKeyAuth(KEY), http_client=http, rate_limit=None, retry=retry, timeout=3.0
    ) as lx:
        with pytest.raises(NetworkError, match="within 9 s"):
            await lx.profile()
    elapsed = anyio.current_time() - started
    await http.aclose()
    assert 18 <= elapsed < 20  # two attempts of 9 s (3 x timeout), 0.5 s apart
