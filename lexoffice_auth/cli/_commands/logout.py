"""``lexoffice-auth logout``: revoke at the provider when it can, delete from the store."""

from __future__ import annotations

import sys

import click

from lexoffice_auth import LexofficeAuthError
from lexoffice_auth.errors import ConfigurationError

from .._profile import Profile
from .._settings import Settings
from ._context import State, client_secret_option, run, say, secrets_of, shared_options

__all__ = ["logout"]


@click.command()
@client_secret_option
@click.option(
    "--client-secret-stdin",
    is_flag=True,
    default=False,
    help="Read the client secret from the first line of stdin (for scripts).",
)
@click.option(
    "--local-only",
    is_flag=True,
    default=False,
    help="Delete the tokens here without revoking them (they stay valid until they expire).",
)
@shared_options
def logout(client_secret: str | None, client_secret_stdin: bool, local_only: bool) -> None:
    """Revoke the tokens at the provider (when it can) and delete them from the store.

    A confidential client's secret comes from LEXOFFICE_CLIENT_SECRET, the config file,
    LEXOFFICE_CLIENT_SECRET_FILE (a secret store's file), --client-secret-stdin, or a
    prompt. When revocation fails the tokens are kept and the exit status is 1, unless
    --local-only is given.
    """

    async def main(state: State) -> None:
        settings = state.settings(client_secret=client_secret)
        profile = await Profile.load(settings)
        tokens = profile.tokens
        if tokens is None:
            say(f"Not logged in (profile {profile.name!r}); nothing to do.")
            return
        state.redact.add(secrets_of(tokens))
        if local_only:
            say("Not revoked (--local-only): the tokens stay valid until they expire.")
        elif profile.kind == "oauth" and profile.marker.get("provider") == "lexoffice-partner":
            say(
                "lexoffice's partner OAuth documents no token revocation: the tokens are "
                "only deleted here (disconnect the app in lexoffice to end the grant)."
            )
        elif profile.kind == "oauth":
            _ask_for_secret(settings, state, profile, from_stdin=client_secret_stdin)
            try:
                async with profile.oauth(settings) as oauth:
                    await oauth.revoke(tokens)
            except LexofficeAuthError as exc:
                raise LexofficeAuthError(
                    f"not revoked at the provider ({state.redact(str(exc))}); the tokens are "
                    "kept: retry with the client secret, or delete them here only with "
                    "`lexoffice-auth logout --local-only`"
                ) from None
            say("Tokens revoked at the provider.")
        elif profile.kind == "api_key":
            say(
                "An API key cannot be revoked from here: delete or renew it in lexoffice's "
                "API key management if it should stop working."
            )
        await profile.store.delete(profile.name)
        say(f"Logged out: profile {profile.name!r} deleted from {profile.store.path}")

    run(main)


def _ask_for_secret(
    settings: Settings, state: State, profile: Profile, *, from_stdin: bool
) -> None:
    """Find a confidential client's secret: stdin if asked, else a prompt on a terminal."""
    if settings.client_secret is not None:
        state.redact.add(settings.client_secret)
        return
    if from_stdin:
        secret = sys.stdin.readline().strip()
    elif profile.marker.get("confidential") is True and sys.stdin.isatty():
        secret = click.prompt("Client secret", hide_input=True, err=True).strip()
    elif profile.marker.get("confidential") is True:
        raise ConfigurationError(
            "this login used a confidential client: revoking needs its secret "
            "(LEXOFFICE_CLIENT_SECRET, LEXOFFICE_CLIENT_SECRET_FILE, --client-secret-stdin or "
            "the prompt on a terminal); the tokens are kept. "
            "`lexoffice-auth logout --local-only` deletes them here only"
        )
    else:
        return  # a public client: revoke without a secret
    if secret:
        state.redact.add(secret)
        settings.flags["client_secret"] = secret
