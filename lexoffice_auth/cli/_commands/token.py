"""``lexoffice-auth token``: print a valid access token and nothing else."""

from __future__ import annotations

import click

from .._profile import Profile
from ._context import State, run, secrets_of, shared_options

__all__ = ["token"]


@click.command()
@shared_options
def token() -> None:
    """Print a valid access token (refreshed if needed) and nothing else.

    \b
    curl -H "Authorization: Bearer $(lexoffice-auth token)" https://api.lexware.io/v1/ping
    An API key in LEXOFFICE_API_KEY or the config file (api_key) is printed as is.
    """

    async def main(state: State) -> None:
        settings = state.settings()
        key = settings.api_key
        if key:
            click.echo(key)
            return
        profile = await Profile.load(settings)
        if profile.tokens is not None:
            state.redact.add(secrets_of(profile.tokens))
        value = await profile.access_token(settings)
        state.redact.add(value)
        click.echo(value)

    run(main)
