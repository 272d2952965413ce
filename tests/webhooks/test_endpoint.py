"""``lexoffice_auth.webhooks._endpoint``: the Starlette endpoint and route."""

from __future__ import annotations

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette

from lexoffice_auth.errors import (
    ConfigurationError,
)
from lexoffice_auth.webhooks import (
    SIGNATURE_HEADER,
    WebhookEvent,
    webhook_endpoint,
    webhook_route,
)

from ..support.webhooks import BODY, pem_of, sign


async def post(app: Starlette, body: bytes, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        return await http.post("/lexoffice/events", content=body, headers=headers)


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
@pytest.mark.parametrize("is_async", [True, False], ids=["async-handler", "sync-handler"])
async def test_the_endpoint_answers_200_after_the_handler_and_401_to_bad_signatures(
    key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey, is_async: bool
) -> None:
    seen: list[WebhookEvent] = []

    if is_async:

        async def handler(event: WebhookEvent) -> None:
            seen.append(event)

    else:

        def handler(event: WebhookEvent) -> None:  # type: ignore[misc]
            seen.append(event)

    app = Starlette(routes=[webhook_route("/lexoffice/events", pem_of(key), handler)])
    ok = await post(app, BODY, {SIGNATURE_HEADER: sign(key, BODY)})
    assert ok.status_code == 200
    assert [e.event_type for e in seen] == ["invoice.created"]

    for headers in (
        {},
        {SIGNATURE_HEADER: "garbage!"},
        {SIGNATURE_HEADER: sign(other_key, BODY)},
        {SIGNATURE_HEADER: sign(key, BODY + b" ")[:-4] + "AAA="},
    ):
        refused = await post(app, BODY, headers)
        assert refused.status_code == 401
    changed = BODY.replace(b"invoice.created", b"invoice.deleted")
    assert (await post(app, changed, {SIGNATURE_HEADER: sign(key, BODY)})).status_code == 401
    assert len(seen) == 1  # the handler never saw a refused request

    signed_junk = b'{"hello": "world"}'
    junk = await post(app, signed_junk, {SIGNATURE_HEADER: sign(key, signed_junk)})
    assert junk.status_code == 400
    big = b"{" + b" " * 70_000 + b"}"
    assert (await post(app, big, {SIGNATURE_HEADER: sign(key, big)})).status_code == 413
    assert len(seen) == 1


async def test_a_failing_handler_is_not_answered_200(key: rsa.RSAPrivateKey) -> None:
    def handler(event: WebhookEvent) -> None:
        raise RuntimeError("database down")

    app = Starlette(routes=[webhook_route("/lexoffice/events", pem_of(key), handler)])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        response = await http.post(
            "/lexoffice/events", content=BODY, headers={SIGNATURE_HEADER: sign(key, BODY)}
        )
    assert response.status_code == 500


def test_the_endpoint_checks_its_configuration(key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(ConfigurationError, match="not a PEM public key"):
        webhook_endpoint(b"nope", lambda event: None)
    with pytest.raises(ConfigurationError, match="handler"):
        webhook_endpoint(pem_of(key), "not callable")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="max_body"):
        webhook_endpoint(pem_of(key), lambda event: None, max_body=0)
