"""The sandbox as an ASGI app, served by uvicorn on 127.0.0.1 in a background thread."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from types import TracebackType
from typing import Any, Protocol

import anyio.to_thread
from httpx import ConnectError, Request, Response, TimeoutException

from lexoffice_auth.errors import ConfigurationError

from ._state import SandboxState

__all__ = ["FakeServer", "Servable", "asgi_app"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Servable(Protocol):
    """What a server needs of a sandbox (``FakeLexoffice`` is one): its state and handler."""

    @property
    def state(self) -> SandboxState:
        """The state whose ``served_base`` the server sets while it runs."""

    def handle(self, request: Request) -> Response:
        """Answer one request."""


def asgi_app(fake: Servable, *, hold: float = 30.0) -> ASGIApp:
    """An ASGI 3 app that turns each HTTP request into an ``httpx.Request`` for ``fake``.

    ``hold`` bounds how long a simulated timeout keeps the connection open.
    """

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        # The served base, not the Host header: the issuer must match byte for byte.
        url = fake.state.api_base + scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            url += "?" + scope["query_string"].decode("latin-1")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        request = Request(scope["method"], url, headers=headers, content=bytes(body))
        try:
            response = fake.handle(request)
        except TimeoutException:  # the sandbox's simulated timeout, an httpx.ReadTimeout
            if await _wait_for_disconnect(receive, hold):
                return
            response = Response(504, json={"message": "Endpoint request timed out"})
        except ConnectError:  # a simulated unreachable provider, behind a gateway
            response = Response(502, json={"message": "Bad Gateway"})
        content = await response.aread()  # a slow answer (token_delay) waits here
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": [(k.lower(), v) for k, v in response.headers.raw],
            }
        )
        await send({"type": "http.response.body", "body": content})

    return app


async def _wait_for_disconnect(receive: Receive, hold: float) -> bool:
    """True once the client hangs up, False if ``hold`` seconds pass first."""
    try:
        async with asyncio.timeout(hold) if hasattr(asyncio, "timeout") else _Deadline(hold):
            while (await receive())["type"] != "http.disconnect":
                pass
    except TimeoutError:
        return False
    return True


class _Deadline:
    """``asyncio.timeout`` for Python 3.10."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._handle: asyncio.TimerHandle | None = None
        self._expired = False

    async def __aenter__(self) -> None:
        task = asyncio.current_task()
        assert task is not None

        def expire() -> None:
            self._expired = True
            task.cancel()

        self._handle = asyncio.get_running_loop().call_later(self._seconds, expire)

    async def __aexit__(self, exc_type: type[BaseException] | None, *_: object) -> bool:
        if self._handle is not None:
            self._handle.cancel()
        if self._expired and exc_type is asyncio.CancelledError:
            raise TimeoutError
        return False


class FakeServer:
    """A running sandbox on ``http://127.0.0.1:PORT``; a sync and async context manager.

    Example (``FakeLexoffice.serve()`` makes one):
        >>> import httpx
        >>> from lexoffice_auth.testing import FakeLexoffice
        >>> with FakeLexoffice().serve() as base_url:
        ...     response = httpx.get(base_url + "/.well-known/openid-configuration")
        >>> response.json()["issuer"] == base_url
        True
    """

    def __init__(self, fake: Servable, *, hold: float = 30.0) -> None:
        self.fake = fake
        self.base_url = ""
        self._hold = hold
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def _set_served_base(self, base: str | None) -> None:
        state = self.fake.state
        with state.lock:
            state.served_base = base

    def start(self) -> str:
        """Bind an ephemeral port, start serving, and return the base URL."""
        try:
            import uvicorn
        except ImportError as exc:
            raise ConfigurationError(
                "serving the sandbox needs uvicorn: pip install 'lexoffice-auth[testing]'"
            ) from exc
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        self._set_served_base(self.base_url)
        config = uvicorn.Config(
            asgi_app(self.fake, hold=self._hold),
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        self._server = server = uvicorn.Server(config)
        started = threading.Event()

        def run() -> None:
            try:
                server.run(sockets=[sock])
            except BaseException as exc:  # reported to the starting thread
                self._error = exc
            finally:
                sock.close()
                started.set()

        self._thread = threading.Thread(target=run, name="lexoffice-sandbox", daemon=True)
        self._thread.start()
        while not server.started and not started.wait(0.01):
            pass
        if not server.started:
            self._set_served_base(None)
            raise ConfigurationError(f"the sandbox server did not start: {self._error!r}")
        return self.base_url

    def stop(self) -> None:
        """Stop serving and wait for the server thread; the fake's URLs return to normal."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None
        self._set_served_base(None)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> str:
        return await anyio.to_thread.run_sync(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await anyio.to_thread.run_sync(self.stop)
