"""The exact output of the API commands (contacts, invoices): tables, fields, footers, JSON.

These pin stdout and stderr byte for byte, so the commands can share their plumbing
without changing what a script that parses them sees.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lexoffice_auth.cli._commands import cli
from lexoffice_auth.testing import FakeLexoffice

from .helpers import cli_env


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[tuple[FakeLexoffice, dict[str, str], dict[str, str]]]:
    fake = FakeLexoffice(rate_limit=None)
    key = fake.add_api_key()
    ids = {
        "muster": fake.add_contact(name="Musterkunde AG", email="einkauf@musterkunde.example"),
        "zulief": fake.add_contact(name="Zulieferer GmbH", customer=False, vendor=True),
    }
    ids["invoice"] = fake.add_invoice(
        contact_id=ids["muster"], voucher_date=datetime(2026, 1, 2, 10, 0, tzinfo=timezone.utc)
    )
    with fake.serve() as base:
        env = cli_env(tmp_path, LEXOFFICE_API_KEY=key, LEXOFFICE_API_BASE=base)
        yield fake, env, ids


def _run(args: list[str], env: dict[str, str]) -> Result:
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    return result


def test_contacts_list_table_and_footer(
    seeded: tuple[FakeLexoffice, dict[str, str], dict[str, str]],
) -> None:
    _, env, ids = seeded
    result = _run(["contacts", "list"], env)
    assert result.stdout == (
        "ID                                    NAME             ROLES           E-MAIL\n"
        f"{ids['muster']}  Musterkunde AG   customer 10001  einkauf@musterkunde.example\n"
        f"{ids['zulief']}  Zulieferer GmbH  vendor 70001\n"
    )
    assert result.stderr == "page 1 of 1, 2 in all\n"
    second = _run(["contacts", "list", "--size", "1", "--page", "1"], env)
    assert second.stdout.splitlines()[1].startswith(ids["zulief"])
    assert second.stderr == "page 2 of 2, 2 in all\n"
    empty = _run(["contacts", "list", "--name", "nobody"], env)
    assert empty.stdout == "ID  NAME  ROLES  E-MAIL\n"
    assert empty.stderr == "page 1 of 1, 0 in all\n"


def test_contacts_get_fields(
    seeded: tuple[FakeLexoffice, dict[str, str], dict[str, str]],
) -> None:
    _, env, ids = seeded
    result = _run(["contacts", "get", ids["muster"]], env)
    assert result.stdout == (
        f"ID:       {ids['muster']}\n"
        "Name:     Musterkunde AG\n"
        "Roles:    customer 10001\n"
        "E-mail:   einkauf@musterkunde.example\n"
        "Version:  0\n"
        "Archived: False\n"
    )
    assert result.stderr == ""


def test_invoices_list_table_and_footer(
    seeded: tuple[FakeLexoffice, dict[str, str], dict[str, str]],
) -> None:
    _, env, ids = seeded
    result = _run(["invoices", "list"], env)
    assert result.stdout == (
        "ID                                    NUMBER  DATE        STATUS  CONTACT         "
        "TOTAL   OPEN    CUR\n"
        f"{ids['invoice']}  RE0001  2026-01-02  open    Musterkunde AG  119.00  119.00  EUR\n"
    )
    assert result.stderr == "page 1 of 1, 1 in all\n"


def test_invoices_get_fields(
    seeded: tuple[FakeLexoffice, dict[str, str], dict[str, str]],
) -> None:
    _, env, ids = seeded
    result = _run(["invoices", "get", ids["invoice"]], env)
    assert result.stdout == (
        f"ID:      {ids['invoice']}\n"
        "Number:  RE0001\n"
        "Status:  open\n"
        "Date:    2026-01-02T11:00:00+01:00\n"
        "Contact: Musterkunde AG\n"  # lexoffice fills the address from the contact
        "Net:     100.00 EUR\n"
        "Gross:   119.00 EUR\n"
        "Lines:   1\n"
    )
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("args", "wanted"),
    [
        (["contacts", "list", "--json"], {"totalElements": 2, "number": 0, "size": 25}),
        (["contacts", "get", "{muster}", "--json"], {"id": "{muster}", "version": 0}),
        (["invoices", "list", "--json"], {"totalElements": 1, "totalPages": 1}),
        (
            ["invoices", "get", "{invoice}", "--json"],
            {"id": "{invoice}", "voucherNumber": "RE0001"},
        ),
    ],
)
def test_json_is_lexoffices_names_indented_by_two(
    seeded: tuple[FakeLexoffice, dict[str, str], dict[str, str]],
    args: list[str],
    wanted: dict[str, object],
) -> None:
    _, env, ids = seeded
    result = _run([a.format(**ids) for a in args], env)
    data = json.loads(result.stdout)
    assert result.stdout == json.dumps(data, indent=2) + "\n"
    for name, value in wanted.items():
        assert data[name] == (value.format(**ids) if isinstance(value, str) else value)
    assert result.stderr == ""  # no footer with --json


def test_invoices_download_to_stdout_and_to_a_directory(
    seeded: tuple[FakeLexoffice, dict[str, str], dict[str, str]], tmp_path: Path
) -> None:
    _, env, ids = seeded
    raw = _run(["invoices", "download", ids["invoice"], "-o", "-"], env)
    assert raw.stdout_bytes.startswith(b"%PDF") and raw.stderr == ""
    target = tmp_path / "out"
    target.mkdir()
    written = _run(["invoices", "download", ids["invoice"], "-o", str(target)], env)
    path = target / "RE0001.pdf"
    assert written.stdout == f"{path}\n"
    assert path.read_bytes() == raw.stdout_bytes
    assert written.stderr == f"wrote {path} ({len(raw.stdout_bytes)} bytes, application/pdf)\n"
