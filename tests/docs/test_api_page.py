"""The sandbox example in docs/api.md runs as written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

DOC = Path(__file__).parents[2] / "docs" / "api.md"


async def test_the_sandbox_example_in_docs_api_md_runs() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Testing with the sandbox", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None
    namespace: dict[str, Any] = {}
    exec(compile(code.group(1), str(DOC), "exec"), namespace)
    await namespace["test_open_invoices"]()
