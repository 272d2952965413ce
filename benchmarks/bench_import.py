"""Import cost of lexoffice-auth next to ``import httpx``, measured in the same run.

Run: ``python benchmarks/bench_import.py [runs]`` (default 21) after ``pip install -e ".[dev]"``.
``--check`` exits with status 1 when a target is missed.

Each sample is a fresh interpreter (``python -c``) that performs the row's untimed setup,
then times only the row's import statement with ``time.perf_counter`` (interpreter start-up
is not part of the figure). Bytecode is warm: every row runs once, unrecorded, before the
measured runs. The runs are interleaved (one sample of every row per round, in a rotating
order), so a slow moment of the machine touches all rows alike. Medians are reported, with
the difference to the ``import httpx`` row of the same run.

Rows and targets (issue 8):

* ``import httpx``: the reference.
* ``from lexoffice_auth import ApiKeyAuth``: at most httpx + 30 ms.
* the full OAuth + OIDC path (``OAuthClient``, ``LexofficeAuth`` and the id_token verifier):
  at most httpx + 120 ms. pydantic and the models load with the first login, discovery
  document or token, PyJWT and cryptography with the first id_token; a second, informative
  row shows what the models add when they load.
* loading the pytest plugin module (``pytest`` is already imported, as it is when pytest
  loads plugins): at most 5 ms. A second, informative row shows the plugin's own share when
  ``lexoffice_auth`` itself is already imported.

Last, the script reports which heavy modules ``from lexoffice_auth import ApiKeyAuth`` leaves
in ``sys.modules``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from dataclasses import dataclass

_OIDC = """\
from lexoffice_auth import LexofficeAuth, OAuthClient
try:
    from lexoffice_auth.oidc import IdTokenVerifier
except ImportError:  # before lexoffice_auth.oidc exists: the private module
    from lexoffice_auth._oauth.idtoken import IdTokenVerifier
"""

_HEAVY = ("jwt", "cryptography", "pydantic", "click", "respx", "uvicorn", "redis")


@dataclass(frozen=True)
class Row:
    name: str
    statement: str
    setup: str = ""
    target_over_httpx: float | None = None  # ms above the httpx row
    target_absolute: float | None = None  # ms


ROWS = [
    Row("import httpx", "import httpx"),
    Row(
        "from lexoffice_auth import ApiKeyAuth",
        "from lexoffice_auth import ApiKeyAuth",
        target_over_httpx=30.0,
    ),
    Row("OAuth + OIDC (OAuthClient, LexofficeAuth, IdTokenVerifier)", _OIDC, target_over_httpx=120),
    Row(
        "  and the models a first login loads (pydantic)",
        _OIDC + "from lexoffice_auth import PendingLogin, ProviderMetadata, TokenSet\n"
        "from lexoffice_auth.oidc import IdTokenClaims\n",
    ),
    Row(
        "pytest plugin (pytest loaded)",
        "import lexoffice_auth.testing._pytest_plugin",
        setup="import pytest",
        target_absolute=5.0,
    ),
    Row(
        "  its own share (lexoffice_auth loaded)",
        "import lexoffice_auth.testing._pytest_plugin",
        setup="import pytest, lexoffice_auth",
    ),
]


def _program(row: Row) -> str:
    timed = "\n".join("    " + line for line in row.statement.splitlines())
    return (
        "import time, sys\n"
        f"{row.setup}\n"
        "t0 = time.perf_counter()\n"
        "if True:\n"
        f"{timed}\n"
        "t1 = time.perf_counter()\n"
        "print(repr((t1 - t0) * 1000.0))\n"
    )


# "Warm bytecode" needs the warm-up run to write it: a PYTHONDONTWRITEBYTECODE=1 left in the
# environment (some CI images and containers set it) would make every sample compile our
# modules from source and charge the compiler to the import.
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def sample(row: Row) -> float:
    """One fresh interpreter: the row's import time in milliseconds."""
    out = subprocess.run(
        [sys.executable, "-c", _program(row)], capture_output=True, text=True, check=True, env=_ENV
    ).stdout
    return float(out.strip().splitlines()[-1])


def heavy_modules_after(statement: str) -> list[str]:
    listing = "print(' '.join({m.split('.')[0] for m in sys.modules}))"
    code = f"import sys\n{statement}\n{listing}"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=_ENV
    ).stdout
    loaded = set(out.split())
    return [name for name in _HEAVY if name in loaded]


def main(argv: list[str]) -> int:
    check = "--check" in argv
    numbers = [a for a in argv if not a.startswith("-")]
    runs = int(numbers[0]) if numbers else 21
    if runs < 15:
        print("at least 15 runs, please", file=sys.stderr)
        return 2
    for row in ROWS:  # warm the bytecode caches; not recorded
        sample(row)
    samples: dict[str, list[float]] = {row.name: [] for row in ROWS}
    for i in range(runs):
        shift = i % len(ROWS)
        for row in ROWS[shift:] + ROWS[:shift]:
            samples[row.name].append(sample(row))

    medians = {name: statistics.median(values) for name, values in samples.items()}
    httpx_ms = medians[ROWS[0].name]
    width = max(len(row.name) for row in ROWS)
    print(f"Python {sys.version.split()[0]}, {runs} interleaved runs per row, medians (ms)")
    print(f"{'row':<{width}}  {'median':>8}  {'vs httpx':>9}  {'min':>7}  {'max':>7}  target")
    failed = False
    for row in ROWS:
        values = samples[row.name]
        median = medians[row.name]
        diff = "" if row is ROWS[0] or row.setup else f"{median - httpx_ms:+9.1f}"
        verdict = ""
        if row.target_over_httpx is not None:
            ok = median - httpx_ms <= row.target_over_httpx
            verdict = f"<= httpx + {row.target_over_httpx:g} ms: {'ok' if ok else 'MISSED'}"
            failed |= not ok
        elif row.target_absolute is not None:
            ok = median <= row.target_absolute
            verdict = f"<= {row.target_absolute:g} ms: {'ok' if ok else 'MISSED'}"
            failed |= not ok
        print(
            f"{row.name:<{width}}  {median:8.1f}  {diff:>9}  {min(values):7.1f}  "
            f"{max(values):7.1f}  {verdict}"
        )
    print()
    loaded = heavy_modules_after("from lexoffice_auth import ApiKeyAuth")
    for name in ("jwt", "cryptography", "pydantic"):
        print(f"after 'from lexoffice_auth import ApiKeyAuth': {name} loaded: {name in loaded}")
    by_httpx = set(heavy_modules_after("import httpx"))
    by_oidc = [name for name in heavy_modules_after(_OIDC) if name not in by_httpx]
    print(f"heavy modules the OAuth + OIDC row adds to import httpx: {', '.join(by_oidc)}")
    if by_httpx:
        print(f"(import httpx itself loads {', '.join(sorted(by_httpx))}: httpx imports click")
        print(" whenever it is installed, as in a development environment with the cli extra)")
    return 1 if (check and failed) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
