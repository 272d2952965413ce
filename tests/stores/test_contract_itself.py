"""The conformance suite itself: it passes under every async test runner and fails broken stores."""

from __future__ import annotations

import textwrap

import pytest

from lexoffice_auth.testing import TokenStoreContract

from ..support.lean_pytest import UNUSED_PLUGINS

pytest_plugins = ["pytester"]
# Each test runs pytest in a fresh process, under a different async test runner.
pytestmark = pytest.mark.slow

BROKEN_STORES = """
import contextlib
import pytest
from lexoffice_auth.stores import MemoryTokenStore
from lexoffice_auth.testing import TokenStoreContract


class NoLock(MemoryTokenStore):
    @contextlib.asynccontextmanager
    async def lock(self, account_key):
        yield


class KeepsLockOnError(MemoryTokenStore):
    def __init__(self):
        super().__init__()
        self._held = set()

    @contextlib.asynccontextmanager
    async def lock(self, account_key):
        async with super().lock(account_key):
            pass
        if account_key in self._held:
            raise RuntimeError("deadlock")
        self._held.add(account_key)
        yield  # an error leaves the key held
        self._held.discard(account_key)


class LeaksInRepr(MemoryTokenStore):
    def __repr__(self):
        return repr({k: v.to_dict() for k, v in self._tokens.items()})


class ChecksNothing:
    def __init__(self):
        self._tokens = {}
        self._inner = MemoryTokenStore()

    async def load(self, account_key):
        return self._tokens.get(account_key)

    async def save(self, account_key, token_set):
        self._tokens[account_key] = token_set

    async def delete(self, account_key):
        self._tokens.pop(account_key, None)

    def lock(self, account_key):
        return self._inner.lock("x")


class Lossy(MemoryTokenStore):
    async def save(self, account_key, token_set):
        await super().save(account_key, token_set.model_copy(update={"extra": {}}))


class FoldsCase(MemoryTokenStore):
    async def load(self, account_key):
        return await super().load(account_key.lower() or account_key)

    async def save(self, account_key, token_set):
        await super().save(account_key.lower() or account_key, token_set)


class DeleteMissingFails(MemoryTokenStore):
    async def delete(self, account_key):
        del self._tokens[account_key]


class ClaimsCompareAndSetButOverwrites(MemoryTokenStore):
    async def save(self, account_key, token_set):
        self._tokens[account_key] = token_set  # no generation check


class DropsGeneration(MemoryTokenStore):
    compare_and_set = False

    async def save(self, account_key, token_set):
        await super().save(account_key, token_set.model_copy(update={"generation": 0}))


def contract_for(cls):
    class Contract(TokenStoreContract):
        timeout = 1.0

        @pytest.fixture
        def store(self):
            return cls()

    Contract.__name__ = f"Test{cls.__name__}"
    return Contract


TestNoLock = contract_for(NoLock)
TestKeepsLockOnError = contract_for(KeepsLockOnError)
TestLeaksInRepr = contract_for(LeaksInRepr)
TestChecksNothing = contract_for(ChecksNothing)
TestLossy = contract_for(Lossy)
TestFoldsCase = contract_for(FoldsCase)
TestDeleteMissingFails = contract_for(DeleteMissingFails)
TestClaimsCompareAndSetButOverwrites = contract_for(ClaimsCompareAndSetButOverwrites)
TestDropsGeneration = contract_for(DropsGeneration)
"""

GOOD_STORE = """
import pytest
from lexoffice_auth.stores import MemoryTokenStore
from lexoffice_auth.testing import TokenStoreContract


class TestMemory(TokenStoreContract):
    backends = ("asyncio", "trio")
    hold = 0.02  # an in-memory lock needs no time to be taken: keep the waits short

    @pytest.fixture
    def store(self):
        return MemoryTokenStore()
"""

# Per backend; two of them need other_store and are skipped here.
CONTRACT_TESTS = sum(name.startswith("test_") for name in vars(TokenStoreContract))


@pytest.mark.parametrize(
    "options",
    [
        ["-p", "no:anyio", "-o", "asyncio_mode=strict"],
        ["-p", "no:anyio", "-o", "asyncio_mode=auto"],
        ["-p", "no:asyncio", "-o", "anyio_mode=auto"],
        ["-p", "no:asyncio"],
    ],
    ids=["pytest-asyncio-strict", "pytest-asyncio-auto", "anyio-auto", "anyio-strict"],
)
def test_the_contract_runs_under_each_async_test_runner(
    pytester: pytest.Pytester, options: list[str]
) -> None:
    pytester.makepyfile(test_good=GOOD_STORE)
    result = pytester.runpytest_subprocess(
        "-q", "-p", "no:cacheprovider", *UNUSED_PLUGINS, *options
    )
    result.assert_outcomes(passed=2 * (CONTRACT_TESTS - 2), skipped=2 * 2)


def test_the_contract_fails_broken_stores(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_broken=textwrap.dedent(BROKEN_STORES))
    # --tb=no: only the summary's FAILED lines are read; formatting 29 tracebacks was half
    # of this test's time.
    result = pytester.runpytest_subprocess(
        "-q", "-p", "no:cacheprovider", *UNUSED_PLUGINS, "-rfs", "--tb=no"
    )
    failed = {
        line.split("::")[1] + "::" + line.split("::")[2].split("[")[0].split(" ")[0]
        for line in result.outlines
        if line.startswith("FAILED ")
    }
    expected = {
        "TestNoLock::test_lock_is_exclusive",
        "TestKeepsLockOnError::test_lock_is_released_on_error",
        "TestLeaksInRepr::test_secrets_never_appear_in_repr",
        "TestChecksNothing::test_bad_arguments_raise_configuration_error",
        "TestLossy::test_save_then_load_returns_every_field",
        "TestFoldsCase::test_keys_are_independent",
        "TestDeleteMissingFails::test_delete_forgets_and_a_missing_key_is_fine",
        "TestClaimsCompareAndSetButOverwrites::test_a_save_never_goes_back_in_time",
        "TestClaimsCompareAndSetButOverwrites::"
        "test_of_concurrent_saves_of_one_generation_exactly_one_wins",
        "TestDropsGeneration::test_generation_is_returned_as_saved",
    }
    assert expected <= failed, result.stdout.str()[-3000:]
    # A store that does not declare compare_and_set is told why those checks were skipped.
    assert "does not declare compare_and_set = True" in result.stdout.str()
