"""The ``lexoffice-auth`` command line; needs the ``cli`` extra (``lexoffice-auth[cli]``).

The library itself never imports this package, so neither click nor platformdirs loads
for a library user (httpx imports click whenever it is importable; keeping click out of
the core install keeps ``import httpx`` as fast as it is without us).

``main`` is the console script. Without click installed it prints how to install
the extra and exits with status 2, instead of a traceback.
"""

from __future__ import annotations

import sys

__all__ = ["main"]

_MISSING_CLICK = (
    'lexoffice-auth: the command line needs the "cli" extra: pip install "lexoffice-auth[cli]"'
)


def main(args: list[str] | None = None) -> None:
    """Run the ``lexoffice-auth`` command (``args`` default to ``sys.argv[1:]``)."""
    try:
        from ._commands import cli
    except ImportError as exc:
        if exc.name is None or exc.name.partition(".")[0] != "click":
            raise
        print(_MISSING_CLICK, file=sys.stderr)
        raise SystemExit(2) from None
    cli.main(args=args, prog_name="lexoffice-auth")
