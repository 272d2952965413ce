"""A login's FAPI options (PAR, DPoP, ``private_key_jwt``, the FAPI 2.0 profile).

``login`` takes them from the settings (flags, ``LEXOFFICE_*``, the config file) and
records them in the profile's marker, so that ``token``, ``status``, ``logout`` and the
API commands rebuild the same ``OAuthClient``. The client key is recorded by its path
only, never copied into the store; the DPoP key travels in the stored ``TokenSet``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lexoffice_auth.errors import ConfigurationError

from ._settings import Settings

if TYPE_CHECKING:
    from lexoffice_auth.keys import ClientKey

__all__ = ["AUTH_METHODS", "FapiOptions", "read_client_key"]

#: What ``--auth-method`` accepts (``OAuthClient``'s ``token_endpoint_auth_method``).
AUTH_METHODS = (
    "none",
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
)
_MAX_KEY_BYTES = 64 * 1024


@dataclass(frozen=True)
class FapiOptions:
    """The options of one login; ``None``/``False`` leave the SDK's defaults."""

    par: bool | None = None
    dpop: bool = False
    client_key_file: str | None = None
    client_key_id: str | None = None
    auth_method: str | None = None
    fapi2: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> FapiOptions:
        """The options the settings ask for (checked together, as usage errors)."""
        method = settings.get("auth_method")
        if method is not None and method not in AUTH_METHODS:
            raise ConfigurationError(f"auth_method must be one of {', '.join(AUTH_METHODS)}")
        key_file = settings.get("client_key_file")
        options = cls(
            par=settings.switch("par"),
            dpop=bool(settings.switch("dpop")),
            # An absolute path: a later `token` may run from another directory.
            client_key_file=str(Path(key_file).expanduser().absolute()) if key_file else None,
            client_key_id=settings.get("client_key_id"),
            auth_method=method,
            fapi2=bool(settings.switch("fapi2")),
        )
        options.check()
        return options

    @classmethod
    def from_marker(cls, marker: Mapping[str, Any], settings: Settings) -> FapiOptions:
        """What a login recorded; a profile recorded before these options uses the settings."""
        if "fapi" not in marker:
            return cls.from_settings(settings)
        raw = marker["fapi"]
        recorded = raw if isinstance(raw, dict) else {}

        def text(name: str) -> str | None:
            value = recorded.get(name)
            return value if isinstance(value, str) and value else None

        par = recorded.get("par")
        return cls(
            par=par if isinstance(par, bool) else None,
            dpop=recorded.get("dpop") is True,
            client_key_file=text("client_key_file"),
            client_key_id=text("client_key_id"),
            auth_method=text("auth_method"),
            fapi2=recorded.get("fapi2") is True,
        )

    @property
    def active(self) -> bool:
        """Whether any option is set (a plain login records none)."""
        return self != FapiOptions()

    def check(self) -> None:
        """The FAPI 2.0 profile's demands on the other options, each named."""
        if self.client_key_id and not self.client_key_file:
            raise ConfigurationError("--client-key-id needs --client-key PATH")
        if self.client_key_file and self.auth_method not in (None, "private_key_jwt"):
            raise ConfigurationError(
                f"--client-key is for private_key_jwt, not --auth-method {self.auth_method}"
            )
        if self.auth_method == "private_key_jwt" and not self.client_key_file:
            raise ConfigurationError("--auth-method private_key_jwt needs --client-key PATH")
        if not self.fapi2:
            return
        if self.par is False:
            raise ConfigurationError("--fapi2 requires PAR: drop --no-par")
        if not self.client_key_file:
            raise ConfigurationError(
                "--fapi2 authenticates by private_key_jwt: pass --client-key PATH (a PEM or "
                "JWK file of the client's private key) or set LEXOFFICE_CLIENT_KEY_FILE"
            )

    def marker(self) -> dict[str, Any]:
        """The options as plain JSON for the profile's marker (only what is set)."""
        recorded: dict[str, Any] = {}
        if self.par is not None:
            recorded["par"] = self.par
        for name in ("dpop", "fapi2"):
            if getattr(self, name):
                recorded[name] = True
        for name in ("client_key_file", "client_key_id", "auth_method"):
            if value := getattr(self, name):
                recorded[name] = value
        return recorded

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``OAuthClient`` (the client key read from its file)."""
        kwargs: dict[str, Any] = {}
        if self.par is not None:
            kwargs["par"] = self.par
        if self.dpop:
            kwargs["dpop"] = True
        if self.client_key_file:
            kwargs["client_key"] = read_client_key(
                Path(self.client_key_file), kid=self.client_key_id
            )
        if self.auth_method:
            kwargs["token_endpoint_auth_method"] = self.auth_method
        if self.fapi2:
            kwargs["profile"] = "fapi2"
        return kwargs


def read_client_key(path: Path, *, kid: str | None = None) -> ClientKey:
    """The private key in ``path`` (PEM or JWK JSON), if only its owner can read it.

    As ssh does with a private key, a key file that group or others may read or write
    (``chmod 600``), or that belongs to another user, is refused. Messages name the file,
    never its content.
    """
    from lexoffice_auth.keys import ClientKey

    try:
        with path.open("rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise ConfigurationError(f"client key {path}: not a regular file")
            if os.name == "posix":  # pragma: no branch - POSIX permissions only
                if info.st_uid not in (os.getuid(), 0):
                    raise ConfigurationError(
                        f"client key {path}: refused, it belongs to another user "
                        f"(uid {info.st_uid})"
                    )
                if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
                    raise ConfigurationError(
                        f"client key {path}: refused, group or others may access it "
                        f"(mode {stat.S_IMODE(info.st_mode):o}): chmod 600 {path}"
                    )
            data = handle.read(_MAX_KEY_BYTES + 1)
    except OSError as exc:
        raise ConfigurationError(f"client key {path}: cannot read it: {exc.strerror}") from None
    if len(data) > _MAX_KEY_BYTES:
        raise ConfigurationError(f"client key {path}: larger than 64 KiB, not a key file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigurationError(f"client key {path}: not a PEM or JWK text file") from None
    try:
        return ClientKey.load(text, kid=kid)
    except ConfigurationError as exc:
        # The SDK's message names the problem, never the key.
        raise ConfigurationError(f"client key {path}: {exc}") from None
