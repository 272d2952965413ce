"""``lexoffice-auth files upload``: receipts (files or whole folders) into lexoffice."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from lexoffice_auth import LexofficeAuthError, errors

from ._api_output import api_base_option, csv_option, json_option, table, with_client
from ._context import State, run, say, shared_options

__all__ = ["RECEIPT_SUFFIXES", "files", "receipts_in"]

RECEIPT_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".xml")
"""What a folder contributes: the types lexoffice takes as a voucher upload (§3b.9)."""


@dataclass
class _Outcome:
    path: Path
    id: str | None = None
    voucher_id: str | None = None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"path": str(self.path)}
        if self.error is None:
            found.update(id=self.id, voucher_id=self.voucher_id)
        else:
            found["error"] = self.error
        return found


def receipts_in(paths: Iterable[Path]) -> list[Path | _Outcome]:
    """Each path as given, a folder as its receipts sorted by name (not recursive).

    A folder without receipts becomes a failed outcome, so the summary reports it.
    """
    found: list[Path | _Outcome] = []
    for path in paths:
        if not path.is_dir():
            found.append(path)
            continue
        inside = sorted(
            p for p in path.iterdir() if p.is_file() and p.suffix.lower() in RECEIPT_SUFFIXES
        )
        if not inside:
            kinds = ", ".join(s[1:] for s in RECEIPT_SUFFIXES)
            found.append(_Outcome(path, error=f"no receipts ({kinds}) in this folder"))
        found.extend(inside)
    return found


def _reason(exc: LexofficeAuthError | OSError, state: State) -> str:
    if isinstance(exc, OSError):
        return f"cannot read it: {exc.strerror or type(exc).__name__}"
    return state.redact(str(exc)) or type(exc).__name__


#: Errors that would fail every other file too (credentials, network, lexoffice itself).
_STOPPING = (
    errors.ReauthenticationRequired,
    errors.Unauthorized,
    errors.Forbidden,
    errors.NetworkError,
    errors.RateLimited,
    errors.ServerError,
)


@click.group()
def files() -> None:
    """Upload receipts as bookkeeping vouchers (POST /v1/files)."""


@files.command("upload")
@click.argument(
    "paths",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, path_type=Path),
    metavar="PATH...",
)
@api_base_option
@json_option
@csv_option
@shared_options
def files_upload(paths: tuple[Path, ...], api_base: str | None, as_json: bool) -> None:
    """Upload receipts: each PATH a file, or a folder of pdf/jpg/jpeg/png/xml files.

    lexoffice makes a bookkeeping voucher of each. Uploads are paced like every call
    (2 per second); a file lexoffice or the SDK refuses (wrong type, over 5 MB, an
    e-invoice XML without the E-Rechnung feature) is skipped and reported, the rest go on.
    A rejected key, a network failure or a failing lexoffice stops the run instead.
    Progress goes to stderr, a table (or with --json one JSON object per line) to stdout;
    the exit status is 1 if any file failed.
    """

    async def main(state: State) -> None:
        todo = receipts_in(paths)
        outcomes: list[_Outcome] = []

        def report(outcome: _Outcome) -> None:
            outcomes.append(outcome)
            if as_json:
                click.echo(json.dumps(outcome.as_json()))

        async def upload_all(lx: Any) -> LexofficeAuthError | None:
            """Upload each file; the error that makes trying the rest pointless, if any."""
            seen: set[str] = set()
            for number, item in enumerate(todo, 1):
                step = f"[{number}/{len(todo)}] {item.path if isinstance(item, _Outcome) else item}"
                if isinstance(item, _Outcome):
                    say(f"{step}: skipped: {item.error}")
                    report(item)
                    continue
                try:
                    uploaded = await lx.files.upload(item)
                except (LexofficeAuthError, OSError) as exc:
                    message = _reason(exc, state)
                    report(_Outcome(item, error=message))
                    if isinstance(exc, _STOPPING):
                        say(f"{step}: failed: {message}")
                        return exc
                    say(f"{step}: skipped: {message}")
                    continue
                again = " (lexoffice already had these bytes)" if uploaded.id in seen else ""
                seen.add(uploaded.id)
                say(f"{step}: uploaded{again}")
                report(_Outcome(item, uploaded.id, uploaded.voucher_id))
            return None

        stopped = await with_client(state, api_base, upload_all)
        failed = [o for o in outcomes if o.error is not None]
        if not as_json:
            table(
                ("PATH", "FILE ID", "VOUCHER ID", "ERROR"),
                [(o.path, o.id, o.voucher_id, o.error) for o in outcomes],
            )
        untried = f", {len(todo) - len(outcomes)} not tried" if stopped else ""
        say(f"{len(outcomes) - len(failed)} uploaded, {len(failed)} failed{untried}")
        if stopped is not None:
            raise stopped  # one line and a hint, as for every command
        if failed:
            click.get_current_context().exit(1)

    run(main)
