"""A JSON file token store: atomic writes, private permissions, cross-process locks."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import secrets
import stat
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import anyio.to_thread

if sys.platform != "win32":
    import fcntl

from .._core.checks import check_account_key, check_seconds
from ..errors import ConfigurationError, TokenStoreError
from ._envelope import check_generation, generation_of, read_envelope
from ._index import check_connection_id
from ._stored import StoredTokenSet, read_stored

if TYPE_CHECKING:
    from filelock import FileLock

    from .._oauth.tokens import TokenSet

__all__ = ["FileConnectionIndex", "FileTokenStore"]

logger = logging.getLogger("lexoffice_auth")

_FORMAT = "lexoffice-auth/token-store"
_VERSION = 1


class FileTokenStore:
    """Token sets of many account keys in one JSON file, shared safely between processes.

    * The file is created with mode 0600; a missing directory is created with mode 0700.
      An existing directory is left as it is, but if other users may write to it (group-
      or world-writable without the sticky bit) a warning naming it is logged once.
    * Every write goes to a temporary file in the same directory, is fsynced and then
      renamed over the old file, so a crash leaves the old or the new content, never a mix.
    * A file that is not a token store of this library (corrupt JSON, another program's
      JSON, a newer format version) raises ``TokenStoreError`` and is never overwritten.
    * Saves are compare-and-set (``compare_and_set``): under the file's write lock, a token
      set of ``generation`` ``n > 0`` is not saved over a stored generation ``>= n``
      (``TokenSetSuperseded``), so a refresh-lock holder that hung cannot go back in time.
    * ``lock(account_key)`` is an advisory lock (``flock``) on a file next to the token file,
      acquired by polling so the event loop never blocks; it is released on errors and
      cancellation.
    * The token file and the lock files must be regular files; a FIFO, device or socket at
      their path is refused at once (they are opened without blocking and checked before
      anything is read), as is a symbolic link, a file owned by another user, and a file
      that the group or others may write: whoever controls such a file controls the tokens.
      These are ``TokenStoreError`` and the file is left as it is.
      ``trust_shared_files=True`` turns off the symlink, owner and mode checks (for a file
      deliberately shared between accounts, or a symlinked configuration); special files
      are refused even then.

    Example:
        >>> store = FileTokenStore("~/.config/my-app/tokens.json")
        >>> # source = RefreshingTokenSource(oauth, "acme", store)
    """

    compare_and_set = True
    """Saves refuse to go back in time (see ``TokenStore``)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        lock_timeout: float = 60.0,
        poll_interval: float = 0.02,
        trust_shared_files: bool = False,
    ) -> None:
        if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
            raise ConfigurationError(
                f"FileTokenStore needs a file path (str or os.PathLike), got {type(path).__name__}"
            )
        try:
            # Absolute, so that a later chdir() cannot make two stores disagree about the file.
            self.path = Path(path).expanduser().absolute()
        except (TypeError, ValueError, RuntimeError) as exc:  # bytes paths; unknown ~user
            raise ConfigurationError(f"FileTokenStore cannot use the path {path!r}: {exc}") from exc
        if "\0" in str(self.path):  # else a ValueError from the first open(), not here
            raise ConfigurationError(f"FileTokenStore cannot use the path {path!r}: a NUL byte")
        self._lock_timeout = check_seconds("lock_timeout", lock_timeout, positive=True)
        self._poll_interval = check_seconds("poll_interval", poll_interval, positive=True)
        if not isinstance(trust_shared_files, bool):
            raise ConfigurationError(
                f"trust_shared_files must be True or False, not {type(trust_shared_files).__name__}"
            )
        self._trust = trust_shared_files
        self._dir_checked = False
        self._dir_check_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"

    @property
    def connection_index(self) -> FileConnectionIndex:
        """This file's connection index (see ``FileConnectionIndex``)."""
        return FileConnectionIndex(self)

    # --- TokenStore ----------------------------------------------------------------------

    async def load(self, account_key: str) -> TokenSet | None:
        """The token set of ``account_key`` or ``None``; ``TokenStoreError`` if unreadable."""
        stored = await self._read_stored(account_key)
        return stored.token_set() if stored is not None else None

    async def load_stored(self, account_key: str) -> StoredTokenSet | None:
        """``load`` without building the ``TokenSet``, so without loading pydantic.

        For code that needs only the access token and its expiry (``lexoffice-auth token``;
        a ``RefreshingTokenSource`` reads its first token this way): the same checks and
        the same ``TokenStoreError`` as ``load``; ``.token_set()`` builds the token set.
        A subclass that overrides ``load`` is read through its ``load``.
        """
        if getattr(self.load, "__func__", None) is not FileTokenStore.load:  # overridden
            token_set = await self.load(account_key)
            return StoredTokenSet.of(token_set) if token_set is not None else None
        return await self._read_stored(account_key)

    async def _read_stored(self, account_key: str) -> StoredTokenSet | None:
        check_account_key(account_key)
        accounts = await anyio.to_thread.run_sync(self._read_accounts)
        raw = accounts.get(account_key)
        if raw is None:
            return None
        try:
            return read_stored(raw)
        except TokenStoreError as exc:
            raise TokenStoreError(
                f"{self.path}: the entry of account {account_key!r} is invalid: {exc}"
            ) from exc

    async def save(self, account_key: str, token_set: TokenSet) -> None:
        """Store ``token_set`` for ``account_key`` (an atomic replace of the file).

        ``TokenSetSuperseded`` if the file holds the same or a newer generation.
        """
        from .._oauth.tokens import check_token_set  # loaded already if it is a TokenSet

        entry = check_token_set(token_set).to_dict()
        await anyio.to_thread.run_sync(self._update, check_account_key(account_key), entry)

    async def delete(self, account_key: str) -> None:
        """Forget ``account_key``'s token set."""
        await anyio.to_thread.run_sync(self._update, check_account_key(account_key), None)

    @asynccontextmanager
    async def lock(self, account_key: str) -> AsyncIterator[None]:
        """The cross-process refresh lock of ``account_key``.

        Raises ``TokenStoreError`` when it cannot be had within ``lock_timeout`` seconds.
        """
        digest = hashlib.sha256(check_account_key(account_key).encode()).hexdigest()[:16]
        self._ensure_dir()
        lock = _LockFile(self, self.path.with_name(f"{self.path.name}.{digest}.lock"))
        deadline = time.monotonic() + self._lock_timeout
        delay = self._poll_interval / 4
        # Non-blocking: one open() and one flock() call per attempt; waiting happens in
        # anyio.sleep, which is cancellable and leaves nothing half-acquired behind.
        while not lock.try_acquire():
            if time.monotonic() >= deadline:
                raise TokenStoreError(
                    f"{self.path}: timed out after {self._lock_timeout:g} s waiting for "
                    f"the refresh lock of account {account_key!r}"
                )
            await anyio.sleep(delay)
            delay = min(delay * 2, self._poll_interval)
        try:
            yield
        finally:
            lock.release()

    # --- blocking helpers, run in a worker thread ------------------------------------------

    def _ensure_dir(self) -> None:
        directory = self.path.parent
        if directory.is_dir():
            self._check_dir_once()
            return
        try:
            _make_private_dirs(directory)
        except OSError as exc:
            raise TokenStoreError(f"cannot create the directory {directory}: {exc}") from exc

    def _check_dir_once(self) -> None:
        """Warn (once per store) about a directory others may write to.

        Whoever can write to the directory can replace the token file or plant the lock and
        temporary files, whatever the file's own mode. The sticky bit (as on /tmp) stops
        them from renaming or deleting our files, so such a directory is accepted. It is a
        warning, not an error: the directory belongs to the user, who may have reasons.
        """
        with self._dir_check_lock:
            if self._dir_checked:
                return
            self._dir_checked = True
        directory = self.path.parent
        try:
            mode = directory.stat().st_mode
        except OSError:
            return  # reading or writing will report the real problem
        if mode & (stat.S_IWGRP | stat.S_IWOTH) and not mode & stat.S_ISVTX:
            logger.warning(
                "token store directory %s is writable by other users (mode %04o): they could "
                "replace the token file; use a directory with mode 0700",
                directory,
                stat.S_IMODE(mode),
            )

    def _open(self, path: Path, flags: int, what: str, *, create: bool = False) -> int | None:
        """Open ``path`` without blocking and check it; ``None`` if it does not exist.

        Never follows a symlink at ``path`` (unless trusted) and never blocks on a FIFO:
        the checks run on the opened descriptor, so the file checked is the file used.
        """
        flags |= _O_NONBLOCK | _O_CLOEXEC | (os.O_CREAT if create else 0)
        if not self._trust:
            flags |= _O_NOFOLLOW
        try:
            fd = os.open(path, flags, 0o600)
        except FileNotFoundError:
            if not self._trust and os.path.islink(path):  # a dangling link: planted
                raise _symlink_error(path, what) from None
            if create:
                raise TokenStoreError(f"{path}: cannot create the {what}") from None
            return None
        except OSError as exc:
            if not self._trust and (exc.errno in _SYMLINK_ERRNOS or os.path.islink(path)):
                raise _symlink_error(path, what) from None
            raise TokenStoreError(f"{path}: cannot open the {what}: {exc}") from exc
        try:
            self._check_file(fd, path, what)
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _check_file(self, fd: int, path: Path, what: str) -> None:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise TokenStoreError(
                f"{path}: the {what} is not a regular file ({_kind(info.st_mode)}); "
                "it was left untouched (remove it, or choose another path for this store)"
            )
        if self._trust:
            return
        euid = os.geteuid() if hasattr(os, "geteuid") else None
        if euid is not None and info.st_uid != euid:
            raise TokenStoreError(
                f"{path}: the {what} is owned by another user (uid {info.st_uid}, not "
                f"{euid}); it was left untouched (remove it, or pass "
                "trust_shared_files=True to FileTokenStore if it is shared on purpose)"
            )
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise TokenStoreError(
                f"{path}: the {what} is writable by other users (mode "
                f"{stat.S_IMODE(info.st_mode):04o}); it was left untouched (chmod 600 it, or "
                "pass trust_shared_files=True to FileTokenStore if it is shared on purpose)"
            )

    def _read_doc(self) -> dict[str, Any]:
        """The whole document (``accounts``, and ``connections`` if any); empty if no file."""
        if not self._dir_checked:
            self._check_dir_once()
        fd = self._open(self.path, os.O_RDONLY, "token store")
        if fd is None:
            return {"format": _FORMAT, "version": _VERSION, "accounts": {}}
        try:
            parts: list[bytes] = []
            while part := os.read(fd, 1 << 16):
                parts.append(part)
        except OSError as exc:
            raise TokenStoreError(f"{self.path}: cannot read the token store: {exc}") from exc
        finally:
            os.close(fd)
        data = b"".join(parts)
        doc = read_envelope(
            data,
            fmt=_FORMAT,
            version=_VERSION,
            where=str(self.path),
            remedy="move it away, or choose another path for this store",
        )
        if not isinstance(doc.get("accounts"), dict):
            raise TokenStoreError(f"{self.path}: the token store has no 'accounts' object")
        return doc

    def _read_accounts(self) -> dict[str, Any]:
        accounts: dict[str, Any] = self._read_doc()["accounts"]
        return accounts

    def _update(self, account_key: str, entry: dict[str, Any] | None) -> None:
        def change(doc: dict[str, Any]) -> bool:
            accounts = doc["accounts"]
            if entry is None:
                return accounts.pop(account_key, None) is not None
            stored = generation_of(accounts.get(account_key))
            check_generation(account_key, stored, generation_of(entry))
            accounts[account_key] = entry
            return True

        self._modify(change)

    def _modify(self, change: Callable[[dict[str, Any]], bool]) -> None:
        """Read, ``change`` and write the document under the file's write lock.

        ``change`` edits the document in place and says whether to write it; the other
        parts of the document (accounts, connections) are written back as they were read.
        """
        self._ensure_dir()
        write_lock = _LockFile(self, self.path.with_name(self.path.name + ".lock"))
        deadline = time.monotonic() + self._lock_timeout
        while not write_lock.try_acquire():
            if time.monotonic() >= deadline:
                raise TokenStoreError(f"{self.path}: timed out waiting for the write lock")
            time.sleep(min(self._poll_interval, 0.01))
        try:
            # Read-modify-write under the write lock: other processes may have saved
            # other accounts since we last looked.
            doc = self._read_doc()
            if change(doc):
                doc.update(format=_FORMAT, version=_VERSION)
                self._atomic_write(json.dumps(doc, indent=1, sort_keys=True).encode())
        finally:
            write_lock.release()

    def _atomic_write(self, data: bytes) -> None:
        directory = self.path.parent
        tmp = directory / f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_CLOEXEC | _O_NOFOLLOW
            fd = os.open(tmp, flags, 0o600)
            try:
                if hasattr(os, "fchmod"):  # the umask may have narrowed it further; be exact
                    os.fchmod(fd, 0o600)
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise TokenStoreError(f"{self.path}: cannot write the token store: {exc}") from exc
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(directory)


class FileConnectionIndex:
    """The connection index in the token file's ``connections`` object.

    Same file, same write lock, same checks as the tokens: an entry is written atomically
    with the rest of the file. Pass the ``FileTokenStore`` (or its path).

    Example:
        >>> import anyio, tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "tokens.json"
        >>> index = FileConnectionIndex(path)
        >>> async def main() -> None:
        ...     await index.record("c-1", "acme")
        ...     print(await index.account_for("c-1"))
        >>> anyio.run(main)
        acme
    """

    def __init__(self, store: FileTokenStore | str | os.PathLike[str]) -> None:
        self.store = store if isinstance(store, FileTokenStore) else FileTokenStore(store)

    def __repr__(self) -> str:
        return f"FileConnectionIndex({str(self.store.path)!r})"

    async def record(self, connection_id: str, account_key: str) -> None:
        """Note that ``connection_id`` belongs to ``account_key``."""
        connection_id = check_connection_id(connection_id)
        account_key = check_account_key(account_key)

        def change(doc: dict[str, Any]) -> bool:
            connections = self._connections(doc)
            if connections.get(connection_id) == account_key:
                return False
            doc["connections"] = {**connections, connection_id: account_key}
            return True

        await anyio.to_thread.run_sync(self.store._modify, change)

    async def account_for(self, connection_id: str) -> str | None:
        """The account key recorded for ``connection_id``, or ``None``."""
        connection_id = check_connection_id(connection_id)
        doc = await anyio.to_thread.run_sync(self.store._read_doc)
        return self._connections(doc).get(connection_id)

    async def forget(self, connection_id: str) -> None:
        """Drop the entry of ``connection_id``."""
        connection_id = check_connection_id(connection_id)

        def change(doc: dict[str, Any]) -> bool:
            connections = self._connections(doc)
            if connection_id not in connections:
                return False
            doc["connections"] = {k: v for k, v in connections.items() if k != connection_id}
            return True

        await anyio.to_thread.run_sync(self.store._modify, change)

    def _connections(self, doc: dict[str, Any]) -> dict[str, str]:
        connections = doc.get("connections", {})
        if not isinstance(connections, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in connections.items()
        ):
            raise TokenStoreError(f"{self.store.path}: the 'connections' object is invalid")
        return connections


_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
# open(O_NOFOLLOW) on a symlink fails with ELOOP (Linux, macOS) or EMLINK (FreeBSD).
_SYMLINK_ERRNOS = frozenset({errno.ELOOP, errno.EMLINK})


def _symlink_error(path: Path, what: str) -> TokenStoreError:
    return TokenStoreError(
        f"{path}: the {what} is a symbolic link; it was left untouched (replace it with the "
        "file itself, or pass trust_shared_files=True to FileTokenStore to follow links)"
    )


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return f"mode {mode:o}"


class _LockFile:
    """An exclusive advisory lock on a checked lock file; one non-blocking attempt at a time.

    The file is opened like the token file (no symlinks, no special files, ours) and then
    ``flock``-ed, which other processes using this store (or ``filelock``) respect.
    """

    def __init__(self, store: FileTokenStore, path: Path) -> None:
        self._store = store
        self._path = path
        self._fd: int | None = None
        self._fallback: FileLock | None = None

    def try_acquire(self) -> bool:
        if sys.platform == "win32":  # pragma: no cover - no flock(); filelock's own lock
            from filelock import FileLock, Timeout

            self._fallback = self._fallback or FileLock(self._path, mode=0o600)
            try:
                self._fallback.acquire(blocking=False)
            except Timeout:
                return False
            except OSError as exc:
                raise TokenStoreError(f"{self._path}: cannot take the lock: {exc}") from exc
            return True
        fd = self._store._open(self._path, os.O_RDWR, "lock file", create=True)
        assert fd is not None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except OSError as exc:
            os.close(fd)
            raise TokenStoreError(f"{self._path}: cannot take the lock: {exc}") from exc
        # The holder before us removes the file when it releases (so no *.lock files are
        # left behind). If we opened it just before that, we hold a lock on a removed
        # file that nobody else sees: only a lock on the file now at the path counts.
        try:
            current = os.stat(self._path, follow_symlinks=False)
        except FileNotFoundError:
            current = None
        mine = os.fstat(fd)
        if current is None or (current.st_dev, current.st_ino) != (mine.st_dev, mine.st_ino):
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if sys.platform == "win32":  # pragma: no cover
            if self._fallback is not None:
                self._fallback.release()
            return
        if self._fd is not None:
            fd, self._fd = self._fd, None
            # Remove the file while still holding the lock: a waiter that opened it sees,
            # once it gets the lock, that it is no longer at the path, and tries again.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._path)
            os.close(fd)  # closing the only descriptor releases the flock


def _make_private_dirs(directory: Path) -> None:
    """Create ``directory`` and every missing parent with mode 0700.

    ``os.makedirs(mode=...)`` gives the mode to the last level only; the parents get
    0777 minus the umask, i.e. world-writable under umask 0. Changing the umask instead
    would affect every thread of the process.
    """
    missing: list[Path] = []
    level = directory
    while not level.is_dir() and level != level.parent:
        missing.append(level)
        level = level.parent
    for level in reversed(missing):
        try:
            os.mkdir(level, 0o700)
        except FileExistsError:
            if not level.is_dir():
                raise
            continue  # created by another process just now; its mode is not ours to change
        os.chmod(level, 0o700)  # mkdir's mode is reduced by the umask


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable; not possible (nor needed) on every platform."""
    flags = getattr(os, "O_DIRECTORY", None)
    if flags is None:
        return
    try:
        fd = os.open(directory, os.O_RDONLY | flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
