"""docs/benchmarks.png shows what docs/benchmarks.md says, and every label of it is visible.

The plot is drawn by ``benchmarks/auth_plot.py`` from the page's bench_auth table
(``python benchmarks/run_all.py --plot-only`` redraws it without measuring). The drawing
checks need matplotlib (the ``bench`` and ``dev`` extras) and are skipped without it.
"""

from __future__ import annotations

import importlib.util
import struct
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.docs.code_blocks import ROOT

PAGE = ROOT / "docs" / "benchmarks.md"


def _auth_plot() -> ModuleType:
    spec = importlib.util.spec_from_file_location("auth_plot", ROOT / "benchmarks" / "auth_plot.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


auth_plot = _auth_plot()


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def _expected_size() -> tuple[int, int]:
    width, height = auth_plot.SIZE_INCHES
    return round(width * auth_plot.DPI), round(height * auth_plot.DPI)


def test_the_page_records_the_figures_and_embeds_the_plot() -> None:
    page = PAGE.read_text(encoding="utf-8")
    rows, burst = auth_plot.recorded_rows(page)
    assert f"when {burst:,} requests start at once" in page
    for r in rows:  # each row read back is the table's row, figure for figure
        refreshes = "n/a" if r["refreshes"] is None else f"{r['refreshes']:,}"
        ok = "" if r["ok"] is None else f"{r['ok']:,}"
        assert (
            f"| {r['name']} | {r['lib']} | {r['median_us']:.1f} | {r['ratio']:.2f}x | "
            f"{r['best_us']:.1f} | {refreshes} | {ok} |"
        ) in page
    assert {r["name"] for r in rows} >= {"static header", "LexofficeAuth"}
    assert all(r["refreshes"] is None for r in rows if r["name"] == "static header")
    assert "](benchmarks.png)" in page
    # The committed image is the current drawing's size (the old one was 1320 px wide).
    assert _png_size(PAGE.with_name("benchmarks.png")) == _expected_size()


def test_a_page_without_the_figures_gives_no_plot() -> None:
    with pytest.raises(ValueError, match="no bench_auth table"):
        auth_plot.recorded_rows("# Benchmarks\n\nnot run yet\n")
    page = PAGE.read_text(encoding="utf-8").replace("requests start at once", "requests start")
    with pytest.raises(ValueError, match="burst"):
        auth_plot.recorded_rows(page)


# The longest label of the page, and a client far worse than the others: long bars, long
# figures and a large refresh count must still fit.
SMALL = [
    {"name": "static header", "lib": "httpx", "median_us": 100.0, "best_us": 90.0,
     "ratio": 1.0, "refreshes": None, "ok": None},
    {"name": "LexofficeAuth", "lib": "httpx", "median_us": 104.0, "best_us": 95.0,
     "ratio": 1.04, "refreshes": 1, "ok": 1000},
    {"name": "Authlib AsyncOAuth2Client", "lib": "httpx2", "median_us": 2500.0, "best_us": 2000.0,
     "ratio": 25.0, "refreshes": 1000, "ok": 990},
]  # fmt: skip


def test_the_plot_has_linear_axes_from_zero_and_every_label_inside(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    rows, burst = SMALL, 1000
    fig = auth_plot.figure(rows, burst)
    canvas = FigureCanvasAgg(fig)
    canvas.print_png(tmp_path / "benchmarks.png")  # as write_png saves it; draws once
    assert _png_size(tmp_path / "benchmarks.png") == _expected_size()
    renderer = canvas.get_renderer()
    cost, refresh = fig.axes

    for ax in (cost, refresh):
        assert ax.get_xscale() == "linear"  # the symlog axis read "1.05 x 10^0"
        assert ax.get_xlim()[0] == 0
    labels = [label.get_text() for label in cost.get_yticklabels()]
    assert labels == [f"{r['name']}\non {r['lib']}" for r in rows]
    assert all(tick == int(tick) for tick in refresh.get_xticks())
    assert f"{burst:,} requests" in refresh.get_title()

    page_box = fig.bbox
    for ax in (cost, refresh):
        low, high = ax.get_xlim()
        shown = [  # matplotlib also lays out tick labels beyond the limits, never drawn
            label
            for tick, label in zip(ax.get_xticks(), ax.get_xticklabels(), strict=True)
            if low <= tick <= high
        ]
        texts: list[Any] = [ax.title, ax.xaxis.label, *shown, *ax.get_yticklabels()]
        for text in texts:
            if text.get_visible() and text.get_text():
                box = text.get_window_extent(renderer)
                assert page_box.x0 <= box.x0 and box.x1 <= page_box.x1, text.get_text()
                assert page_box.y0 <= box.y0 and box.y1 <= page_box.y1, text.get_text()
        plot_box = ax.get_window_extent(renderer)
        for note in ax.texts:  # the figures next to the bars stay inside their panel
            box = note.get_window_extent(renderer)
            assert plot_box.x0 <= box.x0 and box.x1 <= plot_box.x1, note.get_text()
