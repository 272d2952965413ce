"""Round 2, item 9: server text reaches the terminal with its control characters escaped.

0.2.0 printed a provider's ``error_description`` (and API messages, contact names …) as
is: ``\\x1b]0;…\\x07`` retitles the terminal, ``\\x1b[2J`` clears it, ``\\r`` overwrites
the line, ``\\u202e`` reorders it. Now the SDK's messages and everything the CLI prints
show such characters as escapes.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from lexoffice_auth import OAuthClient
from lexoffice_auth.cli._commands._api_output import fields, table
from lexoffice_auth.cli._errors import Redactor, describe
from lexoffice_auth.errors import AuthorizationDenied, LexofficeAuthError
from lexoffice_auth.testing import FakeLexoffice

HOSTILE = "denied\x1b]0;owned\x07\x1b[2J\rfake ok\x9b31m\u202etxt.exe\x00\x7f"
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


async def test_an_error_description_with_controls_is_escaped_in_the_message() -> None:
    fake = FakeLexoffice(rate_limit=None)
    oauth = OAuthClient(
        "sandbox-client",
        "http://127.0.0.1/callback",
        issuer=fake.issuer,
        http_client=fake.client(),
        clock=fake.clock,
    )
    pending = await oauth.start_login()
    query = urlencode(
        {
            "error": "access_denied\x1b[5m",
            "error_description": HOSTILE,
            "state": pending.state.get_secret_value(),
            "iss": fake.issuer,
        }
    )
    with pytest.raises(AuthorizationDenied) as caught:
        await oauth.complete_login(f"http://127.0.0.1/callback?{query}", pending)
    message = str(caught.value)
    assert not CONTROL.search(message), message
    assert "\\x1b]0;owned\\x07" in message and "\\u202e" in message
    assert caught.value.error_description == HOSTILE  # the attribute keeps the raw value


@pytest.mark.parametrize("debug", [False, True])
def test_the_cli_error_lines_have_no_control_characters(debug: bool) -> None:
    try:
        raise LexofficeAuthError(f"the API said: {HOSTILE}") from ValueError(HOSTILE)
    except LexofficeAuthError as exc:
        lines = describe(exc, Redactor(), debug=debug)
    assert lines
    for line in lines:
        assert not CONTROL.search(line), line


def test_api_output_tables_and_fields_escape_server_strings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    table(["ID", "NAME"], [("c-1", HOSTILE)])
    fields([("Name", HOSTILE), ("Note", "plain")])
    printed = capsys.readouterr().out
    for line in printed.splitlines():
        assert not CONTROL.search(line), line
    assert "\\x1b[2J" in printed
