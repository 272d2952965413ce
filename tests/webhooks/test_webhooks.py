"""Webhooks: X-Lxo-Signature checks, the event model, the Starlette endpoint."""

from __future__ import annotations

import json

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from starlette.applications import Starlette

from lexoffice_auth.errors import (
    ConfigurationError,
    LexofficeAuthError,
    WebhookError,
)
from lexoffice_auth.webhooks import (
    SIGNATURE_HEADER,
    TOKEN_REVOKED,
    WebhookEvent,
    load_public_key,
    parse_event,
    verify_signature,
    webhook_endpoint,
    webhook_route,
)

from ..support.webhooks import event_body, new_key, sign


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return new_key()


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    return new_key()


def pem_of(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


BODY = event_body("invoice.created", "0e3b4f1c-1c8b-4d2c-9f5a-000000000001")


@pytest.mark.parametrize("form", ["pem-str", "pem-bytes", "loaded"])
def test_a_valid_signature_is_accepted_with_any_key_form(key: rsa.RSAPrivateKey, form: str) -> None:
    public = {
        "pem-str": pem_of(key).decode(),
        "pem-bytes": pem_of(key),
        "loaded": key.public_key(),
    }[form]
    assert verify_signature(BODY, sign(key, BODY), public) is None
    assert verify_signature(BODY, sign(key, BODY).encode(), public) is None


def test_every_changed_byte_is_refused(key: rsa.RSAPrivateKey) -> None:
    public = load_public_key(pem_of(key))
    signature = sign(key, BODY)
    for i in range(len(BODY)):
        changed = bytearray(BODY)
        changed[i] ^= 0x01
        with pytest.raises(WebhookError, match="does not match"):
            verify_signature(bytes(changed), signature, public)


def test_another_key_is_refused(key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(WebhookError) as info:
        verify_signature(BODY, sign(other_key, BODY), pem_of(key))
    assert info.value.reason == "signature"
    assert isinstance(info.value, WebhookError) and isinstance(info.value, LexofficeAuthError)


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        (None, "missing"),
        ("", "missing"),
        ("   ", "missing"),
        ("not base64 at all!", "not base64"),
        ("QUJD", "does not match"),  # base64, but no signature
    ],
)
def test_missing_or_garbled_headers_are_refused(
    key: rsa.RSAPrivateKey, signature: str | None, message: str
) -> None:
    with pytest.raises(WebhookError, match=message):
        verify_signature(BODY, signature, pem_of(key))


def test_the_whitespace_free_form_of_a_pretty_body_is_checked(key: rsa.RSAPrivateKey) -> None:
    # lexoffice signs the JSON without whitespace; a body that arrives pretty still verifies.
    pretty = json.dumps(json.loads(BODY), indent=2).encode()
    verify_signature(pretty, sign(key, BODY), pem_of(key))
    tampered = pretty.replace(b"invoice.created", b"invoice.deleted")
    with pytest.raises(WebhookError):
        verify_signature(tampered, sign(key, BODY), pem_of(key))


def test_keys_that_cannot_work_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="not a PEM public key"):
        load_public_key("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
    with pytest.raises(ConfigurationError, match="PEM text or bytes"):
        load_public_key(42)  # type: ignore[arg-type]
    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(ConfigurationError, match="must be an RSA key"):
        load_public_key(ec_pem)


def test_parse_event_reads_the_payload_and_keeps_unknown_fields() -> None:
    event = parse_event(event_body(TOKEN_REVOKED, "conn-1", newField=[1, 2]))
    assert event.event_type == "token.revoked"
    assert event.resource_id == "conn-1"
    assert event.organization_id == "aa93e8a8-2aa3-470b-b914-caad8a255dd8"
    assert event.event_date.isoformat() == "2024-05-01T10:00:00+02:00"
    assert event.model_extra == {"newField": [1, 2]}
    assert parse_event(BODY.decode()) == parse_event(BODY)
    assert isinstance(event, WebhookEvent)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b"[" * 100_000, "not valid JSON"),
        (b'{"eventType": "x"}', "not a lexoffice event"),
        (event_body("x", "r").replace(b"2024-05-01T10", b"yesterday"), "eventDate"),
        (event_body("", "r"), "eventType"),
    ],
)
def test_bad_payloads_are_webhook_errors(body: bytes, message: str) -> None:
    with pytest.raises(WebhookError, match=message) as info:
        parse_event(body)
    assert info.value.reason == "payload"


# --- the Starlette endpoint ---------------------------------------------------------------


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
