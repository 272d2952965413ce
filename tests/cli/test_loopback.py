"""The RFC 8252 loopback receiver, tested directly with short timeouts (loopback only)."""

from __future__ import annotations

import socket
import time

import anyio
import httpx
import pytest

from lexoffice_auth import OAuthClient, TokenSet
from lexoffice_auth.cli._loopback import CallbackTimeout, LoopbackReceiver
from lexoffice_auth.errors import LexofficeAuthError, LoginError
from lexoffice_auth.testing import DEFAULT_CLIENT_ID, FakeLexoffice

pytestmark = pytest.mark.anyio


def _oauth(fake: FakeLexoffice, redirect_uri: str) -> OAuthClient:
    return OAuthClient(
        DEFAULT_CLIENT_ID,
        redirect_uri,
        issuer=fake.issuer,
        scopes=("openid", "email"),
        http_client=fake.client(),
        clock=fake.clock,
    )


async def _browse(url: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as browser:
        return await browser.get(url)


async def test_a_callback_with_the_right_state_logs_in() -> None:
    fake = FakeLexoffice(rate_limit=None)
    async with LoopbackReceiver[TokenSet]() as rx:
        assert rx.redirect_uri.startswith("http://127.0.0.1:") and rx.port > 0
        oauth = _oauth(fake, rx.redirect_uri)
        pending = await oauth.start_login()
        callback = fake.approve(pending.authorization_url)
        pages: list[httpx.Response] = []
        async with anyio.create_task_group() as tg:

            async def browser() -> None:
                pages.append(await _browse(callback))

            tg.start_soon(browser)
            tokens = await rx.wait(lambda url: oauth.complete_login(url, pending), within=10)
    assert tokens.id_claims is not None
    assert pages[0].status_code == 200 and "Logged in" in pages[0].text
    assert tokens.access_token.get_secret_value() not in pages[0].text


async def test_a_wrong_state_is_rejected_and_ends_the_login() -> None:
    fake = FakeLexoffice(rate_limit=None)
    async with LoopbackReceiver[TokenSet]() as rx:
        oauth = _oauth(fake, rx.redirect_uri)
        pending = await oauth.start_login()
        callback = httpx.URL(fake.approve(pending.authorization_url))
        forged = str(callback.copy_set_param("state", "A" * 43))
        pages: list[httpx.Response] = []
        async with anyio.create_task_group() as tg:

            async def browser() -> None:
                pages.append(await _browse(forged))

            tg.start_soon(browser)
            with pytest.raises(LoginError) as caught:
                await rx.wait(lambda url: oauth.complete_login(url, pending), within=10)
    assert caught.value.reason == "state"
    assert pages[0].status_code == 400
    assert "state does not match" in pages[0].text
    assert callback.params["code"] not in pages[0].text
    assert fake.token_calls["authorization_code"] == 0  # no code was exchanged


async def test_other_paths_and_the_favicon_get_404_and_do_not_end_the_wait() -> None:
    seen: list[str] = []

    async def handle(url: str) -> str:
        seen.append(url)
        return "done"

    async with LoopbackReceiver[str](path="/callback") as rx:
        base = f"http://127.0.0.1:{rx.port}"
        answers: list[httpx.Response] = []
        # An idle connection (a browser's speculative one) must not hold up the others.
        idle = socket.create_connection(("127.0.0.1", rx.port))
        try:
            async with anyio.create_task_group() as tg:

                async def browser() -> None:
                    async with httpx.AsyncClient(timeout=10) as http:
                        for path in ("/favicon.ico", "/", "/callbackx", "/other?state=1"):
                            answers.append(await http.get(base + path))
                        answers.append(await http.post(base + "/callback?code=1"))
                        answers.append(await http.get(base + "/callback?code=c&state=s"))

                tg.start_soon(browser)
                result = await rx.wait(handle, within=10)
        finally:
            idle.close()
    assert result == "done"
    assert [a.status_code for a in answers] == [404, 404, 404, 404, 405, 200]
    assert rx.ignored == 5
    assert seen == [f"{base}/callback?code=c&state=s"]


async def test_it_times_out_with_a_clear_message_and_reports_progress() -> None:
    left: list[float] = []
    started = time.monotonic()
    async with LoopbackReceiver[str]() as rx:

        async def never(url: str) -> str:
            raise AssertionError("no callback expected")

        with pytest.raises(CallbackTimeout) as caught:
            await rx.wait(never, within=0.3, progress=left.append)
    assert time.monotonic() - started < 5
    assert f"no login callback reached {rx.redirect_uri} within 0.3 s" in str(caught.value)
    assert isinstance(caught.value, LoginError)
    assert left and left[0] == pytest.approx(0.3, abs=0.1)


async def test_the_page_escapes_the_message() -> None:
    async def refuse(url: str) -> str:
        raise LexofficeAuthError("<script>alert(1)</script> & more")

    async with LoopbackReceiver[str]() as rx:
        pages: list[httpx.Response] = []
        async with anyio.create_task_group() as tg:

            async def browser() -> None:
                pages.append(await _browse(rx.redirect_uri + "?code=x&state=y"))

            tg.start_soon(browser)
            with pytest.raises(LexofficeAuthError):
                await rx.wait(refuse, within=10)
    assert "<script>" not in pages[0].text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in pages[0].text
    assert pages[0].headers["content-type"] == "text/html; charset=utf-8"


async def test_a_fixed_port_in_use_is_a_clear_error() -> None:
    from lexoffice_auth.errors import ConfigurationError

    async with LoopbackReceiver[str]() as first:
        with pytest.raises(ConfigurationError, match=f"cannot listen on 127.0.0.1:{first.port}"):
            async with LoopbackReceiver[str](port=first.port):
                pass


async def test_it_listens_on_127_0_0_1_only() -> None:
    async with LoopbackReceiver[str]() as rx:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(1)
            # Another local address of the loopback net (127.0.0.2) is not 127.0.0.1.
            assert probe.connect_ex(("127.0.0.2", rx.port)) != 0
