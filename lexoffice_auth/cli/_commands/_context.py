"""What every command shares: the common options, their state, running and stderr.

Commands are plain click commands; ``run`` runs their async body under anyio and
turns a failure into one redacted line and a hint on stderr (the exit status says
which kind of failure: ``EXIT_CODES``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import click

from lexoffice_auth.rules import escape_controls

from .._errors import RedactingHandler, Redactor, describe, exit_code_for
from .._settings import Settings

if TYPE_CHECKING:
    from lexoffice_auth import TokenSet

__all__ = ["State", "run", "say", "secrets_of", "shared_options"]


@dataclass
class State:
    """Options shared by the group and every command (a command's own flag wins)."""

    flags: dict[str, Any] = field(default_factory=dict)
    debug: bool = False
    redact: Redactor = field(default_factory=Redactor)

    def settings(self, **command_flags: Any) -> Settings:
        flags = {**self.flags, **{k: v for k, v in command_flags.items() if v is not None}}
        config = flags.pop("config", None)
        settings = Settings(flags=flags, config_path=Path(config) if config else None)
        self.redact.add(settings.get("client_secret"), settings.api_key)
        if command_flags.get("client_secret"):
            # argv is readable by every local user (ps, /proc/PID/cmdline).
            say(
                "warning: --client-secret on the command line is visible to other local "
                "users; prefer LEXOFFICE_CLIENT_SECRET, LEXOFFICE_CLIENT_SECRET_FILE or "
                "the prompt"
            )
        return settings


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    state = ctx.ensure_object(State)
    if param.name == "debug":
        state.debug = state.debug or bool(value)
    elif value is not None and param.name is not None:
        state.flags[param.name] = value
    return value


def shared_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--profile, --store, --config and --debug, on the group and on every command."""
    options = [
        click.option(
            "--profile",
            metavar="NAME",
            expose_value=False,
            callback=_remember,
            help="Account to use (several can be logged in) [env LEXOFFICE_PROFILE; "
            "default: default].",
        ),
        click.option(
            "--store",
            metavar="PATH",
            type=click.Path(dir_okay=False),
            expose_value=False,
            callback=_remember,
            help="Token store file [env LEXOFFICE_TOKEN_STORE; default: in the user data "
            "directory].",
        ),
        click.option(
            "--config",
            metavar="PATH",
            type=click.Path(dir_okay=False),
            expose_value=False,
            callback=_remember,
            help="TOML config file [env LEXOFFICE_CONFIG; default: config.toml in the user "
            "config directory].",
        ),
        click.option(
            "--debug",
            is_flag=True,
            default=False,
            expose_value=False,
            callback=_remember,
            help="Show redacted details of errors and the SDK's log.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _command_line(ctx: click.Context) -> str:
    """``lexoffice-auth invoices list``: the command as typed, whatever the program name."""
    return " ".join(["lexoffice-auth", *ctx.command_path.split()[1:]])


def run(main: Callable[[State], Awaitable[None]]) -> None:
    """Run ``main`` under anyio; a failure is one line and a hint on stderr, and the
    exit status of its class (``exit_code_for`` in ``cli._errors``)."""
    ctx = click.get_current_context()
    state = ctx.ensure_object(State)
    handler: RedactingHandler | None = None
    logger = logging.getLogger("lexoffice_auth")
    if state.debug:
        handler = RedactingHandler(lambda line: click.echo(line, err=True), state.redact)
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        anyio.run(main, state)
    except (click.exceptions.Exit, click.ClickException, click.Abort):
        raise
    except Exception as exc:
        profile = state.flags.get("profile") or os.environ.get("LEXOFFICE_PROFILE")
        lines = describe(
            exc, state.redact, debug=state.debug, command=_command_line(ctx), profile=profile
        )
        for line in lines:
            click.echo(f"lexoffice-auth: {line}", err=True)
        ctx.exit(exit_code_for(exc))
    finally:
        if handler is not None:
            logger.removeHandler(handler)


client_secret_option = click.option(
    "--client-secret",
    metavar="SECRET",
    help="Client secret of a confidential client; never stored. Visible to other local users "
    "on the command line: prefer LEXOFFICE_CLIENT_SECRET or LEXOFFICE_CLIENT_SECRET_FILE.",
)


def say(text: str = "") -> None:
    """A message for the user, on stderr (stdout is for data); control characters escaped."""
    click.echo("\n".join(escape_controls(line) for line in text.split("\n")), err=True)


def out(text: str = "") -> None:
    """A line of data on stdout, control characters (from server text) escaped."""
    click.echo(escape_controls(text))


def secrets_of(tokens: TokenSet) -> str:
    """The secret of ``tokens`` to redact from every message."""
    return tokens.access_token.get_secret_value()
