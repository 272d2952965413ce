"""Cost of ``AuthPool.get`` per request, and memory with 10,000 account keys.

Run: ``python benchmarks/bench_pool.py``. In-process, no I/O: ``get`` never touches the
store. Prints the cost of a hit (the account's auth is cached), of a miss (a new auth is
built: the first request of an account, or one dropped for idleness), and the memory
traced by ``tracemalloc`` for a pool holding 10,000 accounts and for a full pool of 1,000
that has seen 10,000.
"""

from __future__ import annotations

import gc
import time
import tracemalloc

from lexoffice_auth import AuthPool, TokenSet
from lexoffice_auth.stores import MemoryTokenStore

KEYS = [f"tenant-{i}" for i in range(10_000)]


class NoRefresh:
    async def refresh(self, token_set: TokenSet) -> TokenSet:
        raise AssertionError("not called")


def per_get(pool: AuthPool, keys: list[str], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for key in keys:
            pool.get(key)
        best = min(best, (time.perf_counter() - start) / len(keys))
    return best


def main() -> None:
    pool = AuthPool(NoRefresh(), MemoryTokenStore(), max_size=10_000)
    start = time.perf_counter()
    for key in KEYS:
        pool.get(key)
    miss = (time.perf_counter() - start) / len(KEYS)
    hit = per_get(pool, KEYS, rounds=20)
    hot = per_get(pool, KEYS[:1] * 10_000, rounds=20)
    print(f"get, cached (10,000 accounts, round robin): {hit * 1e9:8.0f} ns")
    print(f"get, cached (one hot account):              {hot * 1e9:8.0f} ns")
    print(f"get, new auth built (miss):                 {miss * 1e6:8.1f} us")

    for size in (10_000, 1_000):
        gc.collect()
        tracemalloc.start()
        base, _ = tracemalloc.get_traced_memory()
        bounded = AuthPool(NoRefresh(), MemoryTokenStore(), max_size=size)
        for key in KEYS:
            bounded.get(key)
        gc.collect()
        used, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"memory, max_size={size:>6,} after 10,000 keys: {(used - base) / 2**20:6.2f} MiB "
            f"({len(bounded):,} cached, {(used - base) / len(bounded) / 1024:.1f} KiB each)"
        )
        del bounded


if __name__ == "__main__":
    main()
