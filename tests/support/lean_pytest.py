"""Options for the pytest runs that tests start in a fresh process (pytester, subprocess).

Those runs are users' suites in miniature; they need our plugin, anyio's and
pytest-asyncio, never hypothesis or xdist. Loading those two by their entry points cost
about 0.9 s of CPU per run (hypothesis alone ~0.7 s), and the suite starts ~20 such runs.
"""

from __future__ import annotations

UNUSED_PLUGINS: tuple[str, ...] = (
    "-p",
    "no:hypothesispytest",
    "-p",
    "no:xdist",
    "-p",
    "no:xdist.looponfail",
)
