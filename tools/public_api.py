"""Write tests/package/public_api.txt: every public name of every public module, one a line.

A module's public names are its ``__all__`` and the names its own source binds at the top
level (classes, functions, constants) without a leading underscore. The committed file is
what ``tests/package/test_public_api_names.py`` holds the package to: every name listed must
still be importable, and a new public name must be listed. After adding a public name,
run ``python tools/public_api.py`` and commit the file. A name removed (in a breaking
release) is deleted from the file by hand: removing API is a decision, not a side effect.
"""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LISTING = ROOT / "tests" / "package" / "public_api.txt"

PUBLIC_MODULES = (
    "lexoffice_auth",
    "lexoffice_auth.api",
    "lexoffice_auth.errors",
    "lexoffice_auth.keys",
    "lexoffice_auth.oidc",
    "lexoffice_auth.presets",
    "lexoffice_auth.rules",
    "lexoffice_auth.stores",
    "lexoffice_auth.telemetry",
    "lexoffice_auth.testing",
    "lexoffice_auth.webhooks",
)


def _bound_at_top_level(source: str) -> set[str]:
    """Names a module's source defines or assigns at the top level (not its imports)."""
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def public_names(module_name: str) -> set[str]:
    """The public names of ``module_name`` as the code stands now."""
    module = importlib.import_module(module_name)
    source = Path(module.__file__ or "").read_text()
    names = set(getattr(module, "__all__", ()))
    names |= {n for n in _bound_at_top_level(source) if not n.startswith("_")}
    return names


def listing(committed: dict[str, set[str]] | None = None) -> str:
    """The file's text: ``module name`` lines, sorted.

    Names already ``committed`` stay while the module still has them (a name that moved
    to a submodule and is re-exported is still public).
    """
    lines = {f"{m} {n}" for m in PUBLIC_MODULES for n in public_names(m)}
    for module_name, names in (committed or {}).items():
        module = importlib.import_module(module_name)
        lines |= {f"{module_name} {n}" for n in names if hasattr(module, n)}
    return "\n".join(sorted(lines)) + "\n"


def read_listing(path: Path = LISTING) -> dict[str, set[str]]:
    """The committed names, by module."""
    names: dict[str, set[str]] = {m: set() for m in PUBLIC_MODULES}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            module, name = line.split()
            names.setdefault(module, set()).add(name)
    return names


def main() -> int:
    """Rewrite the listing from the code (keeping committed names that still exist)."""
    LISTING.write_text(listing(read_listing() if LISTING.exists() else None))
    print(f"wrote {LISTING.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
