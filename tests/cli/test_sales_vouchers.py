"""``quotations|order-confirmations|...|dunnings list|get|download``: requests and exact output.

HTTP is mocked with respx at lexoffice's address; bodies are shaped as the reference's
§3c shows. Each command makes one request, so the client's pacing never waits. The last
tests run the commands against the sandbox served on 127.0.0.1, with seeded documents.
"""

from __future__ import annotations

import json
import re
import types
from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import respx
from click.testing import CliRunner, Result

from lexoffice_auth.api import TokenBucket
from lexoffice_auth.cli._commands import cli
from lexoffice_auth.cli._commands import sales_vouchers as module
from lexoffice_auth.cli._commands.sales_vouchers import KINDS
from lexoffice_auth.testing import FakeLexoffice

from .helpers import cli_env

BASE = "https://api.lexware.io"
HUBER = "6925b6bc-7560-430a-ab9b-cd375e2af04d"
QUOTE = "4fd384c3-98b1-4144-bef4-de626c9875e6"
OC = "55d719fe-d048-4e2a-b498-fd44272848c6"
DN = "6a42e54e-1466-40b5-8972-15d66de5c6d8"
INV = "23a7ecfe-12f8-4eae-bc37-0e8769a975d0"
CN = "7913a682-1253-4642-b97e-3fbb658dc377"
DUN = "eade65fa-76b3-4ced-a84b-397864e71f49"
PDF = b"%PDF-1.4\n% delivery note LS1005\n%%EOF\n"

LISTED = [k for k in KINDS if k.voucher_type is not None]


def _row(voucher_id: str, voucher_type: str, number: str, status: str) -> dict[str, object]:
    return {
        "id": voucher_id,
        "voucherType": voucher_type,
        "voucherStatus": status,
        "voucherNumber": number,
        "voucherDate": "2025-10-06T00:00:00.000+02:00",
        "createdDate": "2025-10-06T16:02:11.000+02:00",
        "updatedDate": "2025-10-15T08:30:02.000+02:00",
        "dueDate": None,
        "contactId": HUBER,
        "contactName": "Bäckerei Huber GmbH & Co. KG",
        "totalAmount": 4752.86,
        "openAmount": None,
        "currency": "EUR",
        "archived": False,
    }


def _page(rows: list[dict[str, object]], *, number: int = 0, size: int = 25) -> dict[str, object]:
    return {
        "content": rows,
        "first": number == 0,
        "last": True,
        "totalPages": number + 1,
        "totalElements": number * size + len(rows),
        "numberOfElements": len(rows),
        "size": size,
        "number": number,
        "sort": [{"property": "voucherdate", "direction": "DESC"}],
    }


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(tmp_path, LEXOFFICE_API_KEY="sandbox-key")


def _run(args: list[str], env: dict[str, str], exit_code: int = 0) -> Result:
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == exit_code, result.output
    return result


@pytest.mark.parametrize("kind", LISTED, ids=lambda k: k.command)
def test_list_reads_the_voucherlist_with_the_kinds_type(
    kind: module.SalesVoucherKind, env: dict[str, str]
) -> None:
    assert kind.voucher_type is not None
    row = _row(OC, kind.voucher_type, "AB1007", "open")
    with respx.mock(base_url=BASE, assert_all_called=True) as api:
        route = api.get("/v1/voucherlist").respond(200, json=_page([row], number=1, size=10))
        result = _run(
            [kind.command, "list", "--status", "open,paid", "--page", "1", "--size", "10"], env
        )
    request = route.calls.last.request
    assert request.url.query.decode() == (
        f"voucherType={kind.voucher_type}&voucherStatus=open%2Cpaid&page=1&size=10"
    )
    assert request.headers["Authorization"] == "Bearer sandbox-key"
    assert result.stdout == (
        "ID                                    NUMBER  DATE        STATUS  CONTACT"
        "                       TOTAL    OPEN  CUR\n"
        f"{OC}  AB1007  2025-10-06  open    Bäckerei Huber GmbH & Co. KG  4752.86        EUR\n"
    )
    assert result.stderr == "page 2 of 2, 11 in all\n"


def test_list_json_is_the_page_as_lexoffice_sends_it(env: dict[str, str]) -> None:
    row = _row(QUOTE, "quotation", "AG1011", "draft")
    with respx.mock(base_url=BASE) as api:
        route = api.get("/v1/voucherlist").respond(200, json=_page([row]))
        result = _run(["quotations", "list", "--contact-id", HUBER, "--json"], env)
    assert route.calls.last.request.url.query.decode() == (
        f"voucherType=quotation&voucherStatus=any&contactId={HUBER}&page=0&size=25"
    )
    data = json.loads(result.stdout, parse_float=Decimal)
    assert data["content"][0]["voucherNumber"] == "AG1011"
    assert data["content"][0]["voucherDate"] == "2025-10-06T00:00:00.000+02:00"
    assert data["totalElements"] == 1 and result.stderr == ""
    # Amounts are the exact numbers lexoffice sent, not strings and not floats.
    assert '      "totalAmount": 4752.86,\n' in result.stdout
    assert data["content"][0]["totalAmount"] == Decimal("4752.86")


def test_get_shows_the_document_and_its_predecessor(env: dict[str, str]) -> None:
    body = {
        "id": DN,
        "organizationId": "c88a9840-24b8-448c-997b-fef49ddb78d3",
        "version": 1,
        "voucherStatus": "open",
        "voucherNumber": "LS1005",
        "voucherDate": "2025-10-06T00:00:00.000+02:00",
        "address": {"contactId": HUBER, "name": "Bäckerei Huber GmbH & Co. KG"},
        "lineItems": [
            {"id": "bb9b16c2-8677-4b34-b3e3-1a63c88214f8", "type": "material",
             "name": "Gas-Brennwerttherme 25 kW", "quantity": 1, "unitName": "Stück"},
        ],
        "taxConditions": {"taxType": "net"},
        "relatedVouchers": [
            {"id": OC, "voucherNumber": "AB1007", "voucherType": "orderconfirmation"}
        ],
        "title": "Lieferschein",
        "deliveryTerms": "Lieferung frei Baustelle",
    }  # fmt: skip
    with respx.mock(base_url=BASE) as api:
        api.get(f"/v1/delivery-notes/{DN}").respond(200, json=body)
        result = _run(["delivery-notes", "get", DN], env)
    assert result.stdout == (
        f"ID:      {DN}\n"
        "Number:  LS1005\n"
        "Status:  open\n"
        "Date:    2025-10-06T00:00:00+02:00\n"
        "Contact: Bäckerei Huber GmbH & Co. KG\n"
        "Lines:   1\n"
        "Related: orderconfirmation AB1007\n"
    )
    assert result.stderr == ""


def test_dunnings_have_no_list_but_get_works(env: dict[str, str]) -> None:
    with respx.mock(base_url=BASE) as api:
        refused = _run(["dunnings", "list"], env, exit_code=2)
        assert "lexoffice does not list dunnings" in refused.stderr
        assert not api.calls
        # Raw bytes as lexoffice sends them: 3994.00 keeps its two decimals.
        api.get(f"/v1/dunnings/{DUN}").respond(
            200,
            headers={"Content-Type": "application/json"},
            content=(
                f'{{"id":"{DUN}","voucherStatus":"draft",'
                '"voucherDate":"2025-10-27T00:00:00.000+01:00",'
                f'"address":{{"contactId":"{HUBER}"}},"lineItems":[],'
                '"totalPrice":{"currency":"EUR","totalNetAmount":3994.00,'
                '"totalGrossAmount":4752.86,"totalTaxAmount":758.86},'
                '"taxConditions":{"taxType":"net"},'
                f'"relatedVouchers":[{{"id":"{INV}","voucherNumber":"RE1042",'
                '"voucherType":"invoice"}]}'
            ),
        )
        result = _run(["dunnings", "get", DUN], env)
    lines = result.stdout.splitlines()
    # The SDK's decoder may drop the trailing zeros of 3994.00 (the value is the same).
    assert re.fullmatch(r"Net:     3994(\.00)? EUR", lines.pop(4))
    assert lines == [
        f"ID:      {DUN}",
        "Status:  draft",
        "Date:    2025-10-27T00:00:00+01:00",
        f"Contact: {HUBER}",
        "Gross:   4752.86 EUR",
        "Lines:   0",
        "Related: invoice RE1042",
    ]


def _pdf_route(api: respx.MockRouter, path: str) -> respx.Route:
    return api.get(path).respond(
        200,
        content=PDF,
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": 'attachment; filename="LS1005.pdf"',
        },
    )


def test_download_streams_into_a_directory_under_lexoffices_name(
    env: dict[str, str], tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    with respx.mock(base_url=BASE) as api:
        route = _pdf_route(api, f"/v1/delivery-notes/{DN}/file")
        result = _run(["delivery-notes", "download", DN, "-o", str(folder)], env)
        assert route.calls.last.request.headers["Accept"] == "application/pdf"
        target = folder / "LS1005.pdf"
        assert target.read_bytes() == PDF
        assert result.stdout == f"{target}\n"
        assert result.stderr == f"wrote {target} ({len(PDF)} bytes, application/pdf)\n"
        again = _run(["delivery-notes", "download", DN, "-o", str(folder)], env, exit_code=2)
        assert f"{target} exists; pass --force to overwrite it" in again.stderr
        _run(["delivery-notes", "download", DN, "-o", str(folder), "--force"], env)
    assert sorted(p.name for p in folder.iterdir()) == ["LS1005.pdf"]  # no temporary left


def test_download_to_a_named_file_and_as_xml(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "gutschrift.xml"
    xml = b"<?xml version='1.0'?><Invoice/>"
    with respx.mock(base_url=BASE) as api:
        route = api.get(f"/v1/credit-notes/{CN}/file").respond(
            200, content=xml, headers={"Content-Type": "application/xml;charset=UTF-8"}
        )
        result = _run(["credit-notes", "download", CN, "--format", "xml", "-o", str(target)], env)
    assert route.calls.last.request.headers["Accept"] == "application/xml"
    assert target.read_bytes() == xml
    assert result.stderr == f"wrote {target} ({len(xml)} bytes, application/xml)\n"


def test_xml_is_offered_only_where_lexoffice_renders_it(env: dict[str, str]) -> None:
    result = _run(["quotations", "download", QUOTE, "--format", "xml"], env, exit_code=2)
    assert "'xml' is not 'pdf'" in result.stderr


def test_a_draft_is_one_error_line_and_leaves_no_file(env: dict[str, str], tmp_path: Path) -> None:
    body = {
        "timestamp": "2025-09-15T10:12:31.233+02:00",
        "status": 409,
        "error": "Conflict",
        "path": f"/v1/quotations/{QUOTE}/file",
        "traceId": "4c1f0a9e7d2b",
        "message": "draft",
    }
    with respx.mock(base_url=BASE) as api:
        api.get(f"/v1/quotations/{QUOTE}/file").respond(409, json=body)
        result = _run(["quotations", "download", QUOTE, "-o", str(tmp_path)], env, exit_code=1)
    assert result.stderr.startswith(
        f"lexoffice-auth: error: quotations/{QUOTE} is a draft: lexoffice renders no document"
    )
    assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]


def test_download_to_stdout_only_when_it_is_not_a_terminal(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with respx.mock(base_url=BASE) as api:
        _pdf_route(api, f"/v1/invoices/{INV}/file")
        piped = _run(["invoices", "download", INV, "-o", "-"], env)
        assert piped.stdout_bytes == PDF and piped.stderr == ""

        class Terminal:
            def isatty(self) -> bool:
                return True

        monkeypatch.setattr(module, "sys", types.SimpleNamespace(stdout=Terminal()))
        refused = _run(["invoices", "download", INV, "-o", "-"], env, exit_code=2)
    assert "refusing to write a binary document to a terminal" in refused.stderr
    assert refused.stdout == ""


def test_a_stored_api_key_login_lists_with_its_bearer(tmp_path: Path) -> None:
    """A profile from ``login --api-key`` works like the environment's key."""
    env = cli_env(tmp_path)
    with respx.mock(base_url=BASE) as api:
        api.get("/v1/ping").respond(200, json={"userEmail": "julia@example.de"})
        login = CliRunner().invoke(cli, ["login", "--api-key"], env=env, input="stored-key\n")
        assert login.exit_code == 0, login.output
        route = api.get("/v1/voucherlist").respond(200, json=_page([]))
        result = _run(["order-confirmations", "list"], env)
    assert route.calls.last.request.headers["Authorization"] == "Bearer stored-key"
    assert result.stdout == "ID  NUMBER  DATE  STATUS  CONTACT  TOTAL  OPEN  CUR\n"


@pytest.mark.parametrize("status", [httpx.codes.NOT_FOUND, httpx.codes.UNAUTHORIZED])
def test_get_failures_are_one_line_and_a_hint(env: dict[str, str], status: int) -> None:
    with respx.mock(base_url=BASE) as api:
        api.get(f"/v1/order-confirmations/{OC}").respond(status, json={"message": "nope"})
        result = _run(["order-confirmations", "get", OC], env, exit_code=1)
    lines = result.stderr.splitlines()
    assert lines[0].startswith("lexoffice-auth: error: ")
    assert lines[1].startswith("lexoffice-auth: hint: ")
    assert result.stdout == ""


def test_invoices_list_keeps_its_type_option(env: dict[str, str]) -> None:
    with respx.mock(base_url=BASE) as api:
        route = api.get("/v1/voucherlist").respond(200, json=_page([]))
        _run(["invoices", "list", "--type", "invoice,creditnote"], env)
        refused = _run(["quotations", "list", "--type", "invoice"], env, exit_code=2)
    assert route.calls.last.request.url.query.decode() == (
        "voucherType=invoice%2Ccreditnote&voucherStatus=any&page=0&size=25"
    )
    assert "No such option '--type'" in refused.stderr


Seeded = tuple[FakeLexoffice, dict[str, str], dict[str, str]]


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Seeded]:
    async def no_wait(self: TokenBucket) -> None:
        return None

    monkeypatch.setattr(TokenBucket, "acquire", no_wait)
    fake = FakeLexoffice(rate_limit=None)
    huber = fake.add_contact(name="Bäckerei Huber GmbH & Co. KG")
    day = datetime(2025, 9, 15, 10, 0, tzinfo=timezone.utc)
    ids = {
        "huber": huber,
        "quote": fake.add_quotation(contact_id=huber, voucher_date=day, net_amount=250),
        "draft": fake.add_quotation(contact_id=huber, voucher_date=day, status="draft"),
        "invoice": fake.add_invoice(contact_id=huber, voucher_date=day),
    }
    ids["dunning"] = fake.add_dunning(ids["invoice"])
    with fake.serve() as base:
        env = cli_env(tmp_path, LEXOFFICE_API_KEY=fake.add_api_key(), LEXOFFICE_API_BASE=base)
        yield fake, env, ids


def test_quotations_list_get_download_on_the_sandbox(seeded: Seeded, tmp_path: Path) -> None:
    _, env, ids = seeded
    listed = _run(["quotations", "list", "--status", "open"], env)
    rows = listed.stdout.splitlines()
    assert rows[0].split() == ["ID", "NUMBER", "DATE", "STATUS", "CONTACT", "TOTAL", "OPEN", "CUR"]
    assert len(rows) == 2 and rows[1].startswith(ids["quote"])
    assert "2025-09-15  open" in rows[1] and "297.5" in rows[1]
    assert listed.stderr == "page 1 of 1, 1 in all\n"
    data = json.loads(_run(["quotations", "get", ids["quote"], "--json"], env).stdout)
    assert data["id"] == ids["quote"] and data["voucherStatus"] == "open"
    shown = _run(["quotations", "get", ids["quote"]], env).stdout
    assert f"ID:      {ids['quote']}\n" in shown and "Gross:   297.5" in shown
    written = _run(["quotations", "download", ids["quote"], "-o", str(tmp_path)], env)
    target = Path(written.stdout.strip())
    assert target.parent == tmp_path and target.read_bytes().startswith(b"%PDF")
    refused = _run(["quotations", "download", ids["draft"], "-o", str(tmp_path)], env, 1)
    assert "is a draft" in refused.stderr


def test_dunnings_get_and_download_a_draft_on_the_sandbox(seeded: Seeded, tmp_path: Path) -> None:
    _, env, ids = seeded
    shown = _run(["dunnings", "get", ids["dunning"]], env).stdout
    assert "Status:  draft\n" in shown and "Related: invoice " in shown
    out = tmp_path / "mahnung.pdf"
    _run(["dunnings", "download", ids["dunning"], "-o", str(out)], env)
    assert out.read_bytes().startswith(b"%PDF")
