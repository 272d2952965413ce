"""The pytest plugin in a user's suite: pytest-asyncio (strict and auto mode) and anyio.

The user test files below are the ones docs/testing.md shows. Each suite runs in its own
pytest process (``pytester``), with the plugin loaded through its ``pytest11`` entry point.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from ..support.lean_pytest import UNUSED_PLUGINS

pytest_plugins = ["pytester"]

# docs/testing.md, "The pytest fixtures" (the marker line differs by runner).
_PROFILE_TEST = """
import httpx
import pytest

{marker}
async def test_profile(fake_lexoffice, lexoffice_auth_logged_in):
    async with httpx.AsyncClient(
        auth=lexoffice_auth_logged_in, transport=fake_lexoffice.transport()
    ) as http:
        r = await http.get(f"{{fake_lexoffice.api_base}}/v1/profile")
    assert r.json()["companyName"] == "Sandbox GmbH"
    assert fake_lexoffice.token_calls == {{"authorization_code": 1}}
"""

# docs/testing.md, "The rate limit, per test".
_RATE_LIMIT_TEST = """
import httpx
import pytest


def ping_three_times(fake):
    key = fake.add_api_key()
    with httpx.Client(transport=fake.transport()) as http:
        return [
            http.get(f"{fake.api_base}/v1/ping", headers={"Authorization": f"Bearer {key}"})
            .status_code
            for _ in range(3)
        ]


def test_lexoffice_limit_by_default(fake_lexoffice):
    assert ping_three_times(fake_lexoffice) == [200, 200, 429]


@pytest.mark.lexoffice_sandbox(rate_limit=None)
def test_no_limit_for_this_test(fake_lexoffice):
    assert ping_three_times(fake_lexoffice) == [200, 200, 200]


@pytest.mark.lexoffice_sandbox(rate_limit=None)
class TestBursts:
    @pytest.mark.lexoffice_sandbox(rate_limit=1, rate_limit_capacity=1)
    def test_closest_marker_wins(self, fake_lexoffice):
        assert ping_three_times(fake_lexoffice) == [200, 429, 429]

    def test_class_marker(self, fake_lexoffice):
        assert fake_lexoffice.rate_limit is None
"""

_CONFTEST_OVERRIDE = """
import pytest


@pytest.fixture
def lexoffice_sandbox_options():
    return {"rate_limit": None, "company_name": "Muster GmbH"}
"""


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("--strict-markers", "-W", "error", *UNUSED_PLUGINS, *args)


@pytest.mark.parametrize(
    ("ini", "marker", "args"),
    [
        pytest.param(
            "asyncio_mode = strict", "@pytest.mark.asyncio", ["-p", "no:anyio"], id="asyncio-strict"
        ),
        pytest.param("asyncio_mode = auto", "", ["-p", "no:anyio"], id="asyncio-auto"),
        pytest.param("", "@pytest.mark.anyio", ["-p", "no:asyncio"], id="anyio"),
    ],
)
def test_fixtures_in_a_users_async_suite(
    pytester: pytest.Pytester, ini: str, marker: str, args: list[str]
) -> None:
    if ini:
        ini += "\nasyncio_default_fixture_loop_scope = function"
    pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile(test_profile=_PROFILE_TEST.format(marker=marker))
    result = _run(pytester, *args)
    outcomes = result.parseoutcomes()
    # anyio's own anyio_backend fixture may run the test on more than one backend.
    assert result.ret == 0, result.stdout.str()
    assert outcomes.get("passed", 0) >= 1
    assert set(outcomes) <= {"passed", "seconds"}


def test_fixtures_under_anyio_on_trio(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture(params=["asyncio", "trio"])
        def anyio_backend(request):
            return request.param
        """
    )
    pytester.makepyfile(test_profile=_PROFILE_TEST.format(marker="@pytest.mark.anyio"))
    result = _run(pytester, "-p", "no:asyncio")
    result.assert_outcomes(passed=2)


def test_rate_limit_is_a_per_test_choice(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_limits=_RATE_LIMIT_TEST)
    result = _run(pytester, "-p", "no:asyncio")
    result.assert_outcomes(passed=4)


def test_options_fixture_sets_defaults_for_a_directory(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(_CONFTEST_OVERRIDE)
    pytester.makepyfile(
        test_defaults="""
        import pytest

        def test_defaults(fake_lexoffice):
            assert fake_lexoffice.rate_limit is None
            assert fake_lexoffice.company_name == "Muster GmbH"

        @pytest.mark.lexoffice_sandbox(rate_limit=5)
        def test_marker_wins(fake_lexoffice):
            assert fake_lexoffice.rate_limit == 5
            assert fake_lexoffice.company_name == "Muster GmbH"
        """
    )
    result = _run(pytester, "-p", "no:asyncio")
    result.assert_outcomes(passed=2)


def test_marker_with_positional_arguments_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.lexoffice_sandbox(None)
        def test_wrong(fake_lexoffice):
            pass
        """
    )
    result = _run(pytester, "-p", "no:asyncio")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*lexoffice_sandbox takes keyword arguments only*"])


def test_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--markers", *UNUSED_PLUGINS)
    result.stdout.fnmatch_lines(["@pytest.mark.lexoffice_sandbox(**options):*"])


def _modules_after(code: str) -> set[str]:
    program = textwrap.dedent(
        f"""
        import sys
        import pytest
        before = set(sys.modules)
        {code}
        print("\\n".join(sorted(set(sys.modules) - before)))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return set(out.split())


def test_loading_the_plugin_adds_only_itself_to_the_package() -> None:
    package = _modules_after("import lexoffice_auth")
    plugin = _modules_after("import lexoffice_auth.testing._pytest_plugin")
    assert plugin - package == {"lexoffice_auth.testing", "lexoffice_auth.testing._pytest_plugin"}


def test_loading_the_plugin_imports_nothing_of_the_sdk() -> None:
    package = _modules_after("import lexoffice_auth")
    if any(name.startswith("lexoffice_auth._") for name in package):
        pytest.skip("lexoffice_auth/__init__.py still imports its modules eagerly")
    plugin = _modules_after("import lexoffice_auth.testing._pytest_plugin")
    heavy = {"jwt", "cryptography", "pydantic", "httpx", "respx", "uvicorn", "anyio"}
    loaded = {name for name in plugin if name.partition(".")[0] in heavy}
    sdk = {name for name in plugin if name.startswith("lexoffice_auth.")}
    assert loaded == set()
    assert sdk <= {"lexoffice_auth.testing", "lexoffice_auth.testing._pytest_plugin"}
