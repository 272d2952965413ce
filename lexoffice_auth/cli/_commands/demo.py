"""``lexoffice-auth demo``: the whole flow against the embedded sandbox."""

from __future__ import annotations

import sys

import anyio
import click

from lexoffice_auth import LexofficeAuthError

__all__ = ["demo"]


@click.command()
@click.option(
    "--in-process",
    is_flag=True,
    help="Run the sandbox through httpx.MockTransport instead of a server on 127.0.0.1.",
)
@click.option(
    "--burst",
    type=click.IntRange(1, 1000),
    default=50,
    show_default=True,
    help="How many concurrent calls share the refresh after the token expires.",
)
def demo(in_process: bool, burst: int) -> None:
    """Run the two usual starts against the embedded sandbox (no account, loopback only).

    First an API key, then the OAuth login: discovery, login with PKCE, code exchange,
    id_token check; each calls contacts and invoices through LexofficeClient. Then the
    access token expires under a concurrent burst that shares one refresh, and logout.
    """
    served = not in_process
    if served:
        try:
            import uvicorn  # noqa: F401
        except ImportError:
            click.echo("(uvicorn is not installed: running the sandbox in process)", err=True)
            served = False
    click.echo("lexoffice-auth demo: the whole flow against the embedded sandbox")
    click.echo("(the sandbox is a stand-in: its URLs and OpenID Connect are not lexoffice's)")
    click.echo("")
    from .._demo import run_demo

    try:
        anyio.run(lambda: run_demo(click.echo, served=served, burst=burst))
    except LexofficeAuthError as exc:
        click.echo(f"\ndemo failed: {exc}", err=True)
        sys.exit(1)
    except Exception as exc:  # the demo must end with a message, never a traceback
        click.echo(f"\ndemo failed unexpectedly: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
