"""``lexoffice-auth dpop-proof METHOD URL``: a DPoP proof for one request, for curl."""

from __future__ import annotations

import json

import click

from lexoffice_auth.errors import ConfigurationError

from .._profile import Profile
from ._context import State, run, shared_options

__all__ = ["dpop_proof"]


@click.command("dpop-proof")
@click.argument("method")
@click.argument("url")
@click.option(
    "--nonce",
    metavar="NONCE",
    help="The server's DPoP-Nonce (from its last answer's DPoP-Nonce header), if it asks for one.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    default=False,
    help='Print {"access_token", "token_type", "dpop"}: the token and its proof together.',
)
@shared_options
def dpop_proof(method: str, url: str, nonce: str | None, as_json: bool) -> None:
    """Print a fresh DPoP proof for one request with the stored DPoP-bound token.

    \b
    Signed by the key the token is bound to, for METHOD and URL (its query is left
    out), with the access token's hash (ath); one proof per request:
      curl -H "Authorization: DPoP $(lexoffice-auth token)" \\
           -H "DPoP: $(lexoffice-auth dpop-proof GET https://rs.example/v1/ping)" \\
           https://rs.example/v1/ping
    """

    async def main(state: State) -> None:
        import time

        settings = state.settings()
        if settings.api_key:  # `token` prints it instead of the stored login: no proof fits
            raise ConfigurationError(
                f"an API key ({settings.api_key_origin()}) is used instead of the token store; "
                "an API key needs no DPoP proof"
            )
        profile = await Profile.load(settings)
        state.redact.add(profile.secret)
        valid = await profile.access_token(settings)
        state.redact.add(valid.value)
        key = valid.stored.dpop_key
        if valid.token_type != "DPoP" or key is None:
            raise ConfigurationError(
                f"profile {profile.name!r} holds a token of type Bearer, which needs no DPoP "
                "proof "
                "(log in with --dpop or --fapi2 for a DPoP-bound token)"
            )
        proof = key.proof(
            method.upper(), url, now=time.time(), nonce=nonce, access_token=valid.value
        )
        if as_json:
            shown = {"access_token": valid.value, "token_type": "DPoP", "dpop": proof}
            click.echo(json.dumps(shown))
        else:
            click.echo(proof)

    run(main)
