"""Run every benchmark side by side and write docs/benchmarks.md and docs/benchmarks.png.

Run: ``python benchmarks/run_all.py [--requests N] [--quick]`` after
``pip install -e ".[dev,bench]"``. About 2-3 minutes on 2 cores with the defaults.

* ``bench_auth`` runs in this process so its figures are kept as data: the per-request cost of
  ``LexofficeAuth`` next to a static header, Authlib and httpx-auth (medians and ratios), and
  each one's refresh count under a burst of concurrent requests with an expired token. These
  two go into the plot (matplotlib; without it, a hand-written SVG).
* ``bench_import``, ``bench_api``, ``bench_pool``, ``bench_background`` and
  ``bench_resources``, ``bench_pacing`` (whichever exist)
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

# script -> arguments that keep the whole run within a few minutes
OTHERS = {
    "bench_import.py": ["15"],
    "bench_api.py": ["5", "5"],
    "bench_pool.py": [],
    "bench_background.py": [],
    "bench_resources.py": ["5", "200", "200"],
    "bench_pacing.py": [],
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


async def _auth_rows(n: int) -> list[dict[str, object]]:
    import bench_auth

    costs = await bench_auth.per_request_seconds(n)
    base = {
        lib: costs[i][1]
        for i, (name, lib, _, _) in enumerate(bench_auth.ROWS)
        if name == "static header"
    }
    rows: list[dict[str, object]] = []
    for i, (name, lib, factory, _) in enumerate(bench_auth.ROWS):
        best, median = costs[i]
        refreshes: int | None = None
        ok: int | None = None
        if name != "static header":
            refreshes, ok = await bench_auth.burst_refreshes(factory)
        rows.append(
            {
                "name": name,
                "lib": lib,
                "best_us": best * 1e6,
                "median_us": median * 1e6,
                "ratio": median / base[lib],
                "refreshes": refreshes,
                "ok": ok,
            }
        )
    return rows


def _plot(rows: list[dict[str, object]], burst: int, out: Path) -> str:
    labels = [f"{r['name']}\n({r['lib']})" for r in rows]
    costs = [float(r["median_us"]) for r in rows]  # type: ignore[arg-type]
    refresh_rows = [r for r in rows if r["refreshes"] is not None]
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return _svg(rows, burst, out.with_suffix(".svg"))
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8), width_ratios=[3, 2])
    left.barh(
        labels, costs, color=["#999" if r["name"] == "static header" else "#2b6cb0" for r in rows]
    )
    left.invert_yaxis()
    left.set_xlabel("CPU µs per request (median chunk; lower is better)")
    left.set_title("Per-request cost, valid token, MockTransport")
    for y, value in enumerate(costs):
        left.text(value, y, f" {value:.1f}", va="center", fontsize=8)
    right.barh(
        [f"{r['name']}\n({r['lib']})" for r in refresh_rows],
        [int(r["refreshes"]) for r in refresh_rows],  # type: ignore[call-overload]
        color="#c05621",
    )
    right.invert_yaxis()
    right.set_xscale("symlog")
    right.set_xlabel(f"token requests for {burst:,} concurrent requests (lower is better)")
    right.set_title("Refreshes under a burst with an expired token")
    for y, r in enumerate(refresh_rows):
        right.text(int(r["refreshes"]), y, f" {r['refreshes']}", va="center", fontsize=8)  # type: ignore[call-overload]
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    return out.name


def _svg(rows: list[dict[str, object]], burst: int, out: Path) -> str:
    top = max(float(r["median_us"]) for r in rows)  # type: ignore[arg-type]
    height = 40 + 24 * len(rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="760" height="{height}"'
        ' font-family="sans-serif" font-size="12">',
        f'<text x="10" y="20">CPU µs per request (median); refreshes, burst of {burst:,}</text>',
    ]
    for i, r in enumerate(rows):
        y = 36 + 24 * i
        width = 400 * float(r["median_us"]) / top  # type: ignore[arg-type]
        parts.append(f'<text x="10" y="{y + 12}">{r["name"]} ({r["lib"]})</text>')
        parts.append(f'<rect x="250" y="{y}" width="{width:.0f}" height="16" fill="#2b6cb0"/>')
        extra = "" if r["refreshes"] is None else f", {r['refreshes']} refreshes"
        parts.append(
            f'<text x="{255 + width:.0f}" y="{y + 12}">{float(r["median_us"]):.1f}{extra}</text>'
        )  # type: ignore[arg-type]
    parts.append("</svg>")
    out.write_text("\n".join(parts), encoding="utf-8")
    return out.name


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
    options = parser.parse_args(argv)

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
            f"| {r['name']} | {r['lib']} | {float(r['median_us']):.1f} | "  # type: ignore[arg-type]
            f"{float(r['ratio']):.2f}x | {float(r['best_us']):.1f} | {refreshes} | {ok} |"  # type: ignore[arg-type]
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
