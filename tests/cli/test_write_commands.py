"""Write commands (contacts, sales vouchers, vouchers), --dry-run, --csv and exit codes.

They run against the sandbox served on 127.0.0.1: what it stored, and its request log,
show what the commands sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lexoffice_auth import errors
from lexoffice_auth.api import TokenBucket
from lexoffice_auth.cli._commands import cli
from lexoffice_auth.cli._errors import EXIT_CODES, USAGE_EXIT, exit_code_for
from lexoffice_auth.testing import FakeLexoffice

from ..testing.api.world import VOUCHER  # the cash-register voucher of reference §3c
from .helpers import ROOT, cli_env

Sandbox = tuple[FakeLexoffice, dict[str, str], str]

CONTACT_YAML = """\
version: 0
roles:
  customer: {}
company:
  name: Heiztechnik Schneider GmbH
note: "Wartung: jährlich"
"""

INVOICE = {
    "voucherDate": "2025-09-15T00:00:00.000+02:00",
    "address": {"name": "Muster GmbH", "countryCode": "DE"},
    "lineItems": [
        {
            "type": "custom",
            "name": "Beratung",
            "quantity": 1.5,
            "unitName": "Stunde",
            "unitPrice": {"currency": "EUR", "netAmount": 99.99, "taxRatePercentage": 19},
        }
    ],
    "totalPrice": {"currency": "EUR"},
    "taxConditions": {"taxType": "net"},
    "shippingConditions": {
        "shippingDate": "2025-09-15T00:00:00.000+02:00",
        "shippingType": "service",
    },
}


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    async def no_wait(self: TokenBucket) -> None:
        return None

    monkeypatch.setattr(TokenBucket, "acquire", no_wait)  # no real sleeps for the pacing
    fake = FakeLexoffice(rate_limit=None)
    with fake.serve() as base:
        env = cli_env(tmp_path, LEXOFFICE_API_KEY=fake.add_api_key(), LEXOFFICE_API_BASE=base)
        yield fake, env, base


def _run(args: list[str], env: dict[str, str], exit_code: int = 0) -> Result:
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == exit_code, result.output
    return result


def _file(tmp_path: Path, name: str, data: object) -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def _get(env: dict[str, str], path: str) -> dict[str, object]:
    data = json.loads(_run(["api", "GET", path], env).stdout)
    assert isinstance(data, dict)
    return data


def test_contacts_create_from_yaml_then_update_and_a_stale_version_conflicts(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    fake, env, _ = sandbox
    created = _run(["contacts", "create", _file(tmp_path, "c.yaml", CONTACT_YAML)], env)
    contact_id = created.stdout.strip()
    assert created.stderr == f"created contact {contact_id} (version 0)\n"
    stored = _get(env, f"/v1/contacts/{contact_id}")
    assert stored["company"] == {"name": "Heiztechnik Schneider GmbH"}
    assert stored["note"] == "Wartung: jährlich"

    changed = {**stored, "note": "Wartung: halbjährlich"}
    update = _file(tmp_path, "u.json", changed)
    updated = _run(["contacts", "update", contact_id, update, "--json"], env)
    assert json.loads(updated.stdout)["version"] == 1
    # The same file again carries version 0, now stale: the conflict's exit status.
    stale = _run(["contacts", "update", contact_id, update], env, exit_code=5)
    assert stale.stdout == "" and "error:" in stale.stderr
    assert _get(env, f"/v1/contacts/{contact_id}")["note"] == "Wartung: halbjährlich"
    assert fake.add_api_key  # the sandbox stayed up throughout


def test_bad_input_names_the_field_and_sends_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    fake, env, _ = sandbox
    fake.reset_counters()
    wrong_type = _file(
        tmp_path,
        "w.json",
        {"version": 0, "roles": {"customer": {}}, "person": {"lastName": ["not", "text"]}},
    )
    refused = _run(["contacts", "create", wrong_type], env, exit_code=6)
    assert "person.lastName" in refused.stderr
    no_roles = _file(tmp_path, "r.yml", "person:\n  lastName: Lang\n")
    refused = _run(["contacts", "create", no_roles], env, exit_code=6)
    assert "roles" in refused.stderr
    too_long = {**INVOICE, "title": "x" * 26}
    refused = _run(["invoices", "create", _file(tmp_path, "i.json", too_long)], env, 6)
    assert "title: at most 25 characters, not 26" in refused.stderr
    not_json = _run(["contacts", "create", _file(tmp_path, "n.json", "{oops")], env, 2)
    assert "is not valid JSON" in not_json.stderr
    missing = _run(["contacts", "create", str(tmp_path / "none.json")], env, 2)
    assert "cannot read" in missing.stderr
    assert fake.requests == []  # nothing reached the sandbox


@pytest.mark.parametrize(
    ("command", "finalize", "status"),
    [
        ("invoices", False, "draft"),
        ("invoices", True, "open"),
        ("quotations", False, "draft"),
        ("credit-notes", True, "open"),
    ],
)
def test_sales_vouchers_are_drafts_unless_finalized(
    sandbox: Sandbox, tmp_path: Path, command: str, finalize: bool, status: str
) -> None:
    fake, env, _ = sandbox
    body = dict(INVOICE)
    if command == "quotations":
        body["expirationDate"] = "2025-10-15T00:00:00.000+02:00"
    fake.reset_counters()
    args = [command, "create", _file(tmp_path, "v.json", body)]
    created = _run([*args, "--finalize"] if finalize else args, env)
    (request,) = fake.requests
    assert request.url.params.get("finalize") == ("true" if finalize else None)
    document = _get(env, f"/v1/{command}/{created.stdout.strip()}")
    assert document["voucherStatus"] == status


def test_dry_runs_print_the_request_and_send_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    fake, env, base = sandbox
    fake.reset_counters()
    invoice = _file(tmp_path, "i.json", INVOICE)
    shown = _run(["invoices", "create", invoice, "--finalize", "--dry-run"], env)
    assert shown.stdout.startswith(
        f"POST {base}/v1/invoices?finalize=true\n"
        "Accept: application/json\n"
        "Content-Type: application/json\n"
        "Authorization: Bearer ***\n\n{\n"
    )
    assert '"quantity": 1.5,' in shown.stdout and '"netAmount": 99.99,' in shown.stdout
    as_json = json.loads(
        _run(["credit-notes", "create", invoice, "--dry-run", "--json"], env).stdout
    )
    assert [(r["method"], r["url"]) for r in as_json] == [("POST", f"{base}/v1/credit-notes")]
    assert as_json[0]["body"]["lineItems"][0]["name"] == "Beratung"
    contact = _file(tmp_path, "c.yaml", CONTACT_YAML)
    _run(["contacts", "create", contact, "--dry-run"], env)
    _run(["contacts", "update", "c0ffee00-0000-4000-8000-000000000000", contact, "--dry-run"], env)
    receipt = tmp_path / "beleg.pdf"
    receipt.write_bytes(b"%PDF-1.4 beleg\n%%EOF\n")
    voucher = _file(tmp_path, "v.json", VOUCHER)
    both = _run(["vouchers", "create", voucher, "--receipt", str(receipt), "--dry-run"], env)
    assert re.findall(r"^(POST \S+)$", both.stdout, re.M) == [
        f"POST {base}/v1/vouchers",
        f"POST {base}/v1/vouchers/00000000-0000-0000-0000-000000000000/files",
    ]
    assert re.search(r"^<multipart/form-data, \d+ bytes>$", both.stdout, re.M)
    assert fake.requests == []  # the sandbox's log: not one request arrived
    assert env["LEXOFFICE_API_KEY"] not in shown.output + both.output


def test_vouchers_create_uploads_the_receipt_to_the_new_voucher(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    _, env, _ = sandbox
    receipt = tmp_path / "beleg.pdf"
    receipt.write_bytes(b"%PDF-1.4 beleg\n%%EOF\n")
    voucher = _file(tmp_path, "v.yaml", json.dumps(VOUCHER))  # JSON is YAML too
    created = _run(["vouchers", "create", voucher, "--receipt", str(receipt)], env)
    stored = _get(env, f"/v1/vouchers/{created.stdout.strip()}")
    assert stored["voucherNumber"] == "KA-2025-0915"
    assert stored["totalGrossAmount"] == 172.5
    assert len(stored["files"]) == 1  # type: ignore[arg-type]
    unbalanced = {**VOUCHER, "totalGrossAmount": 999}
    refused = _run(["vouchers", "create", _file(tmp_path, "u.json", unbalanced)], env, 6)
    assert "totalGrossAmount" in refused.stderr or "total_gross_amount" in refused.stderr


def test_csv_lists_are_one_header_and_a_row_each(sandbox: Sandbox) -> None:
    fake, env, _ = sandbox
    ids = [fake.add_contact(name=name) for name in ("Acme, Inc.", "Bäckerei Huber")]
    result = _run(["contacts", "list", "--csv"], env)
    lines = result.stdout.splitlines()
    assert lines[0] == "ID,NAME,ROLES,E-MAIL"
    assert sorted(lines[1:]) == sorted(
        [f'{ids[0]},"Acme, Inc.",customer 10001,', f"{ids[1]},Bäckerei Huber,customer 10002,"]
    )
    invoice = fake.add_invoice()
    listed = _run(["invoices", "list", "--csv"], env).stdout.splitlines()
    assert listed[0] == "ID,NUMBER,DATE,STATUS,CONTACT,TOTAL,OPEN,CUR"
    assert listed[1].startswith(f"{invoice},")


def test_the_exit_code_table_in_the_docs_is_the_one_the_cli_uses() -> None:
    docs = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    documented = dict(re.findall(r"^\| (\d) \| ([^|]+?) \|", docs, re.M))
    used = {str(code): meaning for _, code, meaning in EXIT_CODES}
    assert {k: v for k, v in documented.items() if k in used} == used
    assert documented["0"] and documented["1"] and documented[str(USAGE_EXIT)]


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.ApiKeyRejected("x"), 3),
        (errors.Unauthorized("x"), 3),
        (errors.NotFound("x"), 4),
        (errors.Conflict("x"), 5),
        (errors.InvalidBody("x"), 6),  # a ConfigurationError too, but invalid data first
        (errors.ValidationFailed("x"), 6),
        (errors.RateLimited("x"), 7),
        (errors.NetworkError("x"), 8),
        (errors.ServerError("x"), 8),
        (errors.ConfigurationError("x"), 2),
        (errors.TokenStoreError("x"), 1),
        (RuntimeError("x"), 1),
    ],
)
def test_each_error_class_has_its_exit_status(error: BaseException, code: int) -> None:
    assert exit_code_for(error) == code


def test_files_upload_summary_as_csv(sandbox: Sandbox, tmp_path: Path) -> None:
    _, env, _ = sandbox
    receipt = tmp_path / "a.pdf"
    receipt.write_bytes(b"%PDF-1.4 a\n%%EOF\n")
    lines = _run(["files", "upload", str(receipt), "--csv"], env).stdout.splitlines()
    assert lines[0] == "PATH,FILE ID,VOUCHER ID,ERROR"
    path, file_id, voucher_id, error = lines[1].split(",")
    assert (path, error) == (str(receipt), "") and file_id and voucher_id


def test_yaml_amounts_stay_exact(sandbox: Sandbox, tmp_path: Path) -> None:
    fake, env, _ = sandbox
    fake.reset_counters()
    yaml_text = json.dumps(INVOICE).replace("99.99", "99.90")  # 99.9 as a float would lose the 0
    shown = _run(["invoices", "create", _file(tmp_path, "i.yml", yaml_text), "--dry-run"], env)
    assert '"netAmount": 99.90,' in shown.stdout and '"quantity": 1.5,' in shown.stdout
    assert fake.requests == []


def test_download_json_says_what_was_written(sandbox: Sandbox, tmp_path: Path) -> None:
    fake, env, _ = sandbox
    invoice = fake.add_invoice()
    out = tmp_path / "r.pdf"
    shown = _run(["invoices", "download", invoice, "-o", str(out), "--json"], env)
    data = json.loads(shown.stdout)
    assert data["path"] == str(out) and data["size"] == out.stat().st_size > 0
    assert data["mediaType"] == "application/pdf"
