"""A conformance suite for ``TokenStore`` implementations: subclass it in your own tests.

Example:
    >>> import pytest
    >>> from lexoffice_auth.stores import MemoryTokenStore
    >>> from lexoffice_auth.testing import TokenStoreContract
    >>> class TestMyStore(TokenStoreContract):
    ...     backends = ("asyncio", "trio")
    ...
    ...     @pytest.fixture
    ...     def store(self):
    ...         return MemoryTokenStore()
"""

from __future__ import annotations

from typing import Any, ClassVar

import anyio
import anyio.lowlevel
import pytest

from lexoffice_auth import TokenSet
from lexoffice_auth.errors import ConfigurationError, TokenSetSuperseded
from lexoffice_auth.stores import TokenStore

from ._contract_runner import ContractRunner, Runner

__all__ = ["TokenStoreContract"]


def full_token_set(n: int = 1) -> TokenSet:
    """A token set with every field set (secrets differ by ``n``)."""
    return TokenSet.from_dict(
        {
            "access_token": f"contract-at-{n}-aXb",
            "token_type": "Bearer",
            "expires_at": 1_900_000_000.25 + n,
            "issued_at": 1_899_996_400.5 + n,
            "refresh_token": f"contract-rt-{n}-qQz",
            "scopes": ["openid", "contacts.read", f"scope-{n}"],
            "id_token": f"contract-idt-{n}.eyJ.sig",
            "id_claims": {
                "iss": "https://id.example",
                "sub": f"user-{n}",
                "aud": ["client-1", "other-audience"],
                "exp": 1_900_000_000 + n,
                "iat": 1_899_996_400 + n,
                "nonce": "n-0S6",
                "email": "zoe@example.com",
                "custom_claim": {"kept": [1, "two", None, True]},
            },
            "extra": {"tenant": "Zoë & Co", "n": n, "ratio": 1.5, "nested": {"a": [1, None]}},
            "generation": n,
        }
    )


def _secrets_of(token_set: TokenSet) -> list[str]:
    values = [token_set.access_token, token_set.refresh_token, token_set.id_token]
    return [v.get_secret_value() for v in values if v is not None]


class TokenStoreContract(ContractRunner):
    """The ``TokenStore`` protocol's contract as pytest tests; subclass it to check a store.

    Provide a ``store`` fixture (a fresh, empty store for each test) and, if your store is
    shared (a file, a database, a server), an ``other_store`` fixture: a second handle on the
    *same* backing storage, built independently (its own connection or file handle), so that
    the contract also checks that values and locks are seen across instances. Without it the
    cross-instance tests are skipped. Both fixtures should be plain (synchronous) fixtures
    that only construct the store: the contract opens it and, at the end of each test, closes
    it (``close_store``: ``aclose()`` when the store has one) on the test's own event loop.

    Class attributes to adjust: ``backends`` (the anyio backends every test runs on;
    ``("asyncio", "trio")`` if your store runs under trio), ``timeout`` (seconds one test
    may take before it fails instead of hanging), ``hold`` (how long a lock holder keeps the
    lock while another task tries to take it; raise it for a store whose waiters poll
    slowly), ``account_keys`` (keys that must not collide).

    Why the tests are synchronous: each one runs its async body with ``anyio.run`` in a
    worker thread, on a fresh event loop of each backend in ``backends``. So the suite runs
    the same under pytest-asyncio (strict or auto mode), under anyio's pytest plugin, or with
    no async plugin at all, without marks or loop-scope settings that differ between them; it
    can check a store on trio as well as asyncio; and the thread keeps it independent of any
    event loop already running in pytest's thread. The price is that the store must not be
    bound to another event loop before the test starts, hence the plain fixtures.

    Lock checks are made by ordering, not timing: a second holder must enter only after the
    first has left, whatever the speed of the machine.

    ``TokenSet.generation`` is a field like any other: every store must return it as saved.
    The compare-and-set checks (a save never replaces a stored generation ``>=`` its own)
    run only for a store that declares ``compare_and_set = True``, and are skipped with
    the reason otherwise: the guarantee is optional in the ``TokenStore`` protocol, so a
    store written before it keeps passing, and the skip tells its author what it lacks.
    """

    hold: ClassVar[float] = 0.1
    account_keys: ClassVar[tuple[str, ...]] = (
        "acme",
        "acme-2",
        "ACME",
        "a:b",
        "a%3Ab",
        "a/b",
        "*",
        "ü x",
        "k" * 200,
    )

    # --- fixtures and plumbing --------------------------------------------------------------

    @pytest.fixture
    def other_store(self) -> Any:
        """A second handle on the store's backing storage; ``None``: there is none."""
        return None

    @pytest.fixture
    def contract_handles(self, store: Any, other_store: Any) -> tuple[Any, Any]:
        """The store and its second handle, for ``contract_run``."""
        return store, other_store

    async def close_store(self, store: Any) -> None:
        """Close a store at the end of a test, on the test's event loop."""
        await super().close_handle(store)

    async def close_handle(self, handle: Any) -> None:
        """Closing goes through ``close_store``, which subclasses may override."""
        await self.close_store(handle)

    def _other(self, other: Any) -> Any:
        if other is None:
            pytest.skip("no other_store fixture: nothing to check across instances")
        return other

    # --- load, save, delete -------------------------------------------------------------------

    def test_is_a_token_store(self, contract_run: Runner) -> None:
        async def body(store: Any, other: Any) -> None:
            for handle in (store, other):
                if handle is not None:
                    assert isinstance(handle, TokenStore), f"{type(handle)} lacks a method"

        contract_run(body)

    def test_load_of_a_missing_key_is_none(self, contract_run: Runner) -> None:
        async def body(store: Any, other: Any) -> None:
            for key in self.account_keys:
                found = await store.load(key)
                assert found is None, f"load({key!r}) of an empty store returned {found!r}"

        contract_run(body)

    def test_save_then_load_returns_every_field(self, contract_run: Runner) -> None:
        full = full_token_set()
        minimal = TokenSet.from_dict({"access_token": "contract-only-at"})

        async def body(store: Any, other: Any) -> None:
            await store.save("full", full)
            await store.save("minimal", minimal)
            loaded = await store.load("full")
            assert loaded == full, "the loaded token set differs from the saved one"
            assert isinstance(loaded, TokenSet)
            assert loaded.to_dict() == full.to_dict(), "a field was lost or changed"
            assert await store.load("minimal") == minimal, "unset fields must stay unset"

        contract_run(body)

    def test_save_replaces(self, contract_run: Runner) -> None:
        async def body(store: Any, other: Any) -> None:
            await store.save("acme", full_token_set(1))
            await store.save("acme", full_token_set(2))
            assert await store.load("acme") == full_token_set(2), "save did not replace"

        contract_run(body)

    def test_delete_forgets_and_a_missing_key_is_fine(self, contract_run: Runner) -> None:
        async def body(store: Any, other: Any) -> None:
            await store.delete("never-saved")
            await store.save("acme", full_token_set())
            await store.delete("acme")
            assert await store.load("acme") is None, "delete did not forget the token set"
            await store.delete("acme")  # deleting again is no error
            await store.save("acme", full_token_set(3))  # and the key can be used again
            assert await store.load("acme") == full_token_set(3)

        contract_run(body)

    def test_keys_are_independent(self, contract_run: Runner) -> None:
        keys = self.account_keys

        async def body(store: Any, other: Any) -> None:
            for n, key in enumerate(keys):
                await store.save(key, full_token_set(n))
            for n, key in enumerate(keys):
                assert await store.load(key) == full_token_set(n), f"key {key!r} collided"
            await store.delete(keys[0])
            await store.save(keys[1], full_token_set(99))
            assert await store.load(keys[0]) is None
            assert await store.load(keys[1]) == full_token_set(99)
            for n, key in enumerate(keys[2:], start=2):
                assert await store.load(key) == full_token_set(n), f"key {key!r} changed"

        contract_run(body)

    def test_values_are_seen_by_a_second_instance(
        self, contract_run: Runner, other_store: Any
    ) -> None:
        self._other(other_store)

        async def body(store: Any, other: Any) -> None:
            await store.save("acme", full_token_set(1))
            assert await other.load("acme") == full_token_set(1), "not seen by other_store"
            await other.save("acme", full_token_set(2))
            assert await store.load("acme") == full_token_set(2), "replace not seen by store"
            await other.delete("acme")
            assert await store.load("acme") is None, "delete not seen by store"

        contract_run(body)

    # --- locks --------------------------------------------------------------------------------

    def _lock_exclusive(self, contract_run: Runner, *, across: bool) -> None:
        async def body(store: Any, other: Any) -> None:
            second = other if across else store
            events: list[str] = []
            first_in = anyio.Event()
            second_trying = anyio.Event()

            async def first_holder() -> None:
                async with store.lock("acme"):
                    events.append("first in")
                    first_in.set()
                    await second_trying.wait()
                    await anyio.sleep(self.hold)  # the second holder's chance to get in
                    events.append("first out")

            async def second_holder() -> None:
                await first_in.wait()
                events.append("second trying")
                second_trying.set()
                async with second.lock("acme"):
                    events.append("second in")

            async with anyio.create_task_group() as tg:
                tg.start_soon(first_holder)
                tg.start_soon(second_holder)
            expected = ["first in", "second trying", "first out", "second in"]
            assert events == expected, f"lock('acme') was held twice: {events}"

            inside = peak = entries = 0

            async def critical(handle: Any) -> None:
                nonlocal inside, peak, entries
                async with handle.lock("acme"):
                    inside += 1
                    entries += 1
                    peak = max(peak, inside)
                    await anyio.lowlevel.checkpoint()  # others run; none may enter
                    await anyio.lowlevel.checkpoint()
                    inside -= 1

            async with anyio.create_task_group() as tg:
                for i in range(6):
                    tg.start_soon(critical, (store, second)[i % 2])
            assert (entries, peak) == (6, 1), f"{peak} tasks held lock('acme') at once"

        contract_run(body)

    def test_lock_is_exclusive(self, contract_run: Runner) -> None:
        self._lock_exclusive(contract_run, across=False)

    def test_lock_is_exclusive_across_instances(
        self, contract_run: Runner, other_store: Any
    ) -> None:
        self._other(other_store)
        self._lock_exclusive(contract_run, across=True)

    def test_lock_is_released_on_error(self, contract_run: Runner) -> None:
        class Boom(Exception):
            pass

        async def body(store: Any, other: Any) -> None:
            with pytest.raises(Boom):
                async with store.lock("acme"):
                    raise Boom
            for handle in (store, other):
                if handle is not None:
                    async with handle.lock("acme"):
                        pass

        contract_run(body)

    def test_lock_is_released_on_cancellation(self, contract_run: Runner) -> None:
        async def body(store: Any, other: Any) -> None:
            second = other if other is not None else store
            events: list[str] = []
            holding = anyio.Event()

            async def hold_forever() -> None:
                async with store.lock("acme"):
                    holding.set()
                    await anyio.sleep_forever()

            async def wait_for_lock(name: str, ready: anyio.Event) -> None:
                ready.set()
                async with second.lock("acme"):
                    events.append(f"{name} in")

            async with anyio.create_task_group() as tg:
                tg.start_soon(hold_forever)
                await holding.wait()
                waiting = anyio.Event()
                tg.start_soon(wait_for_lock, "cancelled waiter", waiting)
                await waiting.wait()
                await anyio.sleep(self.hold)  # the waiter is inside lock() now, waiting
                tg.cancel_scope.cancel()  # cancels the holder and the waiter
            assert events == [], f"the lock was taken while held: {events}"
            # Neither the cancelled holder nor the cancelled waiter left the lock held.
            await wait_for_lock("after", anyio.Event())
            async with store.lock("acme"):
                events.append("store in")
            assert events == ["after in", "store in"]

        contract_run(body)

    def test_locks_of_different_keys_do_not_block_each_other(self, contract_run: Runner) -> None:
        async def body(store: Any, other: Any) -> None:
            second = other if other is not None else store
            async with store.lock("acme"):
                with anyio.move_on_after(self.timeout / 3) as scope:
                    async with second.lock("acme-2"), store.lock("a:b"):
                        pass
                assert not scope.cancelled_caught, "lock('acme-2') waited for lock('acme')"

        contract_run(body)

    # --- bad input and secrets -------------------------------------------------------------

    def test_bad_arguments_raise_configuration_error(self, contract_run: Runner) -> None:
        bad_keys: list[Any] = [42, None, b"acme", ["acme"], ""]
        bad_sets: list[Any] = [None, {"access_token": "contract-at"}, "contract-at", 42]
        errors = ConfigurationError

        async def body(store: Any, other: Any) -> None:
            good = full_token_set()
            for key in bad_keys:
                with pytest.raises(errors):
                    await store.load(key)
                with pytest.raises(errors):
                    await store.save(key, good)
                with pytest.raises(errors):
                    await store.delete(key)
                with pytest.raises(errors):
                    async with store.lock(key):
                        pass
            for token_set in bad_sets:
                with pytest.raises(errors):
                    await store.save("acme", token_set)
            assert await store.load("acme") is None, "a refused save wrote something"
            async with store.lock("acme"):  # no refused call left a lock behind
                pass

        contract_run(body)

    def test_secrets_never_appear_in_repr(self, contract_run: Runner) -> None:
        tokens = full_token_set()

        async def body(store: Any, other: Any) -> None:
            await store.save("acme", tokens)
            await store.load("acme")
            for handle in (store, other):
                if handle is None:
                    continue
                for text in (repr(handle), str(handle)):
                    for secret in _secrets_of(tokens):
                        assert secret not in text, "a token appears in the store's repr"

        contract_run(body)

    # --- saves that cannot go back in time -------------------------------------------------

    def _needs_compare_and_set(self, store: Any) -> None:
        if getattr(store, "compare_and_set", False) is not True:
            pytest.skip(
                f"{type(store).__name__} does not declare compare_and_set = True: its saves "
                "do not compare generations, so a refresh-lock holder that outlived its "
                "lock can overwrite a newer token set (see TokenStore)"
            )

    def test_generation_is_returned_as_saved(self, contract_run: Runner) -> None:
        async def body(store: Any, other: Any) -> None:
            await store.save("acme", full_token_set(7))
            loaded = await store.load("acme")
            assert loaded is not None, "the saved token set was not found"
            assert loaded.generation == 7, "generation was not kept"
            await store.save("zero", TokenSet.from_dict({"access_token": "contract-at-0"}))
            zero = await store.load("zero")
            assert zero is not None
            assert zero.generation == 0

        contract_run(body)

    def test_a_save_never_goes_back_in_time(self, contract_run: Runner, store: Any) -> None:
        self._needs_compare_and_set(store)

        async def body(store: Any, other: Any) -> None:
            later = other if other is not None else store
            await store.save("acme", full_token_set(5))
            for stale in (4, 5):  # older, and the same generation with other tokens
                refused = full_token_set(stale).model_copy(
                    update={"access_token": full_token_set(50 + stale).access_token}
                )
                with pytest.raises(TokenSetSuperseded) as info:
                    await later.save("acme", refused)
                assert (info.value.stored_generation, info.value.generation) == (5, stale)
                assert await store.load("acme") == full_token_set(5), "a stale save wrote"
            await later.save("acme", full_token_set(6))
            assert await store.load("acme") == full_token_set(6)
            # Generation 0 is unversioned: saved unconditionally, as before generations.
            unversioned = full_token_set(1).model_copy(update={"generation": 0})
            await store.save("acme", unversioned)
            assert await later.load("acme") == unversioned
            await store.delete("acme")
            await later.save("acme", full_token_set(1))  # nothing stored: any generation
            assert await store.load("acme") == full_token_set(1)
            assert await store.load("acme-2") is None, "another key was touched"

        contract_run(body)

    def test_of_concurrent_saves_of_one_generation_exactly_one_wins(
        self, contract_run: Runner, store: Any
    ) -> None:
        self._needs_compare_and_set(store)

        async def body(store: Any, other: Any) -> None:
            handles = [h for h in (store, other) if h is not None]
            await store.save("acme", full_token_set(1))
            won: list[int] = []
            lost: list[int] = []

            async def save(i: int) -> None:
                candidate = full_token_set(100 + i).model_copy(update={"generation": 2})
                try:
                    await handles[i % len(handles)].save("acme", candidate)
                except TokenSetSuperseded:
                    lost.append(i)
                else:
                    won.append(i)

            async with anyio.create_task_group() as tg:
                for i in range(8):
                    tg.start_soon(save, i)
            assert len(won) == 1, f"{len(won)} saves of generation 2 succeeded, not one"
            assert len(lost) == 7
            winner = full_token_set(100 + won[0]).model_copy(update={"generation": 2})
            assert await store.load("acme") == winner, "the stored set is not the winner's"

        contract_run(body)
