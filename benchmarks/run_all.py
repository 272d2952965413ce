"""Run every benchmark side by side and write docs/benchmarks.md and docs/benchmarks.png.

Run: ``python benchmarks/run_all.py [--requests N]`` after ``pip install -e ".[dev,bench]"``.
About 2-3 minutes on 2 cores with the defaults. ``--plot-only`` measures nothing: it redraws
docs/benchmarks.png from the bench_auth figures that docs/benchmarks.md records.

* ``bench_auth`` runs in this process so its figures are kept as data: the per-request cost of
  ``LexofficeAuth`` next to a static header, Authlib and httpx-auth (medians and ratios), and
  each one's refresh count under a burst of concurrent requests with an expired token. These
  two go into the plot (``auth_plot.py``, matplotlib; without it, a hand-written SVG).
* ``bench_import``, ``bench_api``, ``bench_pool``, ``bench_background``,
  ``bench_resources``, ``bench_pacing``, ``bench_startup`` and ``bench_dpop`` (whichever exist)
  run as their own processes with smaller counts; their output is copied into the page as
  printed.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
DOCS = HERE.parent / "docs"
sys.path.insert(0, str(HERE))

import auth_plot  # noqa: E402  (a sibling module, found through the line above)

# script -> arguments that keep the whole run within a few minutes
OTHERS = {
    "bench_import.py": ["15"],
    "bench_api.py": ["5", "5"],
    "bench_pool.py": [],
    "bench_background.py": [],
    "bench_resources.py": ["5", "200", "200"],
    "bench_pacing.py": [],
    "bench_startup.py": ["10"],
    "bench_dpop.py": [],
}
LIBRARIES = ["lexoffice-auth", "httpx", "httpx2", "Authlib", "httpx-auth", "pydantic", "anyio"]


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _machine() -> list[str]:
    cpu = platform.processor() or platform.machine()
    model = Path("/proc/cpuinfo")
    if model.exists():
        for line in model.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return [
        f"- Machine: {cpu}, {os.cpu_count()} logical CPUs visible, {platform.system()} "
        f"{platform.release()}",
        f"- Python: {platform.python_implementation()} {sys.version.split()[0]}",
        "- Libraries: " + ", ".join(f"{n} {_version(n)}" for n in LIBRARIES),
        f"- Date: {time.strftime('%Y-%m-%d')}",
    ]


async def _auth_rows(n: int) -> list[auth_plot.Row]:
    import bench_auth

    costs = await bench_auth.per_request_seconds(n)
    base = {
        lib: costs[i][1]
        for i, (name, lib, _, _) in enumerate(bench_auth.ROWS)
        if name == "static header"
    }
    rows: list[auth_plot.Row] = []
    for i, (name, lib, factory, _) in enumerate(bench_auth.ROWS):
        best, median = costs[i]
        refreshes: int | None = None
        ok: int | None = None
        if name != "static header":
            refreshes, ok = await bench_auth.burst_refreshes(factory)
        rows.append(
            auth_plot.Row(
                name=name,
                lib=lib,
                best_us=best * 1e6,
                median_us=median * 1e6,
                ratio=median / base[lib],
                refreshes=refreshes,
                ok=ok,
            )
        )
    return rows


def _plot(rows: list[auth_plot.Row], burst: int, out: Path) -> str:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return auth_plot.write_svg(rows, burst, out.with_suffix(".svg"))
    return auth_plot.write_png(rows, burst, out)


def _replot(page: Path) -> int:
    """Redraw the page's plot from the figures the page records; nothing is measured."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("--plot-only needs matplotlib: pip install -e '.[dev,bench]'", file=sys.stderr)
        return 2
    rows, burst = auth_plot.recorded_rows(page.read_text(encoding="utf-8"))
    out = page.with_name("benchmarks.png")
    auth_plot.write_png(rows, burst, out)
    print(f"wrote {out} from the {len(rows)} bench_auth rows recorded in {page}")
    return 0


def _run_script(script: str, args: list[str]) -> tuple[str, float] | None:
    path = HERE / script
    if not path.exists():
        return None
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(path), *args], capture_output=True, text=True, timeout=600, check=False
    )
    output = done.stdout + (f"\n[stderr]\n{done.stderr}" if done.returncode else "")
    if done.returncode:
        output += f"\n[exit status {done.returncode}]"
    return output.rstrip(), time.monotonic() - start


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000, help="per row of bench_auth")
    parser.add_argument("--out", type=Path, default=DOCS / "benchmarks.md")
    parser.add_argument(
        "--plot-only",
        action="store_true",
        help="measure nothing: redraw benchmarks.png from the figures the page --out records",
    )
    options = parser.parse_args(argv)
    if options.plot_only:
        return _replot(options.out)

    import bench_auth

    started = time.monotonic()
    print(f"bench_auth: {options.requests:,} requests per row ...", flush=True)
    rows = asyncio.run(_auth_rows(options.requests))
    picture = _plot(rows, bench_auth.BURST, options.out.with_name("benchmarks.png"))
    outputs: list[tuple[str, list[str], str, float]] = []
    for script, args in OTHERS.items():
        print(f"{script} {' '.join(args)} ...", flush=True)
        result = _run_script(script, args)
        if result is not None:
            outputs.append((script, args, *result))

    lines = [
        "# Benchmarks",
        "",
        'Generated by `python benchmarks/run_all.py` (after `pip install -e ".[dev,bench]"`);',
        "do not edit by hand. Figures are from one run on a shared machine: compare rows of the",
        "same run, not runs on different machines.",
        "",
        *_machine(),
        f"- Total run time: {time.monotonic() - started:.0f} s",
        "",
        "## Per-request cost and refreshes (bench_auth)",
        "",
        f"Each row makes {options.requests:,} requests with a valid token over a MockTransport (no",
        "sockets), timed in interleaved chunks of 1,000 (CPU time of the process). *ratio* is the",
        "median against a static `Authorization` header on the same HTTP library. *refreshes* is",
        f"the number of token requests when {bench_auth.BURST:,} requests start at once with an",
        "expired token; *ok* counts the 200 responses. Authlib 1.8+ runs on httpx2, so it is",
        "compared on httpx2; httpx-auth has no refresh-token mode for a stored bearer token, so",
        "its row is `OAuth2ClientCredentials` with a pre-seeded cache (see `bench_auth.py`).",
        "",
        "| client | on | median µs/request | ratio | best µs | refreshes | ok |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        refreshes = "n/a" if r["refreshes"] is None else f"{r['refreshes']:,}"
        ok = "" if r["ok"] is None else f"{r['ok']:,}"
        lines.append(
            f"| {r['name']} | {r['lib']} | {r['median_us']:.1f} | "
            f"{r['ratio']:.2f}x | {r['best_us']:.1f} | {refreshes} | {ok} |"
        )
    lines += ["", f"![Per-request cost and refresh counts]({picture})", ""]
    for script, args, output, seconds in outputs:
        command = " ".join(["python", f"benchmarks/{script}", *args])
        lines += [
            f"## {script} ({seconds:.0f} s)",
            "",
            f"`{command}`",
            "",
            "```text",
            output,
            "```",
            "",
        ]
    missing = [s for s in OTHERS if s not in {o[0] for o in outputs}]
    if missing:
        lines += [f"Not present in this checkout, skipped: {', '.join(missing)}.", ""]
    options.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {options.out} and {picture} in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
