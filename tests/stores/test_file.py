"""``stores/_file.py``: the JSON file store (permissions, atomicity, foreign files, locks)."""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest

from lexoffice_auth.errors import ConfigurationError, TokenStoreError
from lexoffice_auth.stores import FileTokenStore

from .helpers import tokens

ROOT = Path(__file__).resolve().parents[2]


async def test_file_is_private_and_new_directory_is_0700(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "tokens.json"
    store = FileTokenStore(path)
    await store.save("a", tokens())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in path.parent.iterdir() if not p.name.endswith(".lock")) == [
        "tokens.json"
    ]  # no temporary files left behind
    doc = json.loads(path.read_text())
    assert doc["format"] == "lexoffice-auth/token-store" and doc["version"] == 1
    assert doc["accounts"]["a"]["refresh_token"] == "rt-1"
    assert "FileTokenStore" in repr(store) and "rt-1" not in repr(store)


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"",
        b'{"some": "other program"}',
        b'["a", "list"]',
        b'{"format": "lexoffice-auth/token-store", "version": 99, "accounts": {}}',
        b'{"format": "lexoffice-auth/token-store", "version": 1, "accounts": []}',
        b"[" * 100_000,  # json.loads raises RecursionError, not ValueError
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=["corrupt", "empty", "foreign", "list", "newer", "bad-accounts", "deep", "deep-valid"],
)
async def test_corrupt_or_foreign_file_is_refused_and_never_overwritten(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "tokens.json"
    path.write_bytes(content)
    store = FileTokenStore(path)
    with pytest.raises(TokenStoreError, match=str(path)):
        await store.load("a")
    with pytest.raises(TokenStoreError):
        await store.save("a", tokens())
    with pytest.raises(TokenStoreError):
        await store.delete("a")
    assert path.read_bytes() == content


@pytest.mark.parametrize(
    "path", [None, 3, b"tokens.json", "", ["tokens.json"], "tok\0ens.json", Path("a\0/t.json")]
)
def test_a_path_that_is_no_path_is_a_configuration_error(path: object) -> None:
    with pytest.raises(ConfigurationError, match="path"):
        FileTokenStore(path)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lock_timeout": "x"},
        {"lock_timeout": -1},
        {"lock_timeout": float("nan")},
        {"poll_interval": 0},
        {"poll_interval": float("inf")},
        {"poll_interval": None},
    ],
)
def test_bad_file_store_options_are_configuration_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError, match=next(iter(kwargs))):
        FileTokenStore("tokens.json", **kwargs)  # type: ignore[arg-type]


def test_every_missing_directory_level_is_created_0700_even_under_umask_0(
    tmp_path: Path,
) -> None:
    script = (
        "import os, sys, anyio\n"
        "from lexoffice_auth.stores import FileTokenStore\n"
        "from tests.stores.helpers import tokens\n"
        "os.umask(0)\n"
        "anyio.run(FileTokenStore(sys.argv[1]).save, 'a', tokens())\n"
    )
    path = tmp_path / "a" / "b" / "c" / "tokens.json"
    before = stat.S_IMODE(tmp_path.stat().st_mode)
    subprocess.run([sys.executable, "-c", script, str(path)], cwd=ROOT, check=True, timeout=60)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (path.parents[2], *path.parents[:2])}
    assert modes == {"a": 0o700, "b": 0o700, "c": 0o700}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(tmp_path.stat().st_mode) == before  # an existing level is left alone


@pytest.mark.parametrize(
    ("mode", "warns"),
    [(0o777, True), (0o770, True), (0o730, True), (0o1777, False), (0o755, False)],
    ids=["world", "group", "group-wx", "sticky", "private"],
)
async def test_existing_directory_writable_by_others_is_warned_about_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, mode: int, warns: bool
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(mode)
    store = FileTokenStore(shared / "tokens.json")
    with caplog.at_level(logging.WARNING, logger="lexoffice_auth"):
        await store.load("a")
        await store.save("a", tokens())
        async with store.lock("a"):
            pass
        assert await store.load("a") == tokens()
    warnings = [r for r in caplog.records if r.name == "lexoffice_auth"]
    assert len(warnings) == (1 if warns else 0)
    if warns:
        assert str(shared) in warnings[0].getMessage()
        assert oct(mode)[2:] in warnings[0].getMessage()
        assert "rt-1" not in caplog.text
    assert stat.S_IMODE(shared.stat().st_mode) == mode  # warned about, never changed


async def test_invalid_entry_fails_its_account_only_and_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    bad = {"access_token": "", "refresh_token": "secret-rt"}
    doc = {"format": "lexoffice-auth/token-store", "version": 1, "accounts": {"bad": bad}}
    path.write_text(json.dumps(doc))
    store = FileTokenStore(path)
    with pytest.raises(TokenStoreError, match="'bad'") as info:
        await store.load("bad")
    assert "secret-rt" not in str(info.value)
    await store.save("good", tokens())
    assert await store.load("good") == tokens()
    assert json.loads(path.read_text())["accounts"]["bad"] == bad


async def test_file_lock_times_out_with_a_clear_error(tmp_path: Path) -> None:
    first = FileTokenStore(tmp_path / "tokens.json")
    second = FileTokenStore(tmp_path / "tokens.json", lock_timeout=0.05)
    async with first.lock("a"):
        with pytest.raises(TokenStoreError, match="timed out"):
            async with second.lock("a"):
                pass
        async with second.lock("other-account"):  # locks are per account key
            pass


async def test_file_lock_wait_is_cancellable_and_leaves_nothing_held(tmp_path: Path) -> None:
    first = FileTokenStore(tmp_path / "tokens.json")
    second = FileTokenStore(tmp_path / "tokens.json")
    async with first.lock("a"):
        with anyio.move_on_after(0.05) as scope:
            async with second.lock("a"):
                pytest.fail("acquired a held lock")
        assert scope.cancelled_caught
    with anyio.fail_after(1):
        async with second.lock("a"):
            pass


async def test_the_store_leaves_no_lock_files_behind(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    async with store.lock("a"):
        assert any(n.endswith(".lock") for n in os.listdir(tmp_path))  # exists while held
    await store.save("a", tokens())
    assert await store.load("a") == tokens()
    assert os.listdir(tmp_path) == ["tokens.json"]


@pytest.mark.skipif(sys.platform == "win32", reason="flock")
def test_a_lock_taken_on_a_removed_lock_file_does_not_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The race that removing lock files opens: B opens the file, the holder releases (and
    # removes it), B's flock then succeeds on a file nobody else sees. B must try again.
    import fcntl

    from lexoffice_auth.stores import _file

    store = FileTokenStore(tmp_path / "tokens.json")
    path = tmp_path / "tokens.json.x.lock"
    real_flock = fcntl.flock

    def flock_after_the_holder_released(fd: int, op: int) -> None:
        path.unlink()  # the holder's release, between B's open and B's flock
        real_flock(fd, op)

    monkeypatch.setattr(_file.fcntl, "flock", flock_after_the_holder_released)
    assert not _file._LockFile(store, path).try_acquire()
    monkeypatch.setattr(_file.fcntl, "flock", real_flock)
    lock = _file._LockFile(store, path)
    assert lock.try_acquire()  # the next attempt makes a new file and holds it
    lock.release()
    assert not path.exists()


async def test_unwritable_directory_is_a_store_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores directory permissions")
    locked = tmp_path / "ro"
    locked.mkdir(mode=0o500)
    with pytest.raises(TokenStoreError):
        await FileTokenStore(locked / "tokens.json").save("a", tokens())


# A "zygote" imports the library once and forks writer processes on demand, so that
# 50 real processes can be killed within a few seconds instead of paying an interpreter
# start-up for each. Each child writes the store in a loop until it is SIGKILLed.
ZYGOTE = """
import asyncio, os, sys
from pydantic import SecretStr
from lexoffice_auth import TokenSet
from lexoffice_auth.stores import FileTokenStore

async def write_forever(path, who):
    store = FileTokenStore(path)
    i = 0
    while True:
        ts = TokenSet(access_token=SecretStr(f"at-{who}-{i}-" + "x" * 20000),
                      refresh_token=SecretStr(f"rt-{who}-{i}"), expires_at=2.0e9)
        await store.save(f"acct-{who % 3}", ts)
        if i == 0:
            os.write(1, f"ready {os.getpid()}\\n".encode())
        i += 1

for line in sys.stdin:
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                break
        except ChildProcessError:
            break
    if os.fork() == 0:
        try:
            asyncio.run(write_forever(sys.argv[1], int(line)))
        finally:
            os._exit(1)
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="uses fork, SIGKILL and /proc")
def test_sigkill_while_writing_never_leaves_an_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    rng = random.Random(1234)
    zygote = subprocess.Popen(
        [sys.executable, "-c", ZYGOTE, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    assert zygote.stdin is not None and zygote.stdout is not None
    kills = 0
    try:
        while kills < 50:
            # Five writers at once, so kills also hit holders of the write lock.
            for i in range(5):
                zygote.stdin.write(f"{kills + i}\n".encode())
            zygote.stdin.flush()
            pids = []
            for _ in range(5):
                word, pid = zygote.stdout.readline().split()
                assert word == b"ready"
                pids.append(int(pid))
            for pid in pids:
                time.sleep(rng.uniform(0.0, 0.02))
                os.kill(pid, signal.SIGKILL)
                kills += 1
            wait_gone(pids)
            anyio.run(check_store, path)
    finally:
        zygote.kill()
        zygote.wait(timeout=10)
        zygote.stdin.close()
        zygote.stdout.close()
    assert kills == 50


async def check_store(path: Path) -> None:
    doc = json.loads(path.read_bytes())  # never torn  # noqa: ASYNC240
    assert doc["version"] == 1
    store = FileTokenStore(path, lock_timeout=5)
    for key in doc["accounts"]:
        loaded = await store.load(key)
        assert loaded is not None
        assert loaded.refresh_token is not None
        assert loaded.refresh_token.get_secret_value().startswith("rt-")
    # A killed writer's locks die with it: the next write does not wait for it.
    with anyio.fail_after(5):
        await store.save("check", tokens())


def wait_gone(pids: list[int]) -> None:
    """Wait until the killed processes are dead (zombies count: they hold no locks)."""
    deadline = time.monotonic() + 10
    for pid in pids:
        while time.monotonic() < deadline:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
            except (FileNotFoundError, ProcessLookupError):
                break
            if state in ("Z", "X"):
                break
            time.sleep(0.005)
        else:
            pytest.fail(f"process {pid} survived SIGKILL")
