"""A click group that imports a command's module only when that command runs.

``lexoffice-auth --help`` and ``$(lexoffice-auth token)`` are typed often and in scripts:
loading every command (the API models, pydantic, the sandbox) for them would multiply
their start-up time. The group lists its commands from a table of names and one-line
helps (checked against the real commands in ``tests/cli``) and imports a command's
module when it is looked up to run.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import click

__all__ = ["LazyCommand", "LazyGroup"]


@dataclass(frozen=True)
class LazyCommand:
    """Where a command lives: ``module`` (relative to this package), ``attribute``, help."""

    module: str
    attribute: str
    short_help: str

    def load(self, name: str) -> click.Command:
        """Import the module and return the command (a factory's result is searched by name)."""
        found: Any = getattr(importlib.import_module(self.module, __package__), self.attribute)
        if isinstance(found, click.Command):
            return found
        commands: tuple[click.Command, ...] = found()
        return next(command for command in commands if command.name == name)


class LazyGroup(click.Group):
    """A ``click.Group`` whose commands come from ``lazy``, loaded on first use."""

    def __init__(self, *args: Any, lazy: Mapping[str, LazyCommand], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            self.add_command(self.lazy_commands[cmd_name].load(cmd_name), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click would load every command for its short help; the table has them.
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            # An unloaded command is stood in for by a bare one with the same help text, so
            # click shortens both alike.
            shown = self.commands.get(name) or click.Command(
                name, help=self.lazy_commands[name].short_help
            )
            rows.append((name, shown.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)
