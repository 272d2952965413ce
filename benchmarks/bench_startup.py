"""Start-up cost of the command line and of a first OAuth request, next to ``import httpx``.

Run: ``python benchmarks/bench_startup.py [runs]`` (default 10) after ``pip install -e ".[dev]"``.
``--check`` exits with status 1 when a target is missed.

Every sample is a fresh process; the rows run paired (one sample of every row per round, in a
rotating order) so a slow moment of the machine touches all rows alike; medians are reported.
Wall time is measured around the whole process (``python -c "import httpx"`` is the reference,
interpreter start-up included on both sides); CPU time (user + system of the child) for the
request rows. The token store and config live in a temporary directory.

Every sample reads compiled bytecode, as an installed package does: an unrecorded warm-up run
of each row writes it. So ``PYTHONDONTWRITEBYTECODE`` is not passed on (as in
``bench_import.py``): it would leave this checkout's modules to be compiled from source in
every sample, while httpx's come precompiled from site-packages.

Rows and targets (issue 21):

* ``lexoffice-auth --help``: at most 1.3 x the wall time of ``python -c "import httpx"``.
* ``lexoffice-auth token`` with a stored API key, and with a stored OAuth login whose token is
  valid: each at most 1.6 x.
* import + first authenticated request with OAuth (a stored token, ``LexofficeAuth`` with an
  ``OAuthClient``, one GET through ``httpx.MockTransport``): at most the CPU time of httpx
  doing the same GET with a fixed header, + 60 ms. Both rows also build a default
  ``httpx.AsyncClient`` (the OAuth client has one), so httpcore loads on both sides.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_HTTPX_REQUEST = """\
import anyio, httpx
async def main():
    httpx.AsyncClient()  # loads httpcore (and trio, if installed), as OAuthClient does
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json={}))
    async with httpx.AsyncClient(transport=transport, headers={"Authorization": "Bearer x"}) as c:
        (await c.get("https://api.lexware.io/v1/profile")).raise_for_status()
anyio.run(main)
"""

_OAUTH_REQUEST = """\
import anyio, httpx, sys
from lexoffice_auth import FileTokenStore, LexofficeAuth, OAuthClient
async def main():
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json={}))
    oauth = OAuthClient("bench-client", "http://127.0.0.1/callback", issuer="https://id.example.com")
    auth = LexofficeAuth.from_oauth(oauth, "oauth", FileTokenStore(sys.argv[1]))
    async with httpx.AsyncClient(transport=transport, auth=auth) as c:
        (await c.get("https://api.lexware.io/v1/profile")).raise_for_status()
anyio.run(main)
"""


def _seed(directory: Path) -> dict[str, str]:
    """A token store with an API-key profile and an OAuth profile; the CLI's environment."""
    from lexoffice_auth import TokenSet
    from lexoffice_auth.cli._profile import mark

    now = time.time()
    store = directory / "tokens.json"
    oauth_marker = {
        "kind": "oauth",
        "provider": "oidc",
        "issuer": "https://id.example.com",
        "client_id": "bench-client",
        "redirect_uri": "http://127.0.0.1/callback",
        "scopes": ["openid"],
        "api_base": "https://api.lexware.io",
    }
    entries = {
        "key": mark(
            TokenSet(access_token="bench-key"),
            {"kind": "api_key", "api_base": "https://api.lexware.io"},
        ),
        "oauth": mark(
            TokenSet(
                access_token="bench-at",
                refresh_token="bench-rt",
                expires_at=now + 86400,
                issued_at=now,
            ),
            oauth_marker,
        ),
    }

    async def save() -> None:
        from lexoffice_auth import FileTokenStore

        files = FileTokenStore(store)
        for name, tokens in entries.items():
            await files.save(name, tokens)

    import anyio

    anyio.run(save)
    (directory / "config.toml").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEXOFFICE_")}
    env.update(LEXOFFICE_TOKEN_STORE=str(store), LEXOFFICE_CONFIG=str(directory / "config.toml"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # see the module docstring
    return env


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and child CPU seconds of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    args = [a for a in sys.argv[1:] if a != "--check"]
    runs = int(args[0]) if args else 10
    python = sys.executable
    cli = shutil.which("lexoffice-auth", path=str(Path(python).parent)) or "lexoffice-auth"
    with tempfile.TemporaryDirectory() as tmp:
        env = _seed(Path(tmp))
        store = env["LEXOFFICE_TOKEN_STORE"]
        rows = {
            "python -c 'import httpx'": [python, "-c", "import httpx"],
            "lexoffice-auth --help": [cli, "--help"],
            "lexoffice-auth token (API key)": [cli, "--profile", "key", "token"],
            "lexoffice-auth token (OAuth)": [cli, "--profile", "oauth", "token"],
            "httpx: import + GET": [python, "-c", _HTTPX_REQUEST],
            "OAuth: import + first GET": [python, "-c", _OAUTH_REQUEST, store],
        }
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in rows}
        for argv in rows.values():  # warm the bytecode caches, unrecorded
            _run(argv, env)
        names = list(rows)
        for round_ in range(runs):
            for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
                samples[name].append(_run(rows[name], env))
    wall = {n: statistics.median(w for w, _ in s) for n, s in samples.items()}
    cpu = {n: statistics.median(c for _, c in s) for n, s in samples.items()}
    base = wall["python -c 'import httpx'"]
    print(f"{'row':34} {'wall ms':>8} {'x httpx':>8} {'cpu ms':>8}   (median of {runs})")
    for name in rows:
        print(
            f"{name:34} {wall[name] * 1000:8.1f} {wall[name] / base:8.2f} {cpu[name] * 1000:8.1f}"
        )
    extra_cpu = (cpu["OAuth: import + first GET"] - cpu["httpx: import + GET"]) * 1000
    checks = {
        "--help <= 1.3 x": wall["lexoffice-auth --help"] / base <= 1.3,
        "token (API key) <= 1.6 x": wall["lexoffice-auth token (API key)"] / base <= 1.6,
        "token (OAuth) <= 1.6 x": wall["lexoffice-auth token (OAuth)"] / base <= 1.6,
        f"OAuth first request: httpx + {extra_cpu:.0f} ms CPU <= + 60 ms": extra_cpu <= 60,
    }
    for label, ok in checks.items():
        print(f"{'ok  ' if ok else 'MISS'} {label}")
    return 1 if "--check" in sys.argv and not all(checks.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
