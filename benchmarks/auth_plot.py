"""The plot of docs/benchmarks.md: bench_auth's per-request cost and refresh counts.

``write_png(rows, burst, path)`` draws what the page's bench_auth table holds, one row per
client: on the left the median CPU µs per request with its ratio to a static header on the
same HTTP library, on the right the token requests made when ``burst`` requests start at
once with an expired token. Both axes are linear and start at zero. ``recorded_rows(page)``
reads those figures back from a page that ``run_all.py`` wrote, so the plot can be redrawn
without measuring again (``run_all.py --plot-only``). matplotlib is needed only here (the
``bench`` extra); ``write_svg`` is the plain fallback that ``run_all.py`` uses without it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SIZE_INCHES = (11.0, 4.8)
DPI = 110
BASELINE = "static header"


class Row(TypedDict):
    """One client of bench_auth, as a row of the page's table."""

    name: str
    lib: str
    median_us: float
    best_us: float
    ratio: float
    refreshes: int | None  # None for the baseline: a static header has nothing to refresh
    ok: int | None


def figure(rows: list[Row], burst: int) -> Figure:
    """The two panels, one bar per row, the rows of each HTTP library grouped."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    cost, refresh = fig.subplots(1, 2, sharey=True, width_ratios=[3, 2])
    ys = _positions(rows)
    labels = [f"{r['name']}\non {r['lib']}" for r in rows]

    costs = [r["median_us"] for r in rows]
    cost.barh(ys, costs, color=[_colour(r) for r in rows])
    for y, r in zip(ys, rows, strict=True):
        note = "baseline" if r["name"] == BASELINE else f"{r['ratio']:.2f}× baseline"
        cost.text(r["median_us"], y, f"  {r['median_us']:.1f} µs ({note})", va="center")
    cost.set_xlim(0, max(costs) * 1.7)  # room for the figures next to the bars
    cost.set_yticks(ys, labels)
    cost.invert_yaxis()
    cost.set_title("Per-request cost with a valid token\n(median of 1,000-request chunks)")
    cost.set_xlabel("CPU µs per request over MockTransport (lower is better)")

    counts = [r["refreshes"] or 0 for r in rows]
    refresh.barh(ys, counts, color="#c05621")
    for y, r in zip(ys, rows, strict=True):
        if r["refreshes"] is None:
            text = "  n/a (nothing to refresh)"
        else:
            text = f"  {r['refreshes']:,}"
            if r["ok"] is not None:
                text += f"  ({r['ok']:,} ok)"
        refresh.text(r["refreshes"] or 0, y, text, va="center")
    refresh.set_xlim(0, max(2, *counts) * 2.6)
    refresh.xaxis.set_major_locator(MaxNLocator(integer=True))
    refresh.tick_params(axis="y", left=False)
    refresh.set_title(f"Refreshes when {burst:,} requests start\nat once with an expired token")
    refresh.set_xlabel("token requests (1 is ideal); ok: responses 200")
    return fig


def write_png(rows: list[Row], burst: int, out: Path) -> str:
    """Draw the plot into ``out`` (a PNG of ``SIZE_INCHES`` × ``DPI`` pixels); its file name."""
    figure(rows, burst).savefig(out, dpi=DPI)
    return out.name


def _positions(rows: list[Row]) -> list[float]:
    """One row apart, half a row more between HTTP libraries."""
    ys: list[float] = []
    y = 0.0
    for i, r in enumerate(rows):
        if i and r["lib"] != rows[i - 1]["lib"]:
            y += 0.5
        ys.append(y)
        y += 1.0
    return ys


def _colour(row: Row) -> str:
    if row["name"] == BASELINE:
        return "#999999"
    return "#2b6cb0" if row["name"] == "LexofficeAuth" else "#90a9c8"


# --- the figures a page holds ---------------------------------------------------------------

_TABLE_HEADER = "| client | on | median µs/request | ratio | best µs | refreshes | ok |"
_BURST = re.compile(r"number of token requests when\s+([\d,]+)\s+requests start at once")


def recorded_rows(page: str) -> tuple[list[Row], int]:
    """bench_auth's rows and burst size from a page that ``run_all.py`` wrote.

    Raises ``ValueError`` when the page has no such table or no burst size, so a plot is
    never drawn from figures that are not there.
    """
    lines = page.splitlines()
    if _TABLE_HEADER not in lines:
        raise ValueError("the page has no bench_auth table")
    burst = _BURST.search(page)
    if burst is None:
        raise ValueError("the page does not say how many requests the burst had")
    rows: list[Row] = []
    for line in lines[lines.index(_TABLE_HEADER) + 2 :]:
        if not line.startswith("|"):
            break
        name, lib, median, ratio, best, refreshes, ok = (
            cell.strip() for cell in line.strip().strip("|").split("|")
        )
        rows.append(
            Row(
                name=name,
                lib=lib,
                median_us=float(median),
                best_us=float(best),
                ratio=float(ratio.removesuffix("x")),
                refreshes=None if refreshes == "n/a" else int(refreshes.replace(",", "")),
                ok=int(ok.replace(",", "")) if ok else None,
            )
        )
    if not rows:
        raise ValueError("the page's bench_auth table has no rows")
    return rows, int(burst.group(1).replace(",", ""))


def write_svg(rows: list[Row], burst: int, out: Path) -> str:
    """A plain SVG of the per-request cost and refresh counts, for a run without matplotlib."""
    top = max(r["median_us"] for r in rows)
    height = 40 + 24 * len(rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="760" height="{height}"'
        ' font-family="sans-serif" font-size="12">',
        f'<text x="10" y="20">CPU µs per request (median); refreshes, burst of {burst:,}</text>',
    ]
    for i, r in enumerate(rows):
        y = 36 + 24 * i
        width = 400 * r["median_us"] / top
        parts.append(f'<text x="10" y="{y + 12}">{r["name"]} ({r["lib"]})</text>')
        parts.append(f'<rect x="250" y="{y}" width="{width:.0f}" height="16" fill="#2b6cb0"/>')
        extra = "" if r["refreshes"] is None else f", {r['refreshes']} refreshes"
        parts.append(f'<text x="{255 + width:.0f}" y="{y + 12}">{r["median_us"]:.1f}{extra}</text>')
    parts.append("</svg>")
    out.write_text("\n".join(parts), encoding="utf-8")
    return out.name
