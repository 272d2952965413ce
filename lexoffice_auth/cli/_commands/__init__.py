"""The ``lexoffice-auth`` click group and its commands (imported by ``cli.main`` only).

Every command uses the SDK's public API only. Data (a token, tables, JSON) goes to
stdout; messages, the login URL and errors go to stderr, so ``$(lexoffice-auth token)``
captures the token and nothing else.

One module per command or command group; a new group (say ``quotations``) is a module
defining a click command or group and one line in ``COMMANDS``.
"""

from __future__ import annotations

import click

from ._context import shared_options
from .contacts import contacts
from .demo import demo
from .files import files
from .login import login
from .logout import logout
from .sales_vouchers import sales_voucher_groups
from .sandbox import sandbox
from .status import status
from .token import token

__all__ = ["COMMANDS", "cli"]

#: Every top-level command and command group of ``lexoffice-auth`` (help lists them sorted).
COMMANDS: tuple[click.Command, ...] = (
    login,
    token,
    status,
    logout,
    contacts,
    files,
    *sales_voucher_groups(),
    sandbox,
    demo,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lexoffice-auth", prog_name="lexoffice-auth")
@shared_options
def cli() -> None:
    """Log in to lexoffice (Lexware Office) and keep tokens fresh.

    Log in once (`login` with a browser, `login --api-key` with a lexoffice API key),
    then script: `curl -H "Authorization: Bearer $(lexoffice-auth token)" ...`.
    Try everything without an account: run `lexoffice-auth sandbox` in one terminal.

    Settings come from flags, then LEXOFFICE_* environment variables, then the config
    file; see docs/cli.md.
    """


for _command in COMMANDS:
    cli.add_command(_command)
