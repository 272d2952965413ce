"""``lexoffice-auth logout``: revoke at the provider when it can, delete from the store."""

from __future__ import annotations

import click

from lexoffice_auth import LexofficeAuthError
from lexoffice_auth.errors import ConfigurationError, RevocationError

from .._profile import Profile
from ._context import State, run, say, secrets_of, shared_options

__all__ = ["logout"]


@click.command()
@shared_options
def logout() -> None:
    """Revoke the tokens at the provider (when it can) and delete them from the store."""

    async def main(state: State) -> None:
        settings = state.settings()
        profile = await Profile.load(settings)
        tokens = profile.tokens
        if tokens is None:
            say(f"Not logged in (profile {profile.name!r}); nothing to do.")
            return
        state.redact.add(secrets_of(tokens))
        if profile.kind == "oauth" and profile.marker.get("provider") == "lexoffice-partner":
            say(
                "lexoffice's partner OAuth documents no token revocation: the tokens are "
                "only deleted here (disconnect the app in lexoffice to end the grant)."
            )
        elif profile.kind == "oauth":
            try:
                async with profile.oauth(settings) as oauth:
                    await oauth.revoke(tokens)
                say("Tokens revoked at the provider.")
            except (RevocationError, ConfigurationError, LexofficeAuthError) as exc:
                say(f"warning: not revoked at the provider: {state.redact(str(exc))}")
        elif profile.kind == "api_key":
            say(
                "An API key cannot be revoked from here: delete or renew it in lexoffice's "
                "API key management if it should stop working."
            )
        await profile.store.delete(profile.name)
        say(f"Logged out: profile {profile.name!r} deleted from {profile.store.path}")

    run(main)
