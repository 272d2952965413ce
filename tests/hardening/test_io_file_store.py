"""Issue 11 #4 and #5: FileTokenStore refuses special files, foreign files and symlinks.

The token file, the per-account lock files and the write lock file must be regular files
owned by this user and writable by nobody else, and never symlinks, unless the store is
created with ``trust_shared_files=True``. A FIFO (or any other special file) is refused
at once, without a blocking open or read, whatever the option.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from pydantic import SecretStr

from lexoffice_auth import TokenSet
from lexoffice_auth.errors import ConfigurationError, TokenStoreError
from lexoffice_auth.stores import FileTokenStore

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX file semantics")

OTHER_UID = 65534  # "nobody"
as_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown a file"
)


def tokens(n: int = 1) -> TokenSet:
    return TokenSet(
        access_token=SecretStr(f"at-{n}"),
        refresh_token=SecretStr(f"rt-{n}"),
        expires_at=2.0e9,
        issued_at=2.0e9 - 3600,
    )


def account_lock(path: Path, account_key: str) -> Path:
    digest = hashlib.sha256(account_key.encode()).hexdigest()[:16]
    return path.with_name(f"{path.name}.{digest}.lock")


def write_lock(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


async def stored_file(directory: Path, name: str = "real.json") -> Path:
    """A valid token store file of this user, holding tokens(1) for 'acme'."""
    path = directory / name
    await FileTokenStore(path).save("acme", tokens(1))
    return path


async def use_lock(store: FileTokenStore, which: str) -> None:
    """Take the account lock, or the write lock (through a save)."""
    if which == "account lock":
        async with store.lock("acme"):
            pass
    else:
        await store.save("acme", tokens(2))


@pytest.fixture
def unblock() -> Iterator[list[Path]]:
    """FIFOs listed here get a writer after 3 s, so a store that blocks on one ends."""
    fifos: list[Path] = []
    stop = threading.Event()

    def release() -> None:
        if stop.wait(3):
            return
        for fifo in fifos:
            for _ in range(2):  # one for the reader that may be waiting, one spare
                try:
                    fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                except OSError:
                    continue
                os.close(fd)

    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    yield fifos
    stop.set()
    thread.join()


# --- #4: special files -------------------------------------------------------------------


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
@pytest.mark.parametrize("trust", [False, True])
async def test_a_fifo_at_the_token_path_is_refused_at_once(
    tmp_path: Path, unblock: list[Path], trust: bool
) -> None:
    path = tmp_path / "tokens.json"
    os.mkfifo(path, 0o600)
    unblock.append(path)
    store = FileTokenStore(path, trust_shared_files=trust)
    for operation in (
        lambda: store.load("acme"),
        lambda: store.save("acme", tokens()),
        lambda: store.delete("acme"),
    ):
        started = time.monotonic()
        with anyio.fail_after(10), pytest.raises(TokenStoreError, match="not a regular file"):
            await operation()
        assert time.monotonic() - started < 1.5
    assert stat.S_ISFIFO(os.lstat(path).st_mode)  # left as it was


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_a_fifo_at_the_token_path_cannot_hold_a_cancel_scope(
    tmp_path: Path, unblock: list[Path]
) -> None:
    path = tmp_path / "tokens.json"
    os.mkfifo(path, 0o600)
    unblock.append(path)
    store = FileTokenStore(path)
    started = time.monotonic()
    with anyio.move_on_after(0.5), contextlib.suppress(TokenStoreError):
        await store.load("acme")
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("which", ["account lock", "write lock"])
async def test_a_fifo_at_a_lock_path_is_refused(
    tmp_path: Path, unblock: list[Path], which: str
) -> None:
    path = await stored_file(tmp_path, "tokens.json")
    lock = account_lock(path, "acme") if which == "account lock" else write_lock(path)
    lock.unlink(missing_ok=True)
    os.mkfifo(lock, 0o600)
    unblock.append(lock)
    store = FileTokenStore(path, lock_timeout=1)
    with anyio.fail_after(10), pytest.raises(TokenStoreError, match="not a regular file"):
        await use_lock(store, which)
    assert await store.load("acme") == tokens(1)


async def test_a_device_at_the_token_path_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    os.symlink("/dev/zero", path)
    store = FileTokenStore(path, trust_shared_files=True)  # follows the link, still refuses
    with anyio.fail_after(10), pytest.raises(TokenStoreError, match="not a regular file"):
        await store.load("acme")


# --- #5: foreign files and symlinks ----------------------------------------------------------


@as_root
async def test_a_token_file_owned_by_another_user_is_refused(tmp_path: Path) -> None:
    path = await stored_file(tmp_path, "tokens.json")
    path.chmod(0o644)
    os.chown(path, OTHER_UID, OTHER_UID)
    store = FileTokenStore(path)
    with pytest.raises(TokenStoreError, match="owned by another user") as caught:
        await store.load("acme")
    assert "trust_shared_files" in str(caught.value)
    with pytest.raises(TokenStoreError, match="owned by another user"):
        await store.save("acme", tokens(2))
    assert os.stat(path).st_uid == OTHER_UID  # never replaced
    assert await FileTokenStore(path, trust_shared_files=True).load("acme") == tokens(1)


@pytest.mark.parametrize("mode", [0o620, 0o602, 0o666])
async def test_a_token_file_others_can_write_is_refused(tmp_path: Path, mode: int) -> None:
    path = await stored_file(tmp_path, "tokens.json")
    path.chmod(mode)
    with pytest.raises(TokenStoreError, match="writable by other users"):
        await FileTokenStore(path).load("acme")
    with pytest.raises(TokenStoreError, match="writable by other users"):
        await FileTokenStore(path).save("acme", tokens(2))
    assert stat.S_IMODE(path.stat().st_mode) == mode
    trusting = FileTokenStore(path, trust_shared_files=True)
    assert await trusting.load("acme") == tokens(1)
    await trusting.save("acme", tokens(2))  # the replacement is private again
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_a_symlink_at_the_token_path_is_refused(tmp_path: Path) -> None:
    real = await stored_file(tmp_path)
    path = tmp_path / "tokens.json"
    path.symlink_to(real)
    with pytest.raises(TokenStoreError, match="symbolic link"):
        await FileTokenStore(path).load("acme")
    with pytest.raises(TokenStoreError, match="symbolic link"):
        await FileTokenStore(path).save("acme", tokens(2))
    assert path.is_symlink()
    assert await FileTokenStore(path, trust_shared_files=True).load("acme") == tokens(1)


async def test_a_dangling_symlink_at_the_token_path_is_not_an_empty_store(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.symlink_to(tmp_path / "nowhere.json")
    with pytest.raises(TokenStoreError, match="symbolic link"):
        await FileTokenStore(path).load("acme")
    with pytest.raises(TokenStoreError, match="symbolic link"):
        await FileTokenStore(path).save("acme", tokens())
    assert not (tmp_path / "nowhere.json").exists()


@pytest.mark.parametrize("which", ["account lock", "write lock"])
async def test_a_symlink_planted_at_a_lock_path_is_a_store_error_and_harms_nothing(
    tmp_path: Path, which: str
) -> None:
    path = await stored_file(tmp_path, "tokens.json")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    lock = account_lock(path, "acme") if which == "account lock" else write_lock(path)
    lock.unlink(missing_ok=True)
    lock.symlink_to(victim)
    store = FileTokenStore(path, lock_timeout=1)
    with pytest.raises(TokenStoreError, match="symbolic link"):
        await use_lock(store, which)
    assert victim.read_text() == "precious"  # not truncated through the link
    assert await store.load("acme") == tokens(1)


@as_root
@pytest.mark.parametrize("which", ["account lock", "write lock"])
async def test_a_lock_file_owned_by_another_user_is_refused(tmp_path: Path, which: str) -> None:
    path = await stored_file(tmp_path, "tokens.json")
    lock = account_lock(path, "acme") if which == "account lock" else write_lock(path)
    lock.unlink(missing_ok=True)
    lock.touch(0o600)
    os.chown(lock, OTHER_UID, OTHER_UID)
    store = FileTokenStore(path, lock_timeout=1)
    with pytest.raises(TokenStoreError, match="owned by another user"):
        await use_lock(store, which)
    trusting = FileTokenStore(path, lock_timeout=1, trust_shared_files=True)
    async with trusting.lock("acme"):
        await trusting.save("acme", tokens(2))
    assert await trusting.load("acme") == tokens(2)


async def test_locks_still_exclude_each_other_and_are_reusable(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    first, second = FileTokenStore(path), FileTokenStore(path, lock_timeout=0.3)
    async with first.lock("acme"):
        with pytest.raises(TokenStoreError, match="timed out"):
            async with second.lock("acme"):
                pass
    async with second.lock("acme"):
        await second.save("acme", tokens(3))
        # private while it exists; released locks are removed (no *.lock files left behind)
        assert stat.S_IMODE(account_lock(path, "acme").stat().st_mode) == 0o600
    assert not account_lock(path, "acme").exists()
    assert await first.load("acme") == tokens(3)


def test_the_option_must_be_a_bool(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="trust_shared_files"):
        FileTokenStore(tmp_path / "t.json", trust_shared_files="yes")  # type: ignore[arg-type]
    assert "trust" not in repr(FileTokenStore(tmp_path / "t.json"))
