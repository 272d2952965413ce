"""The ``lexoffice-auth`` click group and its commands (imported by ``cli.main`` only).

Every command uses the SDK's public API only. Data (a token, tables, JSON) goes to
stdout; messages, the login URL and errors go to stderr, so ``$(lexoffice-auth token)``
captures the token and nothing else.

One module per command or command group; a new group (say ``quotations``) is a module
defining a click command or group and one line in ``COMMANDS``.
"""

from __future__ import annotations

import click

from ._context import shared_options
from ._lazy import LazyCommand, LazyGroup

__all__ = ["COMMANDS", "cli"]

_VOUCHERS = "sales_voucher_groups"

#: Every top-level command and command group of ``lexoffice-auth``: where it lives and its
#: one-line help (help lists them sorted). Each module is imported only when its command runs.
COMMANDS: dict[str, LazyCommand] = {
    "login": LazyCommand(
        ".login", "login", "Log in and store the tokens (browser login, or --api-key)."
    ),
    "token": LazyCommand(
        ".token",
        "token",
        "Print a valid access token (refreshed if needed) and nothing else.",
    ),
    "dpop-proof": LazyCommand(
        ".dpop_proof",
        "dpop_proof",
        "Print a fresh DPoP proof for one request with the stored DPoP-bound token.",
    ),
    "status": LazyCommand(
        ".status",
        "status",
        "Show who is logged in, the provider, scopes, expiry and the token store (no secrets).",
    ),
    "logout": LazyCommand(
        ".logout",
        "logout",
        "Revoke the tokens at the provider (when it can) and delete them from the store.",
    ),
    "contacts": LazyCommand(
        ".contacts", "contacts", "List, show, create and update contacts (/v1/contacts)."
    ),
    "api": LazyCommand(
        ".api_call",
        "api",
        "Call any lexoffice endpoint, e.g. `api GET /v1/contacts -f name=Huber --paginate`.",
    ),
    "vouchers": LazyCommand(
        ".vouchers", "vouchers", "Bookkeeping vouchers: create (POST /v1/vouchers)."
    ),
    "files": LazyCommand(
        ".files", "files", "Upload receipts as bookkeeping vouchers (POST /v1/files)."
    ),
    "invoices": LazyCommand(
        ".sales_vouchers", _VOUCHERS, "Invoices: list, show, create and download (/v1/invoices)."
    ),
    "quotations": LazyCommand(
        ".sales_vouchers",
        _VOUCHERS,
        "Quotations: list, show, create and download (/v1/quotations).",
    ),
    "order-confirmations": LazyCommand(
        ".sales_vouchers",
        _VOUCHERS,
        "Order confirmations: list, show and download (/v1/order-confirmations).",
    ),
    "delivery-notes": LazyCommand(
        ".sales_vouchers",
        _VOUCHERS,
        "Delivery notes: list, show and download (/v1/delivery-notes).",
    ),
    "credit-notes": LazyCommand(
        ".sales_vouchers",
        _VOUCHERS,
        "Credit notes: list, show, create and download (/v1/credit-notes).",
    ),
    "down-payment-invoices": LazyCommand(
        ".sales_vouchers",
        _VOUCHERS,
        "Down-payment invoices: list, show and download (/v1/down-payment-invoices).",
    ),
    "dunnings": LazyCommand(
        ".sales_vouchers", _VOUCHERS, "Dunnings: show and download (/v1/dunnings)."
    ),
    "sandbox": LazyCommand(
        ".sandbox",
        "sandbox",
        "Serve the sandbox (fake provider + lexoffice-like API) on 127.0.0.1 until Ctrl-C.",
    ),
    "demo": LazyCommand(
        ".demo",
        "demo",
        "Run the two usual starts against the embedded sandbox (no account, loopback only).",
    ),
}


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lexoffice-auth", prog_name="lexoffice-auth")
@shared_options
def cli() -> None:
    """Log in to lexoffice (Lexware Office) and keep tokens fresh.

    Log in once (`login` with a browser, `login --api-key` with a lexoffice API key),
    then script: `curl -H "Authorization: Bearer $(lexoffice-auth token)" ...`.
    Try everything without an account: run `lexoffice-auth sandbox` in one terminal.

    Settings come from flags, then LEXOFFICE_* environment variables, then the config
    file; see docs/cli.md.
    """
