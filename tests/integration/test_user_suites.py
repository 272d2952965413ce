"""The sandbox fixtures in users' own suites: pytest-asyncio (strict, auto) and anyio."""

from __future__ import annotations

import pytest

from ..support.lean_pytest import UNUSED_PLUGINS

pytest_plugins = ["pytester"]

BODY = """
import httpx
import pytest

from lexoffice_auth import ApiKeyAuth
from lexoffice_auth.api import LexofficeClient

{marks}


async def test_client_passes_the_realistic_limit(fake_lexoffice):
    cid = fake_lexoffice.add_contact(name="Acme AG")
    auth = ApiKeyAuth(fake_lexoffice.add_api_key(), api_origins=[fake_lexoffice.api_base])
    async with LexofficeClient(
        auth, base_url=fake_lexoffice.api_base, http_client=fake_lexoffice.client()
    ) as lx:
        for _ in range(4):
            assert (await lx.contacts.get(cid)).company.name == "Acme AG"


async def test_raw_httpx_burst_meets_the_limit(fake_lexoffice):
    key = fake_lexoffice.add_api_key()
    async with fake_lexoffice.client(headers={{"Authorization": f"Bearer {{key}}"}}) as http:
        codes = [(await http.get(f"{{fake_lexoffice.api_base}}/v1/ping")).status_code
                 for _ in range(6)]
    assert 429 in codes


@pytest.mark.lexoffice_sandbox(rate_limit=None)
async def test_raw_httpx_with_the_limit_off(fake_lexoffice):
    key = fake_lexoffice.add_api_key()
    async with fake_lexoffice.client(headers={{"Authorization": f"Bearer {{key}}"}}) as http:
        codes = {{(await http.get(f"{{fake_lexoffice.api_base}}/v1/ping")).status_code
                 for _ in range(20)}}
    assert codes == {{200}}


async def test_logged_in_oauth(fake_lexoffice, lexoffice_auth_logged_in):
    async with LexofficeClient(
        lexoffice_auth_logged_in,
        base_url=fake_lexoffice.api_base,
        http_client=fake_lexoffice.client(),
    ) as lx:
        assert (await lx.request("GET", "/v1/profile")).status_code == 200
"""

ANYIO_MARKS = """
pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request):
    return request.param
"""


@pytest.mark.parametrize(
    ("mode", "marks", "passed"),
    [
        ("strict", "pytestmark = pytest.mark.asyncio", 4),
        ("auto", "", 4),
        ("strict", ANYIO_MARKS, 8),
    ],
    ids=["pytest-asyncio-strict", "pytest-asyncio-auto", "anyio-plugin"],
)
def test_fixtures_work_in_a_users_suite(
    pytester: pytest.Pytester, mode: str, marks: str, passed: int
) -> None:
    pytester.makepyfile(test_user=BODY.format(marks=marks))
    result = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        *UNUSED_PLUGINS,
        "-o",
        f"asyncio_mode={mode}",
        "-o",
        "asyncio_default_fixture_loop_scope=function",
        "-W",
        "error::DeprecationWarning",
    )
    result.assert_outcomes(passed=passed)
