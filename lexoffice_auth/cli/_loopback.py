"""The RFC 8252 loopback receiver: one login callback on ``http://127.0.0.1:PORT/PATH``.

It listens on 127.0.0.1 only (never on every interface, never ``localhost``, which may
resolve to another address), on an ephemeral port unless a fixed one is asked for. Each
connection is served in its own task, so a browser's idle speculative connection cannot
hold up the real one. The first ``GET`` on the callback path that carries the login's
``state`` (when ``LoopbackReceiver.wait`` is given it) is *the* callback: it is handed
to the caller's ``handle`` (which checks ``state`` again and exchanges the code), the
browser gets a short page saying how that went, and the wait ends. A callback without
that state (a browser's prefetch, another tab, a stray request) gets 400 and does not end
the wait; nor do other paths (and a favicon), which get 404. A request whose ``Host`` is
not ``127.0.0.1``, ``localhost`` or ``[::1]`` (with our port, if any) is refused with
421, so a web page cannot reach the receiver through DNS rebinding. The page never
echoes the request.
"""

from __future__ import annotations

import contextlib
import html
import math
import secrets
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Generic, TypeVar
from urllib.parse import parse_qs, urlsplit

import anyio
import anyio.abc

from lexoffice_auth.errors import LexofficeAuthError, LoginError

__all__ = ["CallbackTimeout", "LoopbackReceiver"]

T = TypeVar("T")

_MAX_REQUEST = 16 * 1024
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}
_REASONS |= {413: "Content Too Large", 421: "Misdirected Request", 500: "Internal Server Error"}
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})


class CallbackTimeout(LoginError):
    """No callback reached the loopback receiver in time."""


def _page(title: str, text: str) -> bytes:
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title>"
        "<body style='font-family:sans-serif;max-width:40em;margin:3em auto'>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>"
    )
    return body.encode("utf-8")


class LoopbackReceiver(Generic[T]):
    """Receive one OAuth callback on 127.0.0.1 (use as ``async with``).

    ``port=0`` picks an ephemeral port; ``redirect_uri`` is known once entered.
    ``read_timeout`` bounds how long one connection may take to send its request.

    Example:
        >>> async with LoopbackReceiver() as rx:                          # doctest: +SKIP
        ...     tokens = await rx.wait(lambda url: oauth.complete_login(url, pending),
        ...                            within=300)
    """

    def __init__(
        self, *, path: str = "/callback", port: int = 0, read_timeout: float = 10.0
    ) -> None:
        if not path.startswith("/") or "?" in path or "#" in path:
            raise ValueError("path must start with / and have no query or fragment")
        self.path = path
        self._port = port
        self._read_timeout = read_timeout
        self._listener: anyio.abc.Listener[anyio.abc.SocketStream] | None = None
        self._arrived = anyio.Event()
        self._finished = anyio.Event()
        self._taken = False
        self._result: T | None = None
        self._error: BaseException | None = None
        self._handle: Callable[[str], Awaitable[T]] | None = None
        self._state: str | None = None
        self.ignored = 0
        """Requests answered 404/405/400/421 without ending the wait."""

    @property
    def port(self) -> int:
        """The port listened on (after entering)."""
        return self._port

    @property
    def redirect_uri(self) -> str:
        """``http://127.0.0.1:PORT/PATH``: the redirect URI to register with the login."""
        return f"http://127.0.0.1:{self._port}{self.path}"

    async def __aenter__(self) -> LoopbackReceiver[T]:
        try:
            listener = await anyio.create_tcp_listener(
                local_host="127.0.0.1", local_port=self._port
            )
        except OSError as exc:
            from lexoffice_auth.errors import ConfigurationError

            raise ConfigurationError(
                f"cannot listen on 127.0.0.1:{self._port}: {exc.strerror or exc}; "
                "choose another --redirect-port, or none for an ephemeral one"
            ) from None
        self._listener = listener
        self._port = int(listener.extra(anyio.abc.SocketAttribute.local_port))  # noqa: S610
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._listener is not None:
            await self._listener.aclose()
            self._listener = None

    async def wait(
        self,
        handle: Callable[[str], Awaitable[T]],
        *,
        within: float,
        progress: Callable[[float], None] | None = None,
        state: str | None = None,
    ) -> T:
        """Serve until one callback was handled; return what ``handle`` returned.

        ``handle`` gets the full callback URL. With ``state`` (the pending login's), only
        a callback carrying exactly that state is handed on; others get 400 and the wait
        goes on until the real one or the deadline. A ``LexofficeAuthError`` from it is shown to
        the browser (escaped) and raised here. Without a callback within ``within``
        seconds this raises ``CallbackTimeout``; ``progress`` is called about once a
        second with the seconds left, while waiting.
        """
        listener = self._listener
        if listener is None:
            raise RuntimeError("use the receiver as 'async with LoopbackReceiver() as rx:'")
        self._handle = handle
        self._state = state
        timed_out = False
        async with anyio.create_task_group() as tg:
            tg.start_soon(listener.serve, self._connection, tg)
            deadline = anyio.current_time() + within
            with anyio.move_on_after(within):
                while not self._arrived.is_set():
                    left = deadline - anyio.current_time()
                    if progress is not None:
                        progress(max(0.0, left))
                    with anyio.move_on_after(min(1.0, max(left, 0.0))):
                        await self._arrived.wait()
            if self._arrived.is_set():
                await self._finished.wait()
            else:
                timed_out = True
            tg.cancel_scope.cancel()
        if timed_out:
            raise CallbackTimeout(
                f"no login callback reached {self.redirect_uri} within {_duration(within)}"
            )
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]  # set whenever there is no error

    # --- one connection -------------------------------------------------------------------

    async def _connection(self, stream: anyio.abc.SocketStream) -> None:
        async with stream:
            request = b""
            with anyio.move_on_after(self._read_timeout):
                try:
                    while b"\r\n\r\n" not in request and len(request) <= _MAX_REQUEST:
                        request += await stream.receive(4096)
                except (anyio.EndOfStream, anyio.BrokenResourceError, OSError):
                    return
            if b"\r\n\r\n" not in request:
                if len(request) > _MAX_REQUEST:
                    await self._send(stream, 413, "Request too large", "")
                return  # an idle or half-sent connection: drop it
            head = request.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
            await self._request(stream, head[0], head[1:])

    async def _request(
        self, stream: anyio.abc.SocketStream, line: bytes, headers: list[bytes]
    ) -> None:
        try:
            method, target, _version = line.decode("ascii").split(" ")
            parts = urlsplit(target)
            path = parts.path
        except ValueError:
            self.ignored += 1
            await self._send(stream, 400, "Bad request", "This is not a request I understand.")
            return
        if not self._host_allowed(headers):
            # DNS rebinding: a page on evil.example resolved to 127.0.0.1 sends its own Host.
            self.ignored += 1
            await self._send(stream, 421, "Misdirected request", "Wrong host.")
            return
        if path == self.path and not self._taken and not self._has_state(parts.query):
            self.ignored += 1
            await self._send(
                stream, 400, "Not this login", "This is not the login's callback; keep waiting."
            )
            return
        if path != self.path or self._taken:
            self.ignored += 1
            text = "This page is not part of the login." if not self._taken else "Done."
            await self._send(stream, 404, "Not found", text)
            return
        if method != "GET":
            self.ignored += 1
            await self._send(stream, 405, "Method not allowed", "Only GET is expected here.")
            return
        self._taken = True
        self._arrived.set()
        assert self._handle is not None
        try:
            self._result = await self._handle(f"http://127.0.0.1:{self._port}{target}")
        except LexofficeAuthError as exc:
            self._error = exc
            await self._send(
                stream,
                400,
                "Login failed",
                f"{exc} Return to the terminal for details; you can close this tab.",
            )
        except BaseException as exc:  # also cancellation: the browser still gets an answer
            self._error = exc
            with anyio.CancelScope(shield=True), anyio.move_on_after(2):
                await self._send(
                    stream, 500, "Login failed", "Something went wrong; see the terminal."
                )
            if not isinstance(exc, Exception):
                self._finished.set()
                raise
        else:
            await self._send(
                stream,
                200,
                "Logged in",
                "lexoffice-auth received the login. You can close this tab and return to "
                "the terminal.",
            )
        finally:
            self._finished.set()

    def _host_allowed(self, headers: list[bytes]) -> bool:
        """Exactly one ``Host``: a loopback name, with our port if it names one."""
        hosts = [h.split(b":", 1)[1].strip() for h in headers if h[:5].lower() == b"host:"]
        if len(hosts) != 1:
            return False
        try:
            host = hosts[0].decode("ascii").lower()
        except UnicodeDecodeError:
            return False
        name, sep, port = host.rpartition(":") if not host.endswith("]") else (host, "", "")
        if not sep:
            name, port = host, ""
        if name not in _LOOPBACK_HOSTS:
            return False
        return port in ("", str(self._port))

    def _has_state(self, query: str) -> bool:
        """Whether the callback carries the login's ``state`` (always, without one)."""
        if self._state is None:
            return True
        found = parse_qs(query, keep_blank_values=True).get("state", [])
        if len(found) != 1:
            return False
        return secrets.compare_digest(found[0].encode(), self._state.encode())

    async def _send(
        self, stream: anyio.abc.SocketStream, status: int, title: str, text: str
    ) -> None:
        body = _page(title, text)
        head = (
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
            "Content-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Cache-Control: no-store\r\n"
            "Referrer-Policy: no-referrer\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            "Connection: close\r\n\r\n"
        )
        with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
            await stream.send(head.encode("ascii") + body)


def _duration(seconds: float) -> str:
    """``5 min``, ``1 min 30 s``, ``0.2 s``."""
    if seconds < 10 and seconds != math.floor(seconds):
        return f"{seconds:g} s"
    minutes, secs = divmod(math.ceil(seconds), 60)
    if minutes and secs:
        return f"{minutes} min {secs} s"
    return f"{minutes} min" if minutes else f"{secs} s"
