"""``lexoffice-auth sandbox``: serve the sandbox on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import json
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
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    default=False,
    help="Print the sandbox's addresses, client id and API key as one JSON line.",
)
def sandbox(no_rate_limit: bool, as_json: bool) -> None:
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
            if as_json:
                about = {
                    "issuer": base,
                    "api_base": base,
                    "client_id": DEFAULT_CLIENT_ID,
                    "redirect_uri": "http://127.0.0.1/callback",
                    "api_key": key,
                }
                click.echo(json.dumps(about))
            else:
                _print_usage(base, key, DEFAULT_CLIENT_ID)
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
            click.echo("Sandbox stopped.", err=True)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _print_usage(base: str, key: str, client_id: str) -> None:
    click.echo(f"Sandbox on {base} (loopback only; Ctrl-C to stop)")
    click.echo(f"  issuer:     {base}")
    click.echo(f"  API base:   {base}")
    click.echo(f"  client id:  {client_id} (public; redirect http://127.0.0.1/callback, any port)")
    click.echo(f"  API key:    {key}")
    click.echo("Try it:")
    click.echo(
        f"  export LEXOFFICE_ISSUER={base} LEXOFFICE_CLIENT_ID={client_id} "
        f"LEXOFFICE_API_BASE={base}"
    )
    click.echo("  lexoffice-auth --profile sandbox login --no-browser")
    click.echo("  lexoffice-auth --profile sandbox contacts list")
