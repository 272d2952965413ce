"""A conformance suite for ``ConnectionIndex`` implementations: subclass it in your tests.

Example:
    >>> import pytest
    >>> from lexoffice_auth.stores import MemoryConnectionIndex
    >>> from lexoffice_auth.testing import ConnectionIndexContract
    >>> class TestMyIndex(ConnectionIndexContract):
    ...     backends = ("asyncio", "trio")
    ...
    ...     @pytest.fixture
    ...     def index(self):
    ...         return MemoryConnectionIndex()
"""

from __future__ import annotations

from typing import Any, ClassVar

import anyio
import pytest

from lexoffice_auth.errors import ConfigurationError
from lexoffice_auth.stores import ConnectionIndex

from ._contract_runner import ContractRunner, Runner

__all__ = ["ConnectionIndexContract"]


class ConnectionIndexContract(ContractRunner):
    """The ``ConnectionIndex`` protocol's contract as pytest tests; subclass it to check one.

    Provide an ``index`` fixture (a fresh, empty index for each test) and, for an index
    on shared storage, an ``other_index`` fixture: a second handle on the same storage,
    built independently, so that entries are also checked across instances. Plain
    (synchronous) fixtures, as for ``TokenStoreContract``: each test runs its body on a
    fresh event loop of each backend in ``backends`` and closes the handles there.
    """

    connection_ids: ClassVar[tuple[str, ...]] = (
        "c-1",
        "C-1",
        "8b1f6b2e-64c8-4a5c-9d3c-5b0f4b8c2a11",
        "a:b",
        "a%3Ab",
        "*",
        "ü x",
        "c" * 200,
    )

    @pytest.fixture
    def other_index(self) -> Any:
        """A second handle on the index's storage; ``None``: there is none."""
        return None

    @pytest.fixture
    def contract_handles(self, index: Any, other_index: Any) -> tuple[Any, Any]:
        """The index and its second handle, for ``contract_run``."""
        return index, other_index

    def test_is_a_connection_index(self, contract_run: Runner) -> None:
        async def body(index: Any, other: Any) -> None:
            for handle in (index, other):
                if handle is not None:
                    assert isinstance(handle, ConnectionIndex), f"{type(handle)} lacks a method"

        contract_run(body)

    def test_record_then_look_up(self, contract_run: Runner) -> None:
        async def body(index: Any, other: Any) -> None:
            assert await index.account_for("c-1") is None, "an empty index found an account"
            await index.record("c-1", "acme")
            assert await index.account_for("c-1") == "acme"
            assert await index.account_for("c-2") is None

        contract_run(body)

    def test_a_new_record_replaces_the_old(self, contract_run: Runner) -> None:
        async def body(index: Any, other: Any) -> None:
            await index.record("c-1", "acme")
            await index.record("c-1", "globex")
            assert await index.account_for("c-1") == "globex"

        contract_run(body)

    def test_forget_and_forgetting_a_missing_id_is_fine(self, contract_run: Runner) -> None:
        async def body(index: Any, other: Any) -> None:
            await index.forget("never-recorded")
            await index.record("c-1", "acme")
            await index.forget("c-1")
            assert await index.account_for("c-1") is None
            await index.record("c-1", "acme")  # and the id can be used again
            assert await index.account_for("c-1") == "acme"

        contract_run(body)

    def test_ids_are_independent(self, contract_run: Runner) -> None:
        async def body(index: Any, other: Any) -> None:
            ids = self.connection_ids
            for n, connection_id in enumerate(ids):
                await index.record(connection_id, f"account-{n}")
            for n, connection_id in enumerate(ids):
                found = await index.account_for(connection_id)
                assert found == f"account-{n}", f"id {connection_id!r} collided"
            await index.forget(ids[0])
            assert await index.account_for(ids[1]) == "account-1"

        contract_run(body)

    def test_concurrent_records_are_all_kept(self, contract_run: Runner) -> None:
        async def body(index: Any, other: Any) -> None:
            handles = [h for h in (index, other) if h is not None]
            async with anyio.create_task_group() as tg:
                for n in range(20):
                    tg.start_soon(handles[n % len(handles)].record, f"c-{n}", f"a-{n}")
            for n in range(20):
                assert await index.account_for(f"c-{n}") == f"a-{n}", "a record was lost"

        contract_run(body)

    def test_entries_are_seen_across_instances(
        self, contract_run: Runner, other_index: Any
    ) -> None:
        self._other(other_index)

        async def body(index: Any, other: Any) -> None:
            await index.record("c-1", "acme")
            assert await other.account_for("c-1") == "acme", "not seen by other_index"
            await other.forget("c-1")
            assert await index.account_for("c-1") is None, "forget not seen by index"

        contract_run(body)

    def test_bad_arguments_raise_configuration_error(self, contract_run: Runner) -> None:
        async def body(index: Any, other: Any) -> None:
            for bad in ("", "   ", None, 42):
                with pytest.raises(ConfigurationError):
                    await index.record(bad, "acme")
                with pytest.raises(ConfigurationError):
                    await index.account_for(bad)
                with pytest.raises(ConfigurationError):
                    await index.forget(bad)
            for bad in ("", None, 42):  # account keys: any non-empty string
                with pytest.raises(ConfigurationError):
                    await index.record("c-1", bad)

        contract_run(body)
