"""``lexoffice-auth token``: print a valid access token and nothing else."""

from __future__ import annotations

import json

import click

from .._profile import Profile
from ._context import State, run, say, shared_options

__all__ = ["token"]

DPOP_HINT = (
    "note: this token is DPoP-bound: send it as `Authorization: DPoP TOKEN` with a proof "
    "per request (`lexoffice-auth dpop-proof METHOD URL`)"
)


@click.command()
@shared_options
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    default=False,
    help='Print {"access_token", "token_type", "source"} as JSON instead of the bare token.',
)
def token(as_json: bool) -> None:
    """Print a valid access token (refreshed if needed) and nothing else.

    \b
    curl -H "Authorization: Bearer $(lexoffice-auth token)" https://api.lexware.io/v1/ping
    An API key in LEXOFFICE_API_KEY or the config file (api_key) is printed as is.
    A DPoP-bound token (login --dpop or --fapi2) needs a proof with each request: see
    `lexoffice-auth dpop-proof --help`.
    """

    async def main(state: State) -> None:
        settings = state.settings()
        key = settings.api_key
        if key:
            click.echo(_shown(key, "Bearer", "api_key", as_json))
            return
        profile = await Profile.load(settings)
        state.redact.add(profile.secret)
        valid = await profile.access_token(settings)
        state.redact.add(valid.value)
        if valid.token_type == "DPoP" and not as_json:
            say(DPOP_HINT)  # stderr: `$(lexoffice-auth token)` still captures the token only
        click.echo(_shown(valid.value, valid.token_type, "oauth", as_json))

    run(main)


def _shown(value: str, token_type: str, source: str, as_json: bool) -> str:
    if not as_json:
        return value
    return json.dumps({"access_token": value, "token_type": token_type, "source": source})
