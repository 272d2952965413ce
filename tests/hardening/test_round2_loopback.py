"""Round 2, item 8: the CLI's loopback receiver waits for the real callback, checks Host.

0.2.0 took the first ``GET /callback`` as the callback: a browser's prefetch or another
tab ended the login with a state mismatch. Its Host header was not checked, so a web page
could reach it through DNS rebinding. Now a callback without the login's state gets 400
and the wait goes on; a Host other than 127.0.0.1 / localhost / [::1] (our port) gets 421.
"""

from __future__ import annotations

import anyio
import httpx
import pytest

from lexoffice_auth import TokenSet
from lexoffice_auth.cli._loopback import LoopbackReceiver
from lexoffice_auth.testing import FakeLexoffice

from ..cli.test_loopback import _oauth

pytestmark = pytest.mark.anyio


async def test_stray_callbacks_are_ignored_until_the_real_one() -> None:
    fake = FakeLexoffice(rate_limit=None)
    async with LoopbackReceiver[TokenSet]() as rx:
        oauth = _oauth(fake, rx.redirect_uri)
        pending = await oauth.start_login()
        callback = fake.approve(pending.authorization_url)
        answers: list[httpx.Response] = []

        async def browser() -> None:
            async with httpx.AsyncClient(timeout=10) as http:
                for stray in ("", "?code=prefetch", "?code=x&state=another-tab-state-xyz"):
                    answers.append(await http.get(rx.redirect_uri + stray))
                doubled = httpx.URL(callback).copy_add_param("state", "x" * 43)
                answers.append(await http.get(str(doubled)))
                answers.append(await http.get(callback))

        async with anyio.create_task_group() as tg:
            tg.start_soon(browser)
            tokens = await rx.wait(
                lambda url: oauth.complete_login(url, pending),
                within=10,
                state=pending.state.get_secret_value(),
            )
    assert [a.status_code for a in answers] == [400, 400, 400, 400, 200]
    assert tokens.id_claims is not None
    assert rx.ignored == 4
    assert fake.token_calls["authorization_code"] == 1


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:{port}", "127.0.0.1:1", "127.0.0.2:{port}", "localhost.evil"],
)
async def test_a_foreign_host_header_is_refused_and_does_not_end_the_wait(host: str) -> None:
    seen: list[str] = []

    async def handle(url: str) -> str:
        seen.append(url)
        return "done"

    async with LoopbackReceiver[str]() as rx:
        answers: list[int] = []

        async def browser() -> None:
            async with httpx.AsyncClient(timeout=10) as http:
                rebinding = {"Host": host.format(port=rx.port)}
                answers.append(
                    (
                        await http.get(rx.redirect_uri + "?code=c&state=s", headers=rebinding)
                    ).status_code
                )
                answers.append((await http.get(rx.redirect_uri + "?code=c&state=s")).status_code)

        async with anyio.create_task_group() as tg:
            tg.start_soon(browser)
            assert await rx.wait(handle, within=10, state="s") == "done"
    assert answers == [421, 200]
    assert len(seen) == 1 and rx.ignored == 1


@pytest.mark.parametrize(
    "host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}", "localhost"]
)
async def test_loopback_host_names_are_accepted(host: str) -> None:
    async def handle(url: str) -> str:
        return "done"

    async with LoopbackReceiver[str]() as rx:
        answers: list[int] = []

        async def browser() -> None:
            async with httpx.AsyncClient(timeout=10) as http:
                headers = {"Host": host.format(port=rx.port)}
                response = await http.get(rx.redirect_uri + "?code=c&state=s", headers=headers)
                answers.append(response.status_code)

        async with anyio.create_task_group() as tg:
            tg.start_soon(browser)
            assert await rx.wait(handle, within=10, state="s") == "done"
    assert answers == [200]
