"""``lexoffice-auth sandbox``: serve the sandbox on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import sys

import click

from lexoffice_auth import LexofficeAuthError

__all__ = ["sandbox"]


@click.command()
@click.option(
    "--no-rate-limit",
    is_flag=True,
    default=False,
    help="Switch off the sandbox's 2 requests/second limit.",
)
def sandbox(no_rate_limit: bool) -> None:
    """Serve the sandbox (fake provider + lexoffice-like API) on 127.0.0.1 until Ctrl-C.

    It prints its issuer, API base, client id and an API key it created, so every other
    command can be tried without an account. Its URLs and OpenID Connect are stand-ins,
    not lexoffice's.
    """
    import signal
    import threading

    from lexoffice_auth.testing import DEFAULT_CLIENT_ID, FakeLexoffice

    fake = FakeLexoffice(rate_limit=None if no_rate_limit else 2.0)
    key = fake.add_api_key()
    contact = fake.add_contact(name="Musterkunde AG", email="einkauf@musterkunde.example")
    fake.add_invoice(contact_id=contact)
    fake.add_invoice(contact_id=contact, status="draft")
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        try:
            server = fake.serve()
            base = server.start()
        except LexofficeAuthError as exc:
            click.echo(f"lexoffice-auth: error: {exc}", err=True)
            sys.exit(1)
        try:
            click.echo(f"Sandbox on {base} (loopback only; Ctrl-C to stop)")
            click.echo(f"  issuer:     {base}")
            click.echo(f"  API base:   {base}")
            click.echo(
                f"  client id:  {DEFAULT_CLIENT_ID} "
                "(public; redirect http://127.0.0.1/callback, any port)"
            )
            click.echo(f"  API key:    {key}")
            click.echo("Try it:")
            click.echo(
                f"  export LEXOFFICE_ISSUER={base} LEXOFFICE_CLIENT_ID={DEFAULT_CLIENT_ID} "
                f"LEXOFFICE_API_BASE={base}"
            )
            click.echo("  lexoffice-auth --profile sandbox login --no-browser")
            click.echo("  lexoffice-auth --profile sandbox contacts list")
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
            click.echo("Sandbox stopped.", err=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
