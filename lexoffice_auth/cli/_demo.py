"""``lexoffice-auth demo``: the whole flow against the embedded sandbox, step by step."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

import anyio
from httpx import AsyncClient, Response

from lexoffice_auth import (
    ApiKeyAuth,
    LexofficeAuth,
    LexofficeAuthError,
    OAuthClient,
    ReauthenticationRequired,
)
from lexoffice_auth.api import LexofficeClient
from lexoffice_auth.stores import MemoryTokenStore

if TYPE_CHECKING:
    from lexoffice_auth.testing import FakeLexoffice

__all__ = ["DemoFailed", "run_demo"]

_SCOPES: tuple[str, ...] = ("openid", "email", "profile", "contacts.read", "contacts.write")
_SCOPES += ("invoices.read", "invoices.write")
_HIDDEN = frozenset({"state", "nonce", "code_challenge", "code"})


class DemoFailed(LexofficeAuthError):
    """A demo step did not see what it expected."""


@dataclass
class _Sandbox:
    base_issuer: str
    api_base: str
    http: Callable[[], AsyncClient]
    how: str


def _redact(url: str) -> str:
    """The URL with one-time secrets (state, nonce, challenge, code) replaced by ``…``."""
    parts = urlsplit(url)
    query = "&".join(
        f"{quote(k)}={'…' if k in _HIDDEN else quote(v, safe=':/')}"
        for k, v in parse_qsl(parts.query)
    )
    return urlunsplit(parts._replace(query=query))


def _expect(response: Response, status: int, what: str) -> Response:
    if response.status_code != status:
        raise DemoFailed(f"{what}: expected HTTP {status}, got {response.status_code}")
    return response


@asynccontextmanager
async def _sandbox(fake: FakeLexoffice, served: bool) -> AsyncIterator[_Sandbox]:
    if served:
        async with fake.serve() as base_url:
            yield _Sandbox(base_url, base_url, lambda: AsyncClient(timeout=10), f"on {base_url}")
    else:
        yield _Sandbox(fake.issuer, fake.api_base, fake.client, "in process (MockTransport)")


async def run_demo(echo: Callable[[str], None], *, served: bool = True, burst: int = 50) -> None:
    """Run every step, printing each with ``echo``; raises ``LexofficeAuthError`` on failure."""
    from lexoffice_auth.testing import DEFAULT_CLIENT_ID, DEFAULT_REDIRECT_URI, FakeLexoffice

    # The sandbox enforces lexoffice's 2 requests/second by default; the demo's burst would
    # only show 429s, so it runs with the limit off (the strictness tests cover it).
    fake = FakeLexoffice(rate_limit=None)
    step = _Steps(echo)
    async with _sandbox(fake, served) as box:
        step("Sandbox", f"identity provider and lexoffice-like API {box.how}")
        await _api_key_steps(step, fake, box)
        oauth = OAuthClient(
            DEFAULT_CLIENT_ID,
            DEFAULT_REDIRECT_URI,
            issuer=box.base_issuer,
            scopes=_SCOPES,
            http_client=box.http(),
            clock=fake.clock,
        )
        async with oauth:
            meta = await oauth.metadata()
            step(
                "Discovery",
                f"issuer {meta.issuer} (matches exactly); PKCE "
                f"{', '.join(meta.code_challenge_methods_supported or ())}; RFC 9207 iss "
                f"{'promised' if meta.authorization_response_iss_parameter_supported else 'no'}",
            )

            pending = await oauth.start_login()
            step("Authorization", _redact(pending.authorization_url))

            async with box.http() as browser:
                answer = await browser.get(pending.authorization_url, follow_redirects=False)
            callback = answer.headers.get("location", "")
            if answer.status_code != 302 or not callback.startswith(DEFAULT_REDIRECT_URI):
                raise DemoFailed(f"consent: expected a redirect, got HTTP {answer.status_code}")
            step("Consent", f"{fake.current_user.email} approved; back at {_redact(callback)}")

            tokens = await oauth.complete_login(callback, pending)
            lifetime = int(tokens.lifetime or 0)
            step(
                "Code exchange",
                f"state and iss checked, code + PKCE verifier sent; access token for "
                f"{lifetime} s, refresh token {'received' if tokens.refresh_token else 'none'}",
            )
            claims = tokens.id_claims
            if claims is None:
                raise DemoFailed("id_token: none was verified")
            step(
                "id_token",
                f"verified (RS256 signature, iss, aud, nonce, at_hash): sub={claims.sub} "
                f"email={claims.email}",
            )

            store = MemoryTokenStore()
            auth = LexofficeAuth.from_oauth(
                oauth, "demo-account", store, api_origins=[box.api_base]
            )
            await auth.source.save(tokens)
            async with box.http() as client:
                client.auth = auth
                await _api_steps(step, client, box.api_base)
                lx = LexofficeClient(
                    auth, base_url=box.api_base, http_client=client, rate_limit=None
                )
                async with lx:
                    listed = await lx.contacts.list(name="Musterkunde")
                    rows = await lx.invoices.list(voucher_status="open")
                step(
                    "OAuth client",
                    f"LexofficeClient(LexofficeAuth): contacts.list → {listed.total_elements} "
                    f"contact(s); invoices.list(open) → {rows.total_elements} invoice(s)",
                )

                fake.advance(lifetime + 1)
                refreshes_before = fake.token_calls["refresh_token"]
                step("Expiry", f"sandbox clock moved {lifetime + 1} s on: the access token expired")

                async def ping() -> None:
                    _expect(await client.get(f"{box.api_base}/v1/ping"), 200, "ping")

                async with anyio.create_task_group() as tg:
                    for _ in range(burst):
                        tg.start_soon(ping)
                refreshes = fake.token_calls["refresh_token"] - refreshes_before
                step(
                    "Burst",
                    f"{burst} concurrent GET /v1/ping all answered 200; "
                    f"refreshes at the token endpoint: {refreshes}",
                )
                if refreshes != 1:
                    raise DemoFailed(f"burst: expected exactly one refresh, saw {refreshes}")

                current = await auth.source.token_set()
                await oauth.revoke(current)
                await auth.source.forget()
                revoked = {"Authorization": f"Bearer {current.access_token.get_secret_value()}"}
                refused = await client.get(f"{box.api_base}/v1/ping", headers=revoked, auth=None)
                if refused.status_code != 401:
                    raise DemoFailed("logout: the revoked access token still worked")
                try:
                    await client.get(f"{box.api_base}/v1/ping")
                except ReauthenticationRequired:
                    outcome = "the next call asks for a new login (ReauthenticationRequired)"
                else:
                    raise DemoFailed("logout: a call went out without a login")
                step(
                    "Logout",
                    f"tokens revoked at the provider (RFC 7009) and deleted from the store; "
                    f"the old access token now gets HTTP {refused.status_code}; {outcome}",
                )
    echo("")
    echo("Done: every step succeeded. No token or secret was printed.")


async def _api_key_steps(step: _Steps, fake: FakeLexoffice, box: _Sandbox) -> None:
    """The first way most users start: a lexoffice API key (no login, no refresh)."""
    key = fake.add_api_key()  # the sandbox's stand-in for a key made in lexoffice
    contact = fake.add_contact(name="Beispiel GmbH", email="info@beispiel.example")
    fake.add_invoice(contact_id=contact)
    auth = ApiKeyAuth(key, api_origins=[box.api_base])
    async with box.http() as http:
        lx = LexofficeClient(auth, base_url=box.api_base, http_client=http, rate_limit=None)
        async with lx:
            contacts = await lx.contacts.list()
            invoices = await lx.invoices.list()
            first = contacts.content[0] if contacts.content else None
    name = first.company.name if first is not None and first.company is not None else "-"
    step(
        "API key",
        f"LexofficeClient(ApiKeyAuth(key)): contacts.list → {contacts.total_elements} "
        f"({name}); invoices.list → {invoices.total_elements}; the key is never printed",
    )


async def _api_steps(step: _Steps, client: AsyncClient, api: str) -> None:
    profile = _expect(await client.get(f"{api}/v1/profile"), 200, "profile").json()
    contact = {
        "version": 0,
        "roles": {"customer": {}},
        "company": {"name": "Musterkunde AG"},
        "emailAddresses": {"business": ["einkauf@musterkunde.example"]},
    }
    created = _expect(await client.post(f"{api}/v1/contacts", json=contact), 201, "contact")
    contact_id = created.json()["id"]
    found = _expect(
        await client.get(f"{api}/v1/contacts", params={"name": "Musterkunde"}), 200, "contacts"
    ).json()
    step(
        "API",
        f"GET /v1/profile → {profile.get('companyName')}; POST /v1/contacts → {contact_id}; "
        f"GET /v1/contacts?name=Musterkunde → {found['totalElements']} found",
    )
    invoice = {
        "voucherDate": "2026-11-28T10:00:00.000+01:00",
        "address": {"contactId": contact_id},
        "lineItems": [
            {
                "type": "custom",
                "name": "Beratung",
                "quantity": 2,
                "unitName": "Stunde",
                "unitPrice": {"currency": "EUR", "netAmount": 100, "taxRatePercentage": 19},
            }
        ],
        "totalPrice": {"currency": "EUR"},
        "taxConditions": {"taxType": "net"},
        "shippingConditions": {"shippingType": "none"},
    }
    made = _expect(
        await client.post(f"{api}/v1/invoices", params={"finalize": "true"}, json=invoice),
        201,
        "invoice",
    ).json()
    fetched = _expect(await client.get(f"{api}/v1/invoices/{made['id']}"), 200, "invoice").json()
    pdf = _expect(await client.get(f"{api}/v1/invoices/{made['id']}/file"), 200, "invoice file")
    gross = fetched.get("totalPrice", {}).get("totalGrossAmount")
    total = f"{gross:.2f}" if isinstance(gross, (int, float)) else str(gross)
    step(
        "Invoice",
        f"POST /v1/invoices?finalize=true → {fetched.get('voucherStatus')} "
        f"{fetched.get('voucherNumber', '')}, {total} EUR gross; GET …/file → "
        f"{pdf.headers.get('content-type')} ({len(pdf.content)} bytes)",
    )


class _Steps:
    """Numbers and aligns the demo's lines."""

    def __init__(self, echo: Callable[[str], None]) -> None:
        self._echo = echo
        self._n = 0

    def __call__(self, title: str, text: str) -> None:
        self._n += 1
        self._echo(f"{self._n:>2}. {title:<14} {text}")
