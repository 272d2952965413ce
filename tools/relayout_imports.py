"""Rewrite imports of the old flat private modules to their new homes (a merge aid).

The private modules moved into subpackages (see CHANGELOG, "Unreleased"). A branch written
against the old layout imports e.g. ``from .._tokens import TokenSet`` or
``lexoffice_auth._session``; run ``python tools/relayout_imports.py FILE...`` on its files
to rewrite relative imports (``from ._x``/``from .._x``), lazy-export strings (``"._x"``)
and absolute names (``lexoffice_auth._x``). Files are changed in place; the list of
changed files is printed. Files are taken to sit where they are now.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MOVES = {
    "_clock": "_core.clock",
    "_checks": "_core.checks",
    "_model": "_core.model",
    "_urls": "rules",
    "_http": "_core.http",
    "_wire": "_core.wire",
    "_lazy": "_core.lazy",
    "_metadata": "_oauth.metadata",
    "_discovery": "_oauth.discovery",
    "_pkce": "_oauth.pkce",
    "_login": "_oauth.login",
    "_seal": "_oauth.seal",
    "_tokens": "_oauth.tokens",
    "_claims": "_oauth.claims",
    "_config": "_oauth.config",
    "_jwks": "_oauth.jwks",
    "_idtoken": "_oauth.idtoken",
    "_token_endpoint": "_oauth.token_endpoint",
    "_oauth": "_oauth.client",
    "_source": "_session.source",
    "_policy": "_session.policy",
    "_session": "_session.refreshing",
    "_revocation": "_session.revocation",
    "_pool": "_accounts.pool",
    "_background": "_accounts.background",
}
OLD = {f"lexoffice_auth.{k}": f"lexoffice_auth.{v}" for k, v in MOVES.items()}
NEW_SUBMODULES = "|".join(sorted({v.split(".", 1)[1] for v in MOVES.values() if "." in v}))

RELATIVE = re.compile(r"^(\s*from\s+)(\.+[\w.]*)(\s+import\b)", re.M)
LAZY = re.compile(r'("\s*:\s*")(\.+[\w.]*)(")')
ABSOLUTE = re.compile(
    r"lexoffice_auth\.(" + "|".join(sorted(MOVES, key=len, reverse=True)) + r")\b"
    r"(?!\.(?:" + NEW_SUBMODULES + r")\b)"
)


def _package_of(path: Path) -> str:
    parts = list(path.resolve().relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts if parts[-1] == "__init__" else parts[:-1]).removesuffix(".__init__")


def _resolve(package: str, relative: str) -> str:
    dots = len(relative) - len(relative.lstrip("."))
    base = package.split(".")
    base = base[: len(base) - (dots - 1)]
    rest = relative[dots:]
    return ".".join([*base, rest] if rest else base)


def _relativize(package: str, target: str) -> str:
    here, there = package.split("."), target.split(".")
    common = 0
    while common < min(len(here), len(there)) and here[common] == there[common]:
        common += 1
    return "." * (len(here) - common + 1) + ".".join(there[common:])


def rewrite(text: str, path: Path) -> str:
    """``text`` (of the file at ``path``) with every old private module name replaced."""
    in_package = path.resolve().is_relative_to(ROOT / "lexoffice_auth")
    if in_package:
        package = _package_of(path)

        def relative(match: re.Match[str]) -> str:
            target = _resolve(package, match.group(2))
            if target not in OLD:
                return match.group(0)
            return match.group(1) + _relativize(package, OLD[target]) + match.group(3)

        text = RELATIVE.sub(relative, text)
        text = LAZY.sub(relative, text)
    return ABSOLUTE.sub(lambda m: "lexoffice_auth." + MOVES[m.group(1)], text)


def main(argv: list[str]) -> int:
    """Rewrite the files named in ``argv``."""
    for name in argv:
        path = Path(name)
        old = path.read_text()
        new = rewrite(old, path)
        if new != old:
            path.write_text(new)
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
