"""Slow answers: a response whose body arrives some seconds after the sandbox answered.

The sandbox changes its state at once and holds only the answer back, like a slow network on
the way back: a client that gives up while waiting has still spent its refresh token. The
wait is in the body stream, so every mounting honours it the same way: an async client waits
with ``anyio.sleep`` (virtual time in tests that simulate it), a sync client with
``time.sleep``, and the served server in its own event loop.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import anyio
from httpx import AsyncByteStream, Response, SyncByteStream

__all__ = ["HeldBody", "delayed"]


class HeldBody(SyncByteStream, AsyncByteStream):
    """A body that yields ``content`` once ``seconds`` have passed."""

    def __init__(self, content: bytes, seconds: float) -> None:
        self.content = content
        self.seconds = seconds

    def __iter__(self) -> Iterator[bytes]:
        time.sleep(self.seconds)
        yield self.content

    async def __aiter__(self) -> AsyncIterator[bytes]:
        await anyio.sleep(self.seconds)
        yield self.content


def delayed(response: Response, seconds: float) -> Response:
    """``response`` with its body held back for ``seconds`` (read it to wait).

    Example:
        >>> slow = delayed(Response(200, json={"ok": True}), 0.01)
        >>> slow.read()
        b'{"ok":true}'
    """
    if not seconds > 0:  # also NaN
        return response
    return Response(
        response.status_code,
        headers=response.headers,
        stream=HeldBody(response.content, seconds),
    )
