"""Errors as one line and a hint on stderr; ``--debug`` adds redacted details.

Known secrets (tokens read from the store, API keys, the client secret) are registered
with a ``Redactor`` as soon as the command sees them; everything ``--debug`` prints
passes through it, and attributes whose names say they hold secrets are masked anyway.
"""

from __future__ import annotations

import logging
import re
import shlex
import traceback
from collections.abc import Callable

from lexoffice_auth import errors
from lexoffice_auth.rules import escape_controls

from ._loopback import CallbackTimeout  # loaded with the commands anyway

__all__ = ["EXIT_CODES", "USAGE_EXIT", "Redactor", "describe", "exit_code_for", "hint_for"]

USAGE_EXIT = 2
"""The exit status of a usage error (click's own, and a bad value the SDK refuses)."""

#: The exit status per error class, most specific first (docs/cli.md has this table);
#: anything else that fails is 1.
EXIT_CODES: tuple[tuple[type[BaseException], int, str], ...] = (
    (errors.ReauthenticationRequired, 3, "not logged in, or the login or key was refused"),
    (errors.Unauthorized, 3, "not logged in, or the login or key was refused"),
    (errors.Forbidden, 3, "not logged in, or the login or key was refused"),
    (errors.NotFound, 4, "no such resource (404)"),
    (errors.Conflict, 5, "a conflict: a stale version, or a state that forbids it (a draft)"),
    (errors.ValidationFailed, 6, "invalid data: lexoffice refused it, or would (named fields)"),
    (errors.RateLimited, 7, "still rate-limited after the retries"),
    (errors.NetworkError, 8, "lexoffice could not be reached, or failed (5xx): retry later"),
    (errors.ServerError, 8, "lexoffice could not be reached, or failed (5xx): retry later"),
    (errors.ConfigurationError, USAGE_EXIT, "a bad flag, value or input file"),
)


def exit_code_for(exc: BaseException) -> int:
    """The exit status for a command that failed with ``exc`` (see ``EXIT_CODES``)."""
    for cls, code, _ in EXIT_CODES:
        if isinstance(exc, cls):
            return code
    return 1


_SECRET_NAMES = re.compile(r"token|secret|code|verifier|key|password|state|nonce", re.I)


class Redactor:
    """Replaces every registered secret in a text with ``***``."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, *values: str | None) -> None:
        for value in values:
            if value and len(value) >= 4:
                self._secrets.add(value)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        # Bearer values and form fields that no one registered (e.g. from the provider).
        text = re.sub(r"(?i)(bearer\s+)[A-Za-z0-9\-._~+/=]+", r"\1***", text)
        return re.sub(
            r"(?i)\b(access_token|refresh_token|id_token|code|code_verifier|client_secret|"
            r"state|nonce)=[^&\s'\"]+",
            r"\1=***",
            text,
        )


def hint_for(
    exc: BaseException, *, command: str = "lexoffice-auth", profile: str | None = None
) -> str | None:
    """What the user can do about ``exc``.

    ``command`` is the command that failed (``lexoffice-auth invoices list``), for a
    pointer to its ``--help``; ``profile`` the profile it used, kept in a re-login hint.
    """
    login = "lexoffice-auth login"
    if profile and profile != "default":
        login = f"lexoffice-auth --profile {shlex.quote(profile)} login"
    if isinstance(exc, errors.ApiKeyRejected):
        return (
            f"the API key was rejected: create a new one in lexoffice and run `{login} --api-key`"
        )
    if isinstance(exc, errors.ReauthenticationRequired):
        if login != "lexoffice-auth login":
            return f"run `{login}`"
        return f"run `{login}` (add --profile NAME for another account)"
    if isinstance(exc, errors.Unauthorized):
        return f"the credentials were refused: run `{login}`"
    if isinstance(exc, errors.Forbidden):
        return "the key or login lacks the scope or rights for this call"
    if isinstance(exc, errors.NotFound):
        return "check the id (and --api-base)"
    if isinstance(exc, errors.RateLimited):
        return "lexoffice allows about 2 requests per second: wait a moment and retry"
    if isinstance(exc, errors.ServerError):
        return "lexoffice had a problem: retry later"
    if isinstance(exc, errors.AuthorizationDenied):
        return "the login was denied or cancelled in the browser: run login again"
    if isinstance(exc, errors.LoginError):
        if isinstance(exc, CallbackTimeout):
            return (
                "run login again (--timeout SECONDS waits longer); without a browser on this "
                "machine use --paste"
            )
        return f"run `{login}` again"
    if isinstance(exc, errors.DiscoveryError) and "trailing slash" in str(exc):
        return "pass --issuer exactly as the provider's discovery document spells it"
    if isinstance(exc, errors.DiscoveryError):
        return (
            "check --issuer; lexoffice's own partner OAuth has no discovery document: "
            "use --lexoffice-partner"
        )
    if isinstance(exc, errors.RevocationError):
        return "the provider did not revoke the token; it stays valid until it expires"
    if isinstance(exc, errors.TokenEndpointError):
        return "check --client-id and --client-secret; if it persists, log in again"
    if isinstance(exc, errors.NetworkError):
        return "check your network connection, --issuer and --api-base"
    if isinstance(exc, errors.IdTokenError):
        return "the provider's id_token failed a check; check --issuer and the clock"
    if isinstance(exc, errors.TokenStoreError):
        return "check the token store file (--store or LEXOFFICE_TOKEN_STORE)"
    if isinstance(exc, errors.ConfigurationError):
        return f"see `{command} --help`"
    if isinstance(exc, errors.ApiError):
        return "see --debug for lexoffice's details"
    return None


def describe(
    exc: BaseException,
    redact: Redactor,
    *,
    debug: bool,
    command: str = "lexoffice-auth",
    profile: str | None = None,
) -> list[str]:
    """The lines to print for ``exc``: the message, a hint, and with ``debug`` details."""
    if isinstance(exc, errors.LexofficeAuthError):
        lines = [f"error: {redact(str(exc)) or type(exc).__name__}"]
    else:
        lines = [f"unexpected error: {type(exc).__name__}: {redact(str(exc))}"]
    hint = hint_for(exc, command=command, profile=profile)
    if hint is None and not isinstance(exc, errors.LexofficeAuthError):
        hint = "run again with --debug and report the details"
    if hint:
        lines.append(f"hint: {hint}")
    if debug:
        lines.append(f"debug: {type(exc).__module__}.{type(exc).__qualname__}")
        for name, value in sorted(vars(exc).items()):
            shown = "***" if _SECRET_NAMES.search(name) and name != "status_code" else value
            if name in ("error", "error_description", "error_uri", "trace_id"):
                shown = value
            lines.append(f"debug:   {name} = {redact(repr(shown))}")
        cause = exc.__cause__ or exc.__context__
        while cause is not None:
            lines.append(f"debug: caused by {type(cause).__name__}: {redact(str(cause))}")
            cause = cause.__cause__ or cause.__context__
        for frame in traceback.extract_tb(exc.__traceback__):
            lines.append(f"debug:   at {frame.filename}:{frame.lineno} in {frame.name}")
    # Messages carry server text (an error_description, an API message): no terminal controls.
    return [escape_controls(line) for line in lines]


class RedactingHandler(logging.Handler):
    """Writes the SDK's log records through the redactor (for ``--debug``)."""

    def __init__(self, write: Callable[[str], None], redact: Redactor) -> None:
        super().__init__(logging.DEBUG)
        self._write = write
        self._redact = redact

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = f"debug: {record.name}: {self._redact(record.getMessage())}"
            self._write(escape_controls(line))
        except Exception:  # pragma: no cover - logging must never break the command
            self.handleError(record)
