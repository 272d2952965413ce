"""Shared pieces of the bookkeeping/reference-data tests: §3c's fixtures, respx, multipart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import httpx
import respx

from lexoffice_auth import ApiKeyAuth
from lexoffice_auth.api import LexofficeClient

from .helpers import FAST_RETRY

BASE = "https://api.lexware.io"
R = f"{BASE}/v1"
ORG = "c88a9840-24b8-448c-997b-fef49ddb78d3"
ART_THERME = "bb9b16c2-8677-4b34-b3e3-1a63c88214f8"
INV = "23a7ecfe-12f8-4eae-bc37-0e8769a975d0"
CN = "7913a682-1253-4642-b97e-3fbb658dc377"
HUBER = "6925b6bc-7560-430a-ab9b-cd375e2af04d"
VCH = "509077eb-31e4-4b21-bd77-5ee1614d26cf"
FILE = "36868b48-3574-4fca-af70-01ffa8cbbb67"
UPFILE = "95bb9311-3fe9-4bdf-be5f-711dac65ff19"
UPVCH = "e97d92ef-4094-4539-995d-6c826db6cf11"
USER = "5856a642-492f-40e2-90a4-82b8e153248c"
CONN = "bac843c6-d842-4015-be27-8de5718f44f5"
LAYOUT1 = "4d2e24ad-5668-4c88-ac25-acbfe9c9db99"
LAYOUT2 = "0ebbaedc-9218-464f-b098-9708931fb284"
PC1 = "a00d9fed-76a9-41ef-952b-ffa974e81b77"
PC2 = "7fc49078-eefa-474e-af28-71b0c1b0e5ac"
WARENVERKAEUFE = "8f8664a8-fd86-11e1-a21f-0800200c9a66"


def client(**options: Any) -> LexofficeClient:
    """A client with an API key, unpaced, quick retries (respx answers for lexoffice)."""
    options.setdefault("retry", FAST_RETRY)
    return LexofficeClient(ApiKeyAuth("key"), rate_limit=None, **options)


@contextmanager
def lexoffice() -> Iterator[respx.MockRouter]:
    """respx in lexoffice's place; every route must be called, nothing else may be."""
    with respx.mock(base_url=BASE, assert_all_called=True, assert_all_mocked=True) as router:
        yield router


def json_response(status: int, body: Any, **headers: str) -> httpx.Response:
    """A response whose body is exactly ``body`` (a str is sent as it is)."""
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return httpx.Response(
        status,
        content=text.encode(),
        headers={"Content-Type": "application/json", **headers},
    )


def assert_json_request(request: httpx.Request, method: str, url: str, body: bytes) -> None:
    """The request's method, full URL, headers and exact body bytes."""
    assert request.method == method
    assert str(request.url) == url
    assert request.headers["Authorization"] == "Bearer key"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Content-Type"] == "application/json"
    assert request.content == body


def compact(text: str) -> bytes:
    """A JSON text of §3c without its layout whitespace (the bytes the client sends)."""
    return "".join(line.strip() for line in text.splitlines()).encode()


def multipart_parts(request: httpx.Request) -> dict[str, Message]:
    """The multipart/form-data parts of a request, by name (the body read once)."""
    content_type = request.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    body = request.read()
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    parts: dict[str, Message] = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        assert name not in parts
        parts[str(name)] = part
    return parts


def part_bytes(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload
