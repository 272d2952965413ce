"""``lexoffice-auth api METHOD PATH``: fields, input, paging, dry runs, output and errors.

Request shapes are checked with respx at lexoffice's address; paging and the dry run also
run against the sandbox served on 127.0.0.1, whose request log shows what was sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import respx
from click.testing import CliRunner, Result

from lexoffice_auth.api import TokenBucket
from lexoffice_auth.cli._commands import cli
from lexoffice_auth.testing import FakeLexoffice

from .helpers import cli_env

BASE = "https://api.lexware.io"
CONTACT = "e9066f04-8cc7-4616-93f8-ac9ecc8479c8"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(tmp_path, LEXOFFICE_API_KEY="sandbox-key")


@pytest.fixture(autouse=True)
def no_pacing_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client's 2/s pacing would sleep for real between pages: let every call go."""

    async def no_wait(self: TokenBucket) -> None:
        return None

    monkeypatch.setattr(TokenBucket, "acquire", no_wait)


def _run(args: list[str], env: dict[str, str], exit_code: int = 0, **kw: object) -> Result:
    result = CliRunner().invoke(cli, args, env=env, **kw)  # type: ignore[arg-type]
    assert result.exit_code == exit_code, result.output
    return result


def _page(rows: list[dict[str, object]], number: int, last: bool) -> dict[str, object]:
    return {"content": rows, "last": last, "first": number == 0, "number": number}


def test_get_fields_are_the_query_and_the_answer_is_indented_json(env: dict[str, str]) -> None:
    answer = {"id": CONTACT, "version": 3, "amount": 4752.86}
    with respx.mock(base_url=BASE, assert_all_called=True) as api:
        route = api.get(f"/v1/contacts/{CONTACT}").respond(200, json=answer)
        result = _run(["api", "get", f"/v1/contacts/{CONTACT}?a=1", "-f", "b=x y"], env)
    request = route.calls.last.request
    assert request.url.query.decode() == "a=1&b=x%20y"
    assert request.headers["Authorization"] == "Bearer sandbox-key"
    assert result.stdout == (
        "{\n"
        f'  "id": "{CONTACT}",\n'
        '  "version": 3,\n'
        '  "amount": 4752.86\n'  # the exact number, never a float's rounding
        "}\n"
    )


def test_post_fields_are_the_json_body_typed_with_F(env: dict[str, str]) -> None:
    with respx.mock(base_url=BASE) as api:
        route = api.post("/v1/event-subscriptions").respond(201, json={"id": "x"})
        _run(
            [
                "api",
                "POST",
                "/v1/event-subscriptions",
                "-f",
                "eventType=contact.changed",
                "-F",
                "active=true",
                "-F",
                "amount=19.90",
                "-F",
                "count=3",
                "-f",
                "raw=true",
            ],
            env,
        )
    request = route.calls.last.request
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content, parse_float=Decimal) == {
        "eventType": "contact.changed",
        "raw": "true",
        "active": True,
        "amount": Decimal("19.90"),
        "count": 3,
    }


def test_input_is_the_body_and_fields_then_go_into_the_query(
    env: dict[str, str], tmp_path: Path
) -> None:
    body = tmp_path / "contact.yaml"
    body.write_text("version: 0\nroles:\n  customer: {}\nperson:\n  lastName: Lang\n")
    with respx.mock(base_url=BASE) as api:
        route = api.put(f"/v1/contacts/{CONTACT}").respond(200, json={"id": CONTACT})
        _run(["api", "PUT", f"/v1/contacts/{CONTACT}", "--input", str(body), "-f", "x=1"], env)
        stdin = api.post("/v1/contacts").respond(200, json={"id": CONTACT})
        _run(["api", "POST", "/v1/contacts", "--input", "-"], env, input='{"n": 1.10}')
    request = route.calls.last.request
    assert request.url.query == b"x=1"
    assert json.loads(request.content) == {
        "version": 0,
        "roles": {"customer": {}},
        "person": {"lastName": "Lang"},
    }
    assert stdin.calls.last.request.content == b'{"n":1.10}'


def test_paginate_follows_the_pages_until_the_last(env: dict[str, str]) -> None:
    pages = [
        _page([{"id": "a"}, {"id": "b"}], 0, False),
        _page([{"id": "c"}, {"id": "d"}], 1, False),
        _page([{"id": "e"}], 2, True),
    ]
    with respx.mock(base_url=BASE) as api:
        route = api.get("/v1/contacts").mock(
            side_effect=lambda request: httpx.Response(
                200, json=pages[int(request.url.params["page"])]
            )
        )
        result = _run(["api", "GET", "/v1/contacts", "--paginate", "-f", "size=2"], env)
    assert [c.request.url.query.decode() for c in route.calls] == [
        f"size=2&page={n}" for n in range(3)
    ]
    assert [item["id"] for item in json.loads(result.stdout)] == ["a", "b", "c", "d", "e"]


def test_other_answers_are_printed_as_their_bytes(env: dict[str, str]) -> None:
    pdf = b"%PDF-1.4\n%%EOF\n"
    with respx.mock(base_url=BASE) as api:
        api.get("/v1/invoices/x/file").respond(
            200, content=pdf, headers={"Content-Type": "application/pdf"}
        )
        result = CliRunner().invoke(
            cli, ["api", "GET", "/v1/invoices/x/file", "--accept", "application/pdf"], env=env
        )
    assert result.exit_code == 0 and result.stdout_bytes == pdf
    with respx.mock(base_url=BASE) as api:
        api.delete("/v1/event-subscriptions/x").respond(204)
        assert _run(["api", "DELETE", "/v1/event-subscriptions/x"], env).stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["GET", "https://evil.example/v1/contacts"], "must start with /"),
        (["GET", "v1/contacts"], "must start with /"),
    ],
)
def test_only_paths_below_the_api_base_are_taken(
    env: dict[str, str], args: list[str], message: str
) -> None:
    with respx.mock(assert_all_called=False) as api:
        result = _run(["api", *args], env, exit_code=2)
    assert not api.calls and message in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["POST", "/v1/contacts", "-f", "novalue"], "is not KEY=VALUE"),
        (["POST", "/v1/contacts", "--paginate"], "--paginate needs GET"),
        (["FETCH", "/v1/contacts"], "Invalid value for 'METHOD'"),
    ],
)
def test_usage_errors_exit_2(env: dict[str, str], args: list[str], message: str) -> None:
    assert message in _run(["api", *args], env, exit_code=2).stderr


@pytest.mark.parametrize(("status", "exit_code"), [(404, 4), (409, 5), (406, 6), (401, 3)])
def test_failures_are_one_line_with_the_classes_exit_status(
    env: dict[str, str], status: int, exit_code: int
) -> None:
    with respx.mock(base_url=BASE) as api:
        api.put("/v1/contacts/x").respond(status, json={"message": "nope"})
        result = _run(["api", "PUT", "/v1/contacts/x", "-F", "version=1"], env, exit_code)
    assert result.stdout == "" and result.stderr.startswith("lexoffice-auth: error: ")
    assert "sandbox-key" not in result.output


# --- against the sandbox ---------------------------------------------------------------


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[FakeLexoffice, dict[str, str], list[str]]]:
    fake = FakeLexoffice(rate_limit=None)
    ids = [fake.add_contact(name=f"Kunde {n:02d} GmbH") for n in range(7)]
    with fake.serve() as base:
        env = cli_env(tmp_path, LEXOFFICE_API_KEY=fake.add_api_key(), LEXOFFICE_API_BASE=base)
        yield fake, env, ids


def test_paginate_lists_every_seeded_contact_of_the_sandbox(
    sandbox: tuple[FakeLexoffice, dict[str, str], list[str]],
) -> None:
    fake, env, ids = sandbox
    fake.reset_counters()
    result = _run(["api", "GET", "/v1/contacts", "--paginate", "-F", "size=3"], env)
    listed = [contact["id"] for contact in json.loads(result.stdout)]
    assert sorted(listed) == sorted(ids)  # every one, each once
    assert [r.url.params["page"] for r in fake.requests] == ["0", "1", "2"]


def test_dry_run_prints_the_request_and_sends_nothing(
    sandbox: tuple[FakeLexoffice, dict[str, str], list[str]], tmp_path: Path
) -> None:
    fake, env, _ = sandbox
    fake.reset_counters()
    body = tmp_path / "c.json"
    body.write_text('{"version": 0, "roles": {"vendor": {}}, "company": {"name": "Acme"}}')
    result = _run(["api", "POST", "/v1/contacts", "--input", str(body), "--dry-run"], env)
    assert fake.requests == []  # the sandbox's log: nothing arrived
    base = env["LEXOFFICE_API_BASE"]
    assert result.stdout == (
        f"POST {base}/v1/contacts\n"
        "Accept: application/json\n"
        "Content-Type: application/json\n"
        "Authorization: Bearer ***\n"
        "\n"
        "{\n"
        '  "version": 0,\n'
        '  "roles": {\n'
        '    "vendor": {}\n'
        "  },\n"
        '  "company": {\n'
        '    "name": "Acme"\n'
        "  }\n"
        "}\n"
    )
    assert env["LEXOFFICE_API_KEY"] not in result.output
    assert result.stderr == "dry run: 1 request(s) shown, nothing sent\n"
    paged = _run(["api", "GET", "/v1/contacts", "--paginate", "--dry-run"], env)
    assert paged.stdout == (
        f"GET {base}/v1/contacts?page=0\nAccept: application/json\nAuthorization: Bearer ***\n"
    )
    assert fake.requests == []


def test_a_dry_run_needs_no_login_and_reads_no_credential(tmp_path: Path) -> None:
    env = cli_env(tmp_path)  # no key, an empty token store
    with respx.mock(assert_all_called=False) as api:
        result = _run(["api", "DELETE", "/v1/event-subscriptions/x", "--dry-run"], env)
    assert not api.calls
    assert result.stdout == (
        f"DELETE {BASE}/v1/event-subscriptions/x\n"
        "Accept: application/json\n"
        "Authorization: Bearer ***\n"
    )
    assert not (tmp_path / "tokens.json").exists()
