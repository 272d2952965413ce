"""``lexoffice-auth login``: browser login (loopback or pasted code) or an API key."""

from __future__ import annotations

import sys
import webbrowser
from contextlib import AsyncExitStack
from typing import Any

import anyio
import anyio.to_thread
import click

from lexoffice_auth import OAuthClient, TokenSet
from lexoffice_auth.errors import ConfigurationError

from .._errors import Redactor
from .._fapi import AUTH_METHODS, FapiOptions
from .._loopback import LoopbackReceiver, _duration
from .._profile import build_oauth, mark, partner_paste_redirect_uri
from .._settings import Settings
from ._context import State, client_secret_option, run, say, shared_options

__all__ = ["login"]

CALLBACK_PATH = "/callback"


@click.command()
@click.option("--issuer", metavar="URL", help="OpenID provider with discovery [LEXOFFICE_ISSUER].")
@click.option("--client-id", metavar="ID", help="OAuth client id [LEXOFFICE_CLIENT_ID].")
@client_secret_option
@click.option(
    "--scope",
    "scopes",
    metavar="SCOPE",
    multiple=True,
    help="Scope to ask for; repeat for several [LEXOFFICE_SCOPES; default for --issuer: "
    "openid email profile].",
)
@click.option(
    "--redirect-port",
    type=click.IntRange(1, 65535),
    help="Fixed loopback port, for providers that need a registered one "
    "[LEXOFFICE_REDIRECT_PORT; default: an ephemeral port].",
)
@click.option(
    "--redirect-uri",
    metavar="URI",
    help="Redirect URI for --paste [default: lexoffice's code page with --lexoffice-partner, "
    "else http://127.0.0.1/callback].",
)
@click.option(
    "--lexoffice-partner",
    is_flag=True,
    default=False,
    help="lexoffice's partner OAuth (static endpoints, no discovery); implies --paste "
    "unless --redirect-port is given.",
)
@click.option("--api-key", "api_key", is_flag=True, default=False, help="Store an API key.")
@click.option(
    "--api-base",
    metavar="URL",
    help="API base URL to remember for this profile (e.g. the sandbox) [LEXOFFICE_API_BASE].",
)
@click.option("--no-browser", is_flag=True, default=False, help="Only print the login URL.")
@click.option(
    "--paste",
    is_flag=True,
    default=False,
    help="Paste the code (or the whole redirect URL) instead of a loopback callback.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 3600),
    default=300,
    show_default=True,
    help="Seconds to wait for the browser.",
)
@click.option(
    "--par/--no-par",
    default=None,
    help="Push the authorization request first (PAR, RFC 9126) [LEXOFFICE_PAR; default: "
    "when the provider requires it].",
)
@click.option(
    "--dpop/--no-dpop",
    default=None,
    help="Bind the tokens to a key made for this login (DPoP, RFC 9449); the key is kept "
    "with the tokens [LEXOFFICE_DPOP].",
)
@click.option(
    "--client-key",
    "client_key_file",
    metavar="PATH",
    type=click.Path(dir_okay=False),
    help="The client's private key (PEM or JWK file, mode 600) for private_key_jwt; "
    "remembered by its path, never copied [LEXOFFICE_CLIENT_KEY_FILE].",
)
@click.option(
    "--client-key-id",
    metavar="KID",
    help="The kid of --client-key, if the file has none [LEXOFFICE_CLIENT_KEY_ID].",
)
@click.option(
    "--auth-method",
    type=click.Choice(AUTH_METHODS),
    help="Client authentication at the token endpoint, e.g. client_secret_jwt (an HMAC "
    "of the client secret) [LEXOFFICE_AUTH_METHOD; default: private_key_jwt with "
    "--client-key, else what the provider takes].",
)
@click.option(
    "--fapi2",
    is_flag=True,
    default=False,
    help="The FAPI 2.0 Security Profile: PAR, DPoP and private_key_jwt (needs --client-key) "
    "[LEXOFFICE_FAPI2].",
)
@click.option(
    "--no-verify",
    is_flag=True,
    default=False,
    help="With --api-key: store the key without checking it at GET /v1/ping.",
)
@shared_options
def login(
    issuer: str | None,
    client_id: str | None,
    client_secret: str | None,
    scopes: tuple[str, ...],
    redirect_port: int | None,
    redirect_uri: str | None,
    lexoffice_partner: bool,
    api_key: bool,
    api_base: str | None,
    no_browser: bool,
    paste: bool,
    timeout: float,
    no_verify: bool,
    par: bool | None,
    dpop: bool | None,
    client_key_file: str | None,
    client_key_id: str | None,
    auth_method: str | None,
    fapi2: bool,
) -> None:
    """Log in and store the tokens (browser login, or --api-key).

    \b
    Browser login (RFC 8252): listens on 127.0.0.1 for the callback, opens the
    browser and prints the URL:
      lexoffice-auth login --issuer https://id.example --client-id my-cli
    lexoffice partner OAuth (the code is shown on lexoffice's page; paste it):
      lexoffice-auth login --lexoffice-partner --client-id ID --client-secret S \\
          --scope contacts.read --scope vouchers.read
    A lexoffice API key (prompted without echo, or read from stdin):
      lexoffice-auth login --api-key
    FAPI 2.0 (PAR, DPoP-bound tokens, private_key_jwt):
      lexoffice-auth login --issuer https://bank.example --client-id my-cli \
          --client-key ~/.config/lexoffice-auth/client-key.pem --fapi2
    """
    fapi_flags = {
        "par": par,
        "dpop": dpop,
        "client_key_file": client_key_file,
        "client_key_id": client_key_id,
        "auth_method": auth_method,
        "fapi2": fapi2 or None,
    }
    provider_flags = issuer or client_id or client_secret or scopes or lexoffice_partner
    if api_key and (provider_flags or paste or redirect_port or redirect_uri):
        raise click.UsageError("--api-key takes no provider, --paste or redirect options")
    if api_key and any(v is not None for v in fapi_flags.values()):
        raise click.UsageError(
            "--api-key takes no --par, --dpop, --client-key, --auth-method or --fapi2"
        )
    if lexoffice_partner and issuer:
        raise click.UsageError("--lexoffice-partner and --issuer exclude each other")
    if fapi2 and par is False:
        raise click.UsageError("--fapi2 requires PAR: drop --no-par")
    if fapi2 and dpop is False:
        raise click.UsageError("--fapi2 requires DPoP: drop --no-dpop")
    if fapi2 and auth_method not in (None, "private_key_jwt"):
        raise click.UsageError(f"--fapi2 requires private_key_jwt, not --auth-method {auth_method}")
    flags = {
        "issuer": issuer,
        "client_id": client_id,
        "client_secret": client_secret,
        "scopes": scopes or None,
        "redirect_port": redirect_port,
        "redirect_uri": redirect_uri,
        "api_base": api_base,
        "provider": "lexoffice-partner" if lexoffice_partner else None,
        **fapi_flags,
    }

    async def main(state: State) -> None:
        settings = state.settings(**flags)
        if api_key:
            await _login_api_key(settings, state.redact, verify=not no_verify)
            return
        provider = settings.provider
        if provider != "lexoffice-partner":
            try:  # before the browser opens: a missing key is a usage error, not a login's
                FapiOptions.from_settings(settings)
            except ConfigurationError as exc:
                raise click.UsageError(str(exc), click.get_current_context()) from None
        use_paste = paste or (provider == "lexoffice-partner" and settings.redirect_port is None)
        if use_paste:
            await _login_paste(settings, state.redact, provider, no_browser=no_browser)
        else:
            await _login_loopback(settings, state.redact, provider, no_browser, timeout)

    run(main)


def _read_secret(prompt: str) -> str:
    """A line from stdin when it is not a terminal, else a prompt without echo."""
    stream = sys.stdin
    if not stream.isatty():
        return stream.readline().strip()
    value: str = click.prompt(prompt, hide_input=True, err=True)
    return value.strip()


def _read_line(prompt: str) -> str:
    stream = sys.stdin
    if not stream.isatty():
        say(prompt)
        return stream.readline().strip()
    value: str = click.prompt(prompt, err=True)
    return value.strip()


async def _login_api_key(settings: Settings, redact: Redactor, *, verify: bool) -> None:
    from lexoffice_auth import ApiKeyAuth, FileTokenStore
    from lexoffice_auth.api import API_BASE_URL as DEFAULT_BASE_URL
    from lexoffice_auth.api import LexofficeClient

    key = await anyio.to_thread.run_sync(_read_secret, "lexoffice API key")
    redact.add(key)
    if not key:
        raise ConfigurationError("no API key given")
    api_base = settings.api_base
    base = api_base or DEFAULT_BASE_URL
    auth = ApiKeyAuth(key, api_origins=[base])  # refuses "Bearer ..." and odd characters
    who = ""
    if verify:
        async with LexofficeClient(auth, base_url=base) as lx:
            answer = await lx.request("GET", "/v1/ping")
        try:
            email = answer.json().get("userEmail")
        except (ValueError, AttributeError):
            email = None
        who = f" for {email}" if isinstance(email, str) else ""
    marker: dict[str, Any] = {"kind": "api_key"}
    if api_base:
        marker["api_base"] = api_base
    store = FileTokenStore(settings.store_path)
    await store.save(settings.profile, mark(TokenSet(access_token=key), marker))
    checked = "checked at GET /v1/ping" if verify else "not checked"
    say(f"API key stored{who} ({checked}); profile {settings.profile!r} in {store.path}")


async def _save_login(
    settings: Settings, oauth: OAuthClient, provider: str, tokens: TokenSet, redact: Redactor
) -> None:
    from lexoffice_auth import FileTokenStore

    redact.add(tokens.access_token.get_secret_value())
    marker: dict[str, Any] = {
        "kind": "oauth",
        "provider": provider,
        "issuer": oauth.issuer,
        "client_id": oauth.client_id,
        "redirect_uri": oauth.redirect_uri,
        "scopes": list(oauth.scopes),
        # No secret, only whether there is one: logout then knows to ask for it.
        "confidential": oauth.config.client_secret is not None,
    }
    if provider != "lexoffice-partner":
        # Always recorded (if empty): later commands rebuild this login's client, whatever
        # the environment then says.
        marker["fapi"] = FapiOptions.from_settings(settings).marker()
    if api_base := settings.api_base:
        marker["api_base"] = api_base
    store = FileTokenStore(settings.store_path)
    await store.save(settings.profile, mark(tokens, marker))
    claims = tokens.id_claims
    who = f" as {claims.email or claims.sub}" if claims is not None else ""
    say(f"Logged in to {oauth.issuer}{who}; profile {settings.profile!r} saved in {store.path}")


def _open_browser(url: str, no_browser: bool) -> None:
    say("Open this URL in your browser to log in:")
    say(f"  {url}")
    if no_browser:
        return
    try:
        opened = webbrowser.open(url)
    except Exception:  # a broken browser setup must not end the login
        opened = False
    if not opened:
        say("(could not open a browser: open the URL above yourself)")


async def _login_loopback(
    settings: Settings, redact: Redactor, provider: str, no_browser: bool, seconds: float
) -> None:
    port = settings.redirect_port or 0
    async with AsyncExitStack() as stack:
        receiver = await stack.enter_async_context(
            LoopbackReceiver[TokenSet](path=CALLBACK_PATH, port=port)
        )
        oauth = await stack.enter_async_context(
            build_oauth(settings, provider=provider, redirect_uri=receiver.redirect_uri)
        )
        pending = await oauth.start_login()
        _open_browser(pending.authorization_url, no_browser)
        say(
            f"Waiting up to {_duration(seconds)} for the browser to come back to "
            f"{receiver.redirect_uri} (Ctrl-C to cancel) ..."
        )
        tty = sys.stderr.isatty()

        def progress(left: float) -> None:
            if tty:
                mins, secs = divmod(int(left), 60)
                click.echo(f"\r  {mins}:{secs:02d} left ", err=True, nl=False)

        async def complete(url: str) -> TokenSet:
            return await oauth.complete_login(url, pending)

        try:
            tokens = await receiver.wait(
                complete,
                within=seconds,
                progress=progress,
                state=pending.state.get_secret_value(),
            )
        finally:
            if tty:
                click.echo("\r" + " " * 20 + "\r", err=True, nl=False)
        await _save_login(settings, oauth, provider, tokens, redact)


async def _login_paste(
    settings: Settings, redact: Redactor, provider: str, *, no_browser: bool
) -> None:
    from lexoffice_auth.presets import lexoffice_partner_metadata

    redirect_uri = settings.get("redirect_uri")
    if redirect_uri is None:
        if provider == "lexoffice-partner":
            base = settings.get("app_base_url") or lexoffice_partner_metadata().issuer
            redirect_uri = partner_paste_redirect_uri(base)
        else:
            port = settings.redirect_port
            redirect_uri = f"http://127.0.0.1{f':{port}' if port else ''}{CALLBACK_PATH}"
    async with build_oauth(settings, provider=provider, redirect_uri=redirect_uri) as oauth:
        pending = await oauth.start_login()
        _open_browser(pending.authorization_url, no_browser)
        if provider == "lexoffice-partner":
            say("After you approve, lexoffice shows an authorization code.")
        else:
            say(
                f"After you approve, the browser goes to {redirect_uri} (the page may not "
                "load): copy the whole address from the address bar."
            )
        answer = await anyio.to_thread.run_sync(
            _read_line, "Paste the code or the whole redirect URL"
        )
        redact.add(answer)
        if not answer:
            raise ConfigurationError("nothing was pasted")
        if "://" in answer:
            tokens = await oauth.complete_login(answer, pending)
        else:
            tokens = await oauth.exchange_code(answer, pending)
        await _save_login(settings, oauth, provider, tokens, redact)


# --- token, status, logout ------------------------------------------------------------------
