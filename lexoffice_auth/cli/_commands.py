"""The ``lexoffice-auth`` click group and its commands (imported by ``cli.main`` only).

Every command uses the SDK's public API only. Data (a token, tables, JSON) goes to
stdout; messages, the login URL and errors go to stderr, so ``$(lexoffice-auth token)``
captures the token and nothing else.
"""

from __future__ import annotations

import json
import sys
import webbrowser
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import click

from lexoffice_auth import LexofficeAuthError, OAuthClient, TokenSet
from lexoffice_auth.errors import ConfigurationError, RevocationError

from ._errors import RedactingHandler, Redactor, describe
from ._loopback import LoopbackReceiver, _duration
from ._profile import Profile, build_oauth, mark, partner_paste_redirect_uri
from ._settings import Settings

__all__ = ["cli"]

T = TypeVar("T")
CALLBACK_PATH = "/callback"


@dataclass
class _State:
    """Options shared by the group and every command (a command's own flag wins)."""

    flags: dict[str, Any] = field(default_factory=dict)
    debug: bool = False
    redact: Redactor = field(default_factory=Redactor)

    def settings(self, **command_flags: Any) -> Settings:
        flags = {**self.flags, **{k: v for k, v in command_flags.items() if v is not None}}
        config = flags.pop("config", None)
        settings = Settings(flags=flags, config_path=Path(config) if config else None)
        self.redact.add(settings.get("client_secret"), settings.api_key)
        return settings


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    state = ctx.ensure_object(_State)
    if param.name == "debug":
        state.debug = state.debug or bool(value)
    elif value is not None and param.name is not None:
        state.flags[param.name] = value
    return value


def _shared(func: Callable[..., Any]) -> Callable[..., Any]:
    """--profile, --store, --config and --debug, on the group and on every command."""
    options = [
        click.option(
            "--profile",
            metavar="NAME",
            expose_value=False,
            callback=_remember,
            help="Account to use (several can be logged in) [env LEXOFFICE_PROFILE; "
            "default: default].",
        ),
        click.option(
            "--store",
            metavar="PATH",
            type=click.Path(dir_okay=False),
            expose_value=False,
            callback=_remember,
            help="Token store file [env LEXOFFICE_TOKEN_STORE; default: in the user data "
            "directory].",
        ),
        click.option(
            "--config",
            metavar="PATH",
            type=click.Path(dir_okay=False),
            expose_value=False,
            callback=_remember,
            help="TOML config file [env LEXOFFICE_CONFIG; default: config.toml in the user "
            "config directory].",
        ),
        click.option(
            "--debug",
            is_flag=True,
            default=False,
            expose_value=False,
            callback=_remember,
            help="Show redacted details of errors and the SDK's log.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _run(main: Callable[[_State], Awaitable[None]]) -> None:
    """Run ``main`` under anyio; a failure is one line and a hint on stderr, exit 1."""
    ctx = click.get_current_context()
    state = ctx.ensure_object(_State)
    handler: RedactingHandler | None = None
    import logging

    logger = logging.getLogger("lexoffice_auth")
    if state.debug:
        handler = RedactingHandler(lambda line: click.echo(line, err=True), state.redact)
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        anyio.run(main, state)
    except (click.exceptions.Exit, click.ClickException, click.Abort):
        raise
    except Exception as exc:
        for line in describe(exc, state.redact, debug=state.debug):
            click.echo(f"lexoffice-auth: {line}", err=True)
        ctx.exit(1)
    finally:
        if handler is not None:
            logger.removeHandler(handler)


def _say(text: str = "") -> None:
    click.echo(text, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lexoffice-auth", prog_name="lexoffice-auth")
@_shared
def cli() -> None:
    """Log in to lexoffice (Lexware Office) and keep tokens fresh.

    Log in once (`login` with a browser, `login --api-key` with a lexoffice API key),
    then script: `curl -H "Authorization: Bearer $(lexoffice-auth token)" ...`.
    Try everything without an account: run `lexoffice-auth sandbox` in one terminal.

    Settings come from flags, then LEXOFFICE_* environment variables, then the config
    file; see docs/cli.md.
    """


# --- login ----------------------------------------------------------------------------------


@cli.command()
@click.option("--issuer", metavar="URL", help="OpenID provider with discovery [LEXOFFICE_ISSUER].")
@click.option("--client-id", metavar="ID", help="OAuth client id [LEXOFFICE_CLIENT_ID].")
@click.option(
    "--client-secret",
    metavar="SECRET",
    help="Client secret of a confidential client [LEXOFFICE_CLIENT_SECRET]; never stored.",
)
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
    "--no-verify",
    is_flag=True,
    default=False,
    help="With --api-key: store the key without checking it at GET /v1/ping.",
)
@_shared
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
    """
    provider_flags = issuer or client_id or client_secret or scopes or lexoffice_partner
    if api_key and (provider_flags or paste or redirect_port or redirect_uri):
        raise click.UsageError("--api-key takes no provider, --paste or redirect options")
    if lexoffice_partner and issuer:
        raise click.UsageError("--lexoffice-partner and --issuer exclude each other")
    flags = {
        "issuer": issuer,
        "client_id": client_id,
        "client_secret": client_secret,
        "scopes": scopes or None,
        "redirect_port": redirect_port,
        "redirect_uri": redirect_uri,
        "api_base": api_base,
        "provider": "lexoffice-partner" if lexoffice_partner else None,
    }

    async def main(state: _State) -> None:
        settings = state.settings(**flags)
        if api_key:
            await _login_api_key(settings, state.redact, verify=not no_verify)
            return
        provider = settings.provider
        use_paste = paste or (provider == "lexoffice-partner" and settings.redirect_port is None)
        if use_paste:
            await _login_paste(settings, state.redact, provider, no_browser=no_browser)
        else:
            await _login_loopback(settings, state.redact, provider, no_browser, timeout)

    _run(main)


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
        _say(prompt)
        return stream.readline().strip()
    value: str = click.prompt(prompt, err=True)
    return value.strip()


async def _login_api_key(settings: Settings, redact: Redactor, *, verify: bool) -> None:
    from lexoffice_auth import ApiKeyAuth, FileTokenStore
    from lexoffice_auth.api import DEFAULT_BASE_URL, LexofficeClient

    key = await anyio.to_thread.run_sync(_read_secret, "lexoffice API key")
    redact.add(key)
    if not key:
        raise ConfigurationError("no API key given")
    api_base = settings.get("api_base")
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
    _say(f"API key stored{who} ({checked}); profile {settings.profile!r} in {store.path}")


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
    }
    if api_base := settings.get("api_base"):
        marker["api_base"] = api_base
    store = FileTokenStore(settings.store_path)
    await store.save(settings.profile, mark(tokens, marker))
    claims = tokens.id_claims
    who = f" as {claims.email or claims.sub}" if claims is not None else ""
    _say(f"Logged in to {oauth.issuer}{who}; profile {settings.profile!r} saved in {store.path}")


def _open_browser(url: str, no_browser: bool) -> None:
    _say("Open this URL in your browser to log in:")
    _say(f"  {url}")
    if no_browser:
        return
    try:
        opened = webbrowser.open(url)
    except Exception:  # a broken browser setup must not end the login
        opened = False
    if not opened:
        _say("(could not open a browser: open the URL above yourself)")


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
        _say(
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
            tokens = await receiver.wait(complete, within=seconds, progress=progress)
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
            _say("After you approve, lexoffice shows an authorization code.")
        else:
            _say(
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


@cli.command()
@_shared
def token() -> None:
    """Print a valid access token (refreshed if needed) and nothing else.

    \b
    curl -H "Authorization: Bearer $(lexoffice-auth token)" https://api.lexware.io/v1/ping
    An API key in LEXOFFICE_API_KEY or the config file (api_key) is printed as is.
    """

    async def main(state: _State) -> None:
        settings = state.settings()
        key = settings.api_key
        if key:
            click.echo(key)
            return
        profile = await Profile.load(settings)
        if profile.tokens is not None:
            state.redact.add(_secrets_of(profile.tokens))
        value = await profile.access_token(settings)
        state.redact.add(value)
        click.echo(value)

    _run(main)


def _secrets_of(tokens: TokenSet) -> str:
    return tokens.access_token.get_secret_value()


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


@cli.command()
@click.option("--json", "as_json", is_flag=True, default=False, help="Print JSON.")
@_shared
def status(as_json: bool) -> None:
    """Show who is logged in, the provider, scopes, expiry and the token store (no secrets)."""

    async def main(state: _State) -> None:
        import time

        settings = state.settings()
        profile = await Profile.load(settings)
        info: dict[str, Any] = {
            "profile": profile.name,
            "store": str(profile.store.path),
            "logged_in": profile.tokens is not None,
        }
        origin = settings.api_key_origin()
        if origin is not None:
            what = origin.lstrip("$") if origin.startswith("$") else f"api_key in {origin}"
            info["env_api_key"] = f"{what} is set and is used instead of the store"
        tokens = profile.tokens
        if tokens is not None:
            marker = profile.marker
            info["kind"] = profile.kind
            if profile.kind == "oauth":
                info["provider"] = marker.get("provider")
                info["issuer"] = marker.get("issuer")
                info["client_id"] = marker.get("client_id")
            if tokens.id_claims is not None:
                info["user"] = tokens.id_claims.email or tokens.id_claims.sub
                info["subject"] = tokens.id_claims.sub
            info["scopes"] = list(tokens.scopes)
            info["expires_at"] = _when(tokens.expires_at) if tokens.expires_at else None
            if tokens.expires_at is not None:
                info["expires_in"] = int(tokens.expires_at - time.time())
            info["refresh_token"] = tokens.refresh_token is not None
            info["api_base"] = profile.api_base(settings)
        if as_json:
            click.echo(json.dumps(info, indent=2))
            return
        click.echo(f"Profile:        {info['profile']}")
        click.echo(f"Token store:    {info['store']}")
        if "env_api_key" in info:
            click.echo(f"Note:           {info['env_api_key']}")
        if tokens is None:
            click.echo("Logged in:      no (run `lexoffice-auth login`)")
            return
        kinds = {"oauth": "OAuth login", "api_key": "API key", "unknown": "token set"}
        click.echo(f"Logged in:      yes ({kinds.get(str(info['kind']), '?')})")
        if profile.kind == "oauth":
            name = (
                "lexoffice partner OAuth"
                if info["provider"] == "lexoffice-partner"
                else "OpenID provider"
            )
            click.echo(f"Provider:       {name} {info['issuer']} (client {info['client_id']})")
        if "user" in info:
            click.echo(f"User:           {info['user']}")
        click.echo(f"Scopes:         {' '.join(info['scopes']) or '(none recorded)'}")
        if tokens.expires_at is None:
            click.echo("Expires:        never by the clock (lexoffice API keys last 24 months)")
        else:
            left = int(info["expires_in"])
            state_text = f"in {_duration(left)}" if left > 0 else "expired (refreshed on next use)"
            click.echo(f"Access token:   expires {info['expires_at']} ({state_text})")
            click.echo(f"Refresh token:  {'yes' if info['refresh_token'] else 'no'}")
        click.echo(f"API base:       {info['api_base']}")

    _run(main)


@cli.command()
@_shared
def logout() -> None:
    """Revoke the tokens at the provider (when it can) and delete them from the store."""

    async def main(state: _State) -> None:
        settings = state.settings()
        profile = await Profile.load(settings)
        tokens = profile.tokens
        if tokens is None:
            _say(f"Not logged in (profile {profile.name!r}); nothing to do.")
            return
        state.redact.add(_secrets_of(tokens))
        if profile.kind == "oauth" and profile.marker.get("provider") == "lexoffice-partner":
            _say(
                "lexoffice's partner OAuth documents no token revocation: the tokens are "
                "only deleted here (disconnect the app in lexoffice to end the grant)."
            )
        elif profile.kind == "oauth":
            try:
                async with profile.oauth(settings) as oauth:
                    await oauth.revoke(tokens)
                _say("Tokens revoked at the provider.")
            except (RevocationError, ConfigurationError, LexofficeAuthError) as exc:
                _say(f"warning: not revoked at the provider: {state.redact(str(exc))}")
        elif profile.kind == "api_key":
            _say(
                "An API key cannot be revoked from here: delete or renew it in lexoffice's "
                "API key management if it should stop working."
            )
        await profile.store.delete(profile.name)
        _say(f"Logged out: profile {profile.name!r} deleted from {profile.store.path}")

    _run(main)


# --- contacts and invoices -----------------------------------------------------------------

_api_base_option = click.option(
    "--api-base",
    metavar="URL",
    help="API base URL, e.g. the sandbox's [LEXOFFICE_API_BASE; default: the one given at "
    "login, else https://api.lexware.io].",
)
_json_option = click.option(
    "--json", "as_json", is_flag=True, default=False, help="Print JSON instead of a table."
)


async def _with_client(
    state: _State, api_base: str | None, call: Callable[[Any], Awaitable[T]]
) -> T:
    from lexoffice_auth.api import LexofficeClient

    settings = state.settings(api_base=api_base)
    profile = await Profile.load(settings)
    if profile.tokens is not None:
        state.redact.add(_secrets_of(profile.tokens))
    base = profile.api_base(settings)
    async with AsyncExitStack() as stack:
        oauth = None
        if not settings.api_key and profile.kind == "oauth":
            oauth = await stack.enter_async_context(profile.oauth(settings))
        auth = profile.auth(settings, base, oauth)
        client = await stack.enter_async_context(LexofficeClient(auth, base_url=base))
        return await call(client)


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def _api_command(
    api_base: str | None,
    as_json: bool,
    call: Callable[[Any], Awaitable[T]],
    render: Callable[[T], None],
) -> None:
    """One API command: ``call`` on the profile's ``LexofficeClient``, then the output.

    With ``as_json`` the result is printed as lexoffice's JSON, else ``render`` prints it;
    a failure in either is one line and a hint on stderr (exit 1), as for every command.
    """

    async def main(state: _State) -> None:
        result = await _with_client(state, api_base, call)
        if as_json:
            click.echo(json.dumps(_dump(result), indent=2))
        else:
            render(result)

    _run(main)


def _page_footer(page: Any) -> None:
    """Which page of how many, on stderr (so stdout stays the table)."""
    _say(f"page {page.number + 1} of {max(page.total_pages, 1)}, {page.total_elements} in all")


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(v)) for w, v in zip(widths, row, strict=False)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()
    click.echo(line)
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=False)).rstrip())


def _contact_name(contact: Any) -> str:
    if contact.company is not None and contact.company.name:
        return str(contact.company.name)
    if contact.person is not None:
        parts = [contact.person.first_name, contact.person.last_name]
        return " ".join(p for p in parts if p)
    return ""


def _roles(contact: Any) -> str:
    roles = []
    if contact.roles.customer is not None:
        number = contact.roles.customer.number
        roles.append(f"customer {number}" if number is not None else "customer")
    if contact.roles.vendor is not None:
        number = contact.roles.vendor.number
        roles.append(f"vendor {number}" if number is not None else "vendor")
    return ", ".join(roles)


def _first_email(contact: Any) -> str:
    emails = contact.email_addresses
    if emails is None:
        return ""
    for kind in ("business", "office", "private", "other"):
        values = getattr(emails, kind) or []
        if values:
            return str(values[0])
    return ""


@cli.group()
def contacts() -> None:
    """List and show contacts (GET /v1/contacts)."""


@contacts.command("list")
@click.option("--name", help="Name contains (at least 3 characters).")
@click.option("--email", help="E-mail contains (at least 3 characters).")
@click.option("--number", type=int, help="Customer or vendor number.")
@click.option("--customer/--no-customer", default=None, help="Only (or no) customers.")
@click.option("--vendor/--no-vendor", default=None, help="Only (or no) vendors.")
@click.option("--page", type=click.IntRange(0), default=0, show_default=True)
@click.option("--size", type=click.IntRange(1, 250), default=25, show_default=True)
@_api_base_option
@_json_option
@_shared
def contacts_list(
    name: str | None,
    email: str | None,
    number: int | None,
    customer: bool | None,
    vendor: bool | None,
    page: int,
    size: int,
    api_base: str | None,
    as_json: bool,
) -> None:
    """List one page of contacts, sorted by name."""

    def render(result: Any) -> None:
        _table(
            ("ID", "NAME", "ROLES", "E-MAIL"),
            [(c.id, _contact_name(c), _roles(c), _first_email(c)) for c in result.content],
        )
        _page_footer(result)

    _api_command(
        api_base,
        as_json,
        lambda lx: lx.contacts.list(
            name=name,
            email=email,
            number=number,
            customer=customer,
            vendor=vendor,
            page=page,
            size=size,
        ),
        render,
    )


@contacts.command("get")
@click.argument("contact_id")
@_api_base_option
@_json_option
@_shared
def contacts_get(contact_id: str, api_base: str | None, as_json: bool) -> None:
    """Show one contact."""

    def render(contact: Any) -> None:
        _fields(
            [
                ("ID", contact.id),
                ("Name", _contact_name(contact)),
                ("Roles", _roles(contact)),
                ("E-mail", _first_email(contact)),
                ("Version", contact.version),
                ("Archived", contact.archived),
                ("Note", contact.note),
            ]
        )

    _api_command(api_base, as_json, lambda lx: lx.contacts.get(contact_id), render)


def _fields(pairs: Sequence[tuple[str, Any]]) -> None:
    width = max(len(k) for k, _ in pairs) + 1
    for key, value in pairs:
        if value is not None and value != "":
            click.echo(f"{(key + ':').ljust(width)} {value}")


@cli.group()
def invoices() -> None:
    """List, show and download invoices (GET /v1/voucherlist, /v1/invoices)."""


@invoices.command("list")
@click.option(
    "--status",
    default="any",
    show_default=True,
    help="Voucher status: draft, open, paid, voided, overdue, or any; comma-separated.",
)
@click.option("--type", "voucher_type", default="invoice", show_default=True)
@click.option("--contact-id", help="Only this contact's invoices.")
@click.option("--page", type=click.IntRange(0), default=0, show_default=True)
@click.option("--size", type=click.IntRange(1, 250), default=25, show_default=True)
@_api_base_option
@_json_option
@_shared
def invoices_list(
    status: str,
    voucher_type: str,
    contact_id: str | None,
    page: int,
    size: int,
    api_base: str | None,
    as_json: bool,
) -> None:
    """List one page of invoices (lexoffice's voucherlist)."""

    def render(result: Any) -> None:
        _table(
            ("ID", "NUMBER", "DATE", "STATUS", "CONTACT", "TOTAL", "OPEN", "CUR"),
            [
                (
                    r.id,
                    r.voucher_number,
                    r.voucher_date.date().isoformat() if r.voucher_date else None,
                    r.voucher_status,
                    r.contact_name,
                    r.total_amount,
                    r.open_amount,
                    r.currency,
                )
                for r in result.content
            ],
        )
        _page_footer(result)

    _api_command(
        api_base,
        as_json,
        lambda lx: lx.invoices.list(
            voucher_type=voucher_type,
            voucher_status=status,
            contact_id=contact_id,
            page=page,
            size=size,
        ),
        render,
    )


@invoices.command("get")
@click.argument("invoice_id")
@_api_base_option
@_json_option
@_shared
def invoices_get(invoice_id: str, api_base: str | None, as_json: bool) -> None:
    """Show one invoice."""

    def render(invoice: Any) -> None:
        total = invoice.total_price
        _fields(
            [
                ("ID", invoice.id),
                ("Number", invoice.voucher_number),
                ("Status", invoice.voucher_status),
                ("Date", invoice.voucher_date.isoformat() if invoice.voucher_date else None),
                ("Due", invoice.due_date.isoformat() if invoice.due_date else None),
                (
                    "Contact",
                    invoice.address.name or invoice.address.contact_id if invoice.address else None,
                ),
                ("Net", f"{total.total_net_amount} {total.currency}"),
                ("Gross", f"{total.total_gross_amount} {total.currency}"),
                ("Lines", len(invoice.line_items)),
            ]
        )

    _api_command(api_base, as_json, lambda lx: lx.invoices.get(invoice_id), render)


def _safe_filename(name: str | None) -> str | None:
    if not name:
        return None
    base = Path(name.replace("\\", "/")).name
    if base in ("", ".", "..") or base.startswith("."):
        return None
    return base


@invoices.command("download")
@click.argument("invoice_id")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=True, allow_dash=True),
    help="File or directory to write to; - for stdout [default: lexoffice's file name in "
    "the current directory].",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["pdf", "xml"]),
    default="pdf",
    show_default=True,
    help="xml exists for XRechnung invoices only.",
)
@click.option("--force", is_flag=True, default=False, help="Overwrite an existing file.")
@_api_base_option
@_shared
def invoices_download(
    invoice_id: str, output: str | None, file_format: str, force: bool, api_base: str | None
) -> None:
    """Download an invoice's document (GET /v1/invoices/{id}/file)."""

    def render(document: Any) -> None:
        if output == "-":
            sys.stdout.buffer.write(document.content)
            sys.stdout.flush()
            return
        name = (
            _safe_filename(document.filename)
            or f"{_safe_filename(invoice_id) or 'invoice'}.{file_format}"
        )
        target = Path(output) if output else Path(name)
        if target.is_dir():
            target = target / name
        try:
            with target.open("wb" if force else "xb") as handle:
                handle.write(document.content)
        except FileExistsError:
            raise ConfigurationError(f"{target} exists; pass --force to overwrite it") from None
        except OSError as exc:
            raise ConfigurationError(f"cannot write {target}: {exc.strerror}") from None
        _say(f"wrote {target} ({len(document.content)} bytes, {document.media_type})")
        click.echo(str(target))

    _api_command(
        api_base, False, lambda lx: lx.invoices.download(invoice_id, format=file_format), render
    )


# --- sandbox and demo ----------------------------------------------------------------------


@cli.command()
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


@cli.command()
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
    from ._demo import run_demo

    try:
        anyio.run(lambda: run_demo(click.echo, served=served, burst=burst))
    except LexofficeAuthError as exc:
        click.echo(f"\ndemo failed: {exc}", err=True)
        sys.exit(1)
    except Exception as exc:  # the demo must end with a message, never a traceback
        click.echo(f"\ndemo failed unexpectedly: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
