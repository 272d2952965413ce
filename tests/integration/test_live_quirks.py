"""Issue 23's must-holds against the sandbox, through the client and the CLI.

* docs/cli.md's `invoices list --status open,overdue` works, and the library call
  returns the union once;
* each of the three live quirks switches on and off, and the client copes either way:
  ``stale_version_406`` (``modify()`` still succeeds), ``rate_limit_500`` (retried like a
  429), ``file_accept_json_base64`` (a JSON Accept gets the document as base64).

Rate-limited runs use trio's virtual clock (the sandbox and the retries share it), so
nothing sleeps for real.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
import trio.testing
from click.testing import CliRunner

from lexoffice_auth import ApiKeyAuth
from lexoffice_auth.api import Contact, LexofficeClient, RetryPolicy, TokenBucket
from lexoffice_auth.cli._commands import cli
from lexoffice_auth.errors import Conflict, ValidationFailed
from lexoffice_auth.testing import API_BASE_URL, FakeLexoffice

from ..cli.helpers import ROOT, cli_env

EPOCH = 1_760_000_000.0
NO_WAIT = RetryPolicy(wait_initial=0.001, wait_max=0.01, wait_jitter=0.0)


class Recording(httpx.AsyncBaseTransport):
    """Passes requests on to the sandbox and notes each answer's status."""

    def __init__(self, fake: FakeLexoffice) -> None:
        self.inner = fake.transport()
        self.statuses: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.statuses.append(response.status_code)
        return response


def _client(fake: FakeLexoffice, recording: Recording, **options: Any) -> LexofficeClient:
    options.setdefault("retry", NO_WAIT)
    options.setdefault("rate_limit", None)
    return LexofficeClient(
        ApiKeyAuth(fake.add_api_key(), api_origins=[fake.api_base]),
        base_url=fake.api_base,
        http_client=httpx.AsyncClient(transport=recording),
        **options,
    )


def _seed_invoices(fake: FakeLexoffice) -> dict[str, str]:
    """Two overdue, two open (not yet due) and one paid invoice, on different days."""
    now = datetime.fromtimestamp(fake.clock(), timezone.utc)
    ids = {}
    for name, days_ago, term, status in (
        ("overdue-old", 60, 14, "open"),
        ("open-a", 40, 90, "open"),
        ("overdue-new", 30, 7, "open"),
        ("open-b", 2, 30, "open"),
        ("paid", 20, 14, "paid"),
    ):
        day = (now - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%S.000+00:00")
        ids[name] = fake.add_invoice(
            {
                "voucherDate": day,
                "address": {"name": f"Kunde {name}", "countryCode": "DE"},
                "lineItems": [
                    {
                        "type": "custom",
                        "name": "Wartung",
                        "quantity": 1,
                        "unitName": "Pauschale",
                        "unitPrice": {
                            "currency": "EUR",
                            "netAmount": 100,
                            "taxRatePercentage": 19,
                        },
                    }
                ],
                "totalPrice": {"currency": "EUR"},
                "taxConditions": {"taxType": "net"},
                "paymentConditions": {
                    "paymentTermLabel": f"{term} Tage",
                    "paymentTermDuration": term,
                },
                "shippingConditions": {"shippingDate": day, "shippingType": "service"},
            },
            status=status,
        )
    return ids


def test_the_docs_open_overdue_example_runs_against_the_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    (example,) = re.findall(
        r"^\$ lexoffice-auth (invoices list --status open,overdue.*)$", docs, re.M
    )

    async def no_wait(self: TokenBucket) -> None:
        return None

    monkeypatch.setattr(TokenBucket, "acquire", no_wait)  # no real sleeps for the pacing
    fake = FakeLexoffice(rate_limit=None)
    ids = _seed_invoices(fake)
    with fake.serve() as base:
        env = cli_env(tmp_path, LEXOFFICE_API_KEY=fake.add_api_key(), LEXOFFICE_API_BASE=base)
        result = CliRunner().invoke(cli, example.split(), env=env)
        as_json = CliRunner().invoke(cli, [*example.split(), "--json"], env=env)
    assert result.exit_code == 0, result.output
    rows = result.stdout.splitlines()[1:]
    listed = [row.split()[0] for row in rows]
    unpaid = {ids[n] for n in ("overdue-old", "open-a", "overdue-new", "open-b")}
    assert sorted(listed) == sorted(unpaid)  # the union, each once, the paid one left out
    assert {row.split()[3] for row in rows} == {"open", "overdue"}
    assert result.stderr == "page 1 of 1, 4 in all\n"
    page = json.loads(as_json.stdout)
    assert sorted(r["id"] for r in page["content"]) == sorted(unpaid)
    # lexoffice itself is only asked what it allows: overdue alone, the rest without it
    statuses = {r.url.params["voucherStatus"] for r in fake.requests if "voucherlist" in r.url.path}
    assert statuses == {"open", "overdue"}


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_the_library_call_returns_the_union_without_duplicates(anyio_backend: str) -> None:
    fake = FakeLexoffice(rate_limit=None)
    ids = _seed_invoices(fake)
    async with _client(fake, Recording(fake)) as lx:
        rows = [
            r
            async for r in lx.voucherlist.list(
                voucher_type="invoice", voucher_status="open,overdue"
            )
        ]
    found = [r.id for r in rows]
    assert len(found) == len(set(found)) == 4
    assert set(found) == {ids[n] for n in ("overdue-old", "open-a", "overdue-new", "open-b")}


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
@pytest.mark.parametrize(("quirk", "refusal"), [(False, 409), (True, 406)])
async def test_modify_succeeds_when_the_first_write_meets_a_stale_version(
    anyio_backend: str, quirk: bool, refusal: int
) -> None:
    fake = FakeLexoffice(rate_limit=None, quirks={"stale_version_406"} if quirk else None)
    assert ("stale_version_406" in fake.quirks) is quirk
    contact_id = fake.add_contact(name="Heiztechnik Schneider GmbH")
    recording = Recording(fake)
    async with _client(fake, recording) as lx:
        runs = 0

        async def change(contact: Contact) -> None:
            nonlocal runs
            runs += 1
            if runs == 1:  # someone else writes in between: this read is now stale
                other = await lx.contacts.get(contact_id)
                other.note = "by someone else"
                await lx.contacts.update(contact_id, other)
            contact.note = "Wartung: jährlich"

        result = await lx.contacts.modify(contact_id, change)
        stored = await lx.contacts.get(contact_id)
        stale = stored.model_copy(update={"version": 0})
        with pytest.raises(Conflict):  # a plain update with a stale version: Conflict either way
            await lx.contacts.update(contact_id, stale)
    assert runs == 2 and stored.note == "Wartung: jährlich" and result.version == stored.version
    assert recording.statuses.count(refusal) == 2  # modify's first write, and the last update
    assert ({409, 406} - {refusal}).isdisjoint(recording.statuses)


def _virtual(main: Callable[[], Awaitable[None]]) -> None:
    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))


@pytest.mark.parametrize(("quirk", "refusal"), [(False, 429), (True, 500)])
def test_rate_limit_500_is_retried_like_a_429(quirk: bool, refusal: int) -> None:
    seen: dict[str, Any] = {}

    async def main() -> None:
        clock = lambda: EPOCH + trio.current_time()  # noqa: E731
        fake = FakeLexoffice(
            api_base=API_BASE_URL,
            clock=clock,
            rate_limit=2.0,
            quirks={"rate_limit_500"} if quirk else None,
        )
        recording = Recording(fake)
        retry = RetryPolicy(attempts=10, wait_jitter=0.0, wait_max=2.0, timeout=1_000)
        async with _client(fake, recording, retry=retry) as lx:
            pings = []

            async def ping() -> None:
                pings.append(await lx.ping())

            async with trio.open_nursery() as nursery:
                for _ in range(6):
                    nursery.start_soon(ping)
        seen.update(pings=pings, statuses=recording.statuses)

    _virtual(main)
    assert len(seen["pings"]) == 6  # every call succeeded in the end
    statuses = seen["statuses"]
    assert refusal in statuses and ({429, 500} - {refusal}).isdisjoint(statuses)
    assert statuses.count(200) == 6


@pytest.mark.anyio
@pytest.mark.parametrize("quirk", [False, True])
async def test_file_accept_json_base64_switches_on_and_off(anyio_backend: str, quirk: bool) -> None:
    fake = FakeLexoffice(rate_limit=None, quirks={"file_accept_json_base64"} if quirk else None)
    invoice = fake.add_invoice()
    async with _client(fake, Recording(fake)) as lx:
        pdf = await lx.invoices.download(invoice)  # the documented Accept works either way
        path = f"/v1/invoices/{invoice}/file"
        if quirk:
            answer = await lx.request("GET", path, accept="application/json")
            assert base64.b64decode(answer.json()) == pdf.content
        else:
            with pytest.raises(ValidationFailed) as refused:
                await lx.request("GET", path, accept="application/json")
            assert refused.value.status_code == 406
    assert pdf.content.startswith(b"%PDF-")
