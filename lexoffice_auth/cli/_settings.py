"""Where the command line's settings come from: flags, then the environment, then a TOML file.

The config file is optional. It lives in the platform's user config directory
(``platformdirs.user_config_dir("lexoffice-auth")/config.toml``) unless ``--config PATH``
or ``LEXOFFICE_CONFIG`` names another. Top-level keys apply to every profile; a
``[profiles.NAME]`` table overrides them for one profile::

    profile = "work"                     # the profile used without --profile
    api_base = "https://api.lexware.io"

    [profiles.work]
    issuer = "https://id.example"
    client_id = "my-cli"
    scopes = ["openid", "email", "contacts.read"]
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lexoffice_auth.errors import ConfigurationError

__all__ = ["ENV", "Settings", "default_config_path", "default_store_path", "load_config_file"]

APP_NAME = "lexoffice-auth"

# The environment variable of each setting (the config file uses the setting's own name).
ENV: Mapping[str, str] = {
    "profile": "LEXOFFICE_PROFILE",
    "store": "LEXOFFICE_TOKEN_STORE",
    "config": "LEXOFFICE_CONFIG",
    "issuer": "LEXOFFICE_ISSUER",
    "client_id": "LEXOFFICE_CLIENT_ID",
    "client_secret": "LEXOFFICE_CLIENT_SECRET",
    "client_secret_file": "LEXOFFICE_CLIENT_SECRET_FILE",
    "scopes": "LEXOFFICE_SCOPES",
    "redirect_port": "LEXOFFICE_REDIRECT_PORT",
    "redirect_uri": "LEXOFFICE_REDIRECT_URI",
    "api_base": "LEXOFFICE_API_BASE",
    "api_key": "LEXOFFICE_API_KEY",
    "provider": "LEXOFFICE_PROVIDER",
    "app_base_url": "LEXOFFICE_APP_BASE_URL",
    "par": "LEXOFFICE_PAR",
    "dpop": "LEXOFFICE_DPOP",
    "client_key_file": "LEXOFFICE_CLIENT_KEY_FILE",
    "client_key_id": "LEXOFFICE_CLIENT_KEY_ID",
    "auth_method": "LEXOFFICE_AUTH_METHOD",
    "fapi2": "LEXOFFICE_FAPI2",
}

_KEYS = frozenset(ENV) - {"config"}
_MAX_CONFIG_BYTES = 1024 * 1024
_PROVIDERS = ("oidc", "lexoffice-partner")


def default_config_path() -> Path:
    """``config.toml`` in the platform's user config directory."""
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def default_store_path() -> Path:
    """``tokens.json`` in the platform's user data directory."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "tokens.json"


def _read_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        try:
            import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]
        except ImportError:
            raise ConfigurationError(
                f"{path}: reading a config file needs Python 3.11 or the tomli package "
                "(pip install tomli); or pass every setting as a flag or environment variable"
            ) from None
    raw = _read_trusted(path)
    try:
        data: dict[str, Any] = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigurationError(f"{path}: the config file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path}: the config file is not valid TOML: {exc}") from None
    return data


def _read_trusted(path: Path) -> bytes:
    """The config file's bytes, if only its owner could have written it (as ssh demands).

    The file can point ``api_base`` elsewhere and so decide where an API key goes: a
    symlink, a file owned by another user (root aside), or one that others may write
    (``chmod go-w``), or in a directory others may write without the sticky bit, is
    refused. Opened without following a symlink and checked on the open file, so it
    cannot be swapped between the check and the read. (No such checks on Windows.)
    """
    if os.name != "posix":  # pragma: no cover - POSIX permissions only
        try:
            return path.read_bytes()
        except OSError as exc:
            raise ConfigurationError(
                f"{path}: cannot read the config file: {exc.strerror}"
            ) from None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if path.is_symlink():
            raise _untrusted(path, "it is a symbolic link") from None
        raise ConfigurationError(f"{path}: cannot read the config file: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _untrusted(path, "it is not a regular file")
        _check_owner_and_mode(path, info, "the file")
        parent = os.stat(path.parent)
        if parent.st_mode & stat.S_IWOTH and not parent.st_mode & stat.S_ISVTX:
            raise _untrusted(path, "its directory is writable by everyone")
        _check_owner_and_mode(path, parent, "its directory", mode=False)
        data = handle.read(_MAX_CONFIG_BYTES + 1)
    if len(data) > _MAX_CONFIG_BYTES:
        raise ConfigurationError(f"{path}: the config file is larger than 1 MiB")
    return data


def _check_owner_and_mode(
    path: Path, info: os.stat_result, what: str, *, mode: bool = True
) -> None:
    if info.st_uid not in (os.getuid(), 0):
        raise _untrusted(path, f"{what} belongs to another user (uid {info.st_uid})")
    if mode and info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise _untrusted(path, f"{what} is writable by others (chmod go-w {path})")


def _untrusted(path: Path, why: str) -> ConfigurationError:
    return ConfigurationError(
        f"{path}: refusing the config file: {why}; only its owner may be able to change it"
    )


def load_config_file(path: Path | None) -> tuple[Path, dict[str, Any]]:
    """The config file at ``path`` (which must exist) or the default one (which may not)."""
    explicit = path is not None
    where = path if path is not None else default_config_path()
    if not where.exists():
        if explicit:
            raise ConfigurationError(f"{where}: the config file does not exist")
        return where, {}
    data = _read_toml(where)
    _check_table(data, where, "top level", allow_profiles=True)
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigurationError(f"{where}: 'profiles' must be a table of [profiles.NAME] tables")
    for name, table in profiles.items():
        if not isinstance(table, dict):
            raise ConfigurationError(f"{where}: [profiles.{name}] must be a table")
        _check_table(table, where, f"[profiles.{name}]", allow_profiles=False)
    return where, data


def _check_table(table: dict[str, Any], where: Path, what: str, *, allow_profiles: bool) -> None:
    allowed = _KEYS | ({"profiles"} if allow_profiles else set())
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigurationError(
            f"{where}: unknown setting {unknown[0]!r} in {what} (known: {', '.join(sorted(_KEYS))})"
        )


@dataclass
class Settings:
    """The resolved settings of one command run (flags > environment > config file)."""

    flags: dict[str, Any] = field(default_factory=dict)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    config_path: Path | None = None
    _file: dict[str, Any] | None = None
    _file_path: Path | None = None

    def _config(self) -> dict[str, Any]:
        if self._file is None:
            path = self.config_path
            if path is None and (env := self.environ.get(ENV["config"])):
                path = Path(env).expanduser()
            self._file_path, self._file = load_config_file(path)
        return self._file

    @property
    def config_file(self) -> Path:
        """The config file consulted (it may not exist)."""
        self._config()
        assert self._file_path is not None
        return self._file_path

    def raw(self, name: str) -> tuple[Any, str] | None:
        """The value of ``name`` and where it came from, or ``None`` when it is not set."""
        value = self.flags.get(name)
        if value is not None and value != ():
            return value, "flag"
        env_name = ENV.get(name)
        if env_name and (env := self.environ.get(env_name)):
            return env, f"${env_name}"
        data = self._config()
        if name != "profile":
            table = data.get("profiles", {}).get(self.profile, {})
            if name in table:
                return table[name], f"{self.config_file} [profiles.{self.profile}]"
        if name in data:
            return data[name], str(self.config_file)
        return None

    def get(self, name: str) -> str | None:
        """A text setting (``None`` when unset); a non-text value in the file is an error."""
        found = self.raw(name)
        if found is None:
            return None
        value, origin = found
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ConfigurationError(f"{name} from {origin} must be text")
        text = str(value).strip()
        return text or None

    def switch(self, name: str) -> bool | None:
        """A yes/no setting (``None`` when unset): a flag's or the config file's bool, or
        ``1``/``true``/``yes``/``on`` and ``0``/``false``/``no``/``off`` as text."""
        found = self.raw(name)
        if found is None:
            return None
        value, origin = found
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            word = value.strip().lower()
            if word in ("1", "true", "yes", "on"):
                return True
            if word in ("0", "false", "no", "off"):
                return False
        raise ConfigurationError(f"{name} from {origin} must be true or false")

    @property
    def profile(self) -> str:
        """The selected profile (the store's account key); ``default`` unless set."""
        return self.get("profile") or "default"

    @property
    def store_path(self) -> Path:
        """The token store file."""
        path = self.get("store")
        return Path(path).expanduser() if path else default_store_path()

    @property
    def scopes(self) -> tuple[str, ...]:
        """Scopes from ``--scope`` (repeatable), ``LEXOFFICE_SCOPES`` or the file's list."""
        found = self.raw("scopes")
        if found is None:
            return ()
        value, origin = found
        if isinstance(value, str):
            items = value.replace(",", " ").split()
        elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            items = [s for v in value for s in v.replace(",", " ").split()]
        else:
            raise ConfigurationError(f"scopes from {origin} must be a list of strings")
        return tuple(dict.fromkeys(items))

    @property
    def redirect_port(self) -> int | None:
        """The fixed loopback port for the login callback, if one is set (else ephemeral)."""
        found = self.raw("redirect_port")
        if found is None:
            return None
        value, origin = found
        try:
            port = int(value)
        except (TypeError, ValueError):
            raise ConfigurationError(f"redirect_port from {origin} must be a number") from None
        if isinstance(value, bool) or not 1 <= port <= 65535:
            raise ConfigurationError(f"redirect_port from {origin} must be from 1 to 65535")
        return port

    @property
    def api_key(self) -> str | None:
        """A lexoffice API key to use instead of the token store, if one is set.

        ``LEXOFFICE_API_KEY``, else ``api_key`` in the config file (a profile's table, then
        the top level). It is a secret: the command registers it with the redactor.
        """
        return self.get("api_key")

    def api_key_origin(self) -> str | None:
        """Where ``api_key`` comes from (``$LEXOFFICE_API_KEY`` or the config file)."""
        if self.api_key is None:
            return None
        found = self.raw("api_key")
        return found[1] if found is not None else None

    @property
    def client_secret(self) -> str | None:
        """The client secret: ``--client-secret``, ``LEXOFFICE_CLIENT_SECRET``, the config
        file, else the first line of ``client_secret_file`` (a secret store's file, e.g. a
        Docker/Kubernetes secret or a systemd credential). Never stored with the tokens.
        """
        secret = self.get("client_secret")
        if secret is not None:
            return secret
        path = self.get("client_secret_file")
        if path is None:
            return None
        try:
            text = Path(path).expanduser().read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise ConfigurationError(
                f"client_secret_file {path}: cannot read it: {reason}"
            ) from None
        lines = text.splitlines()
        return (lines[0].strip() if lines else "") or None

    @property
    def api_base(self) -> str | None:
        """The API base URL, if one is set; credentials are sent there.

        A config file may name only lexoffice's API or a loopback sandbox: another origin
        must be given explicitly (``--api-base`` or ``LEXOFFICE_API_BASE``).
        """
        base = self.get("api_base")
        found = self.raw("api_base")
        if base is None or found is None or found[1] in ("flag", f"${ENV['api_base']}"):
            return base
        from lexoffice_auth.rules import API_BASE_URL, is_loopback_host, origin_of

        if origin_of(base) == origin_of(API_BASE_URL):
            return base
        if is_loopback_host(urlsplit(base).hostname) and urlsplit(base).scheme in ("http", "https"):
            return base
        raise ConfigurationError(
            f"api_base {base!r} from {found[1]} is neither lexoffice's API ({API_BASE_URL}) "
            "nor a loopback sandbox; credentials are not sent there on a config file's word. "
            "Pass --api-base or LEXOFFICE_API_BASE to use it"
        )

    @property
    def provider(self) -> str:
        """``oidc`` (discovery from an issuer) or ``lexoffice-partner`` (the preset)."""
        value = self.get("provider") or "oidc"
        if value not in _PROVIDERS:
            raise ConfigurationError(f"provider must be one of {', '.join(_PROVIDERS)}")
        return value
