"""The public API stays: every name in tests/package/public_api.txt exists; no new one unlisted.

Others add names (to ``.api`` and ``.testing``) all the time, so the check is one way per
direction: a committed name that disappears is a break; a new public name must be added to
the list (``python tools/public_api.py``), so that adding API is a visible decision too.
"""

from __future__ import annotations

import importlib
import importlib.util
import warnings
from pathlib import Path

import pytest

_TOOL = Path(__file__).resolve().parents[2] / "tools" / "public_api.py"
_spec = importlib.util.spec_from_file_location("public_api_tool", _TOOL)
assert _spec is not None and _spec.loader is not None
tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tool)

COMMITTED = tool.read_listing()
HOW = "run `python tools/public_api.py` and commit tests/package/public_api.txt"


@pytest.mark.parametrize("module_name", tool.PUBLIC_MODULES)
def test_every_committed_name_is_still_there(module_name: str) -> None:
    module = importlib.import_module(module_name)
    with warnings.catch_warnings():  # a deprecated alias is still there; it warns on use
        warnings.simplefilter("ignore", DeprecationWarning)
        missing = sorted(
            n for n in COMMITTED[module_name] if n not in dir(module) and not hasattr(module, n)
        )
    assert not missing, (
        f"{module_name} lost public names {missing}: the public API must not change "
        "(re-export them; remove them from tests/package/public_api.txt only in a breaking release)"
    )


@pytest.mark.parametrize("module_name", tool.PUBLIC_MODULES)
def test_every_public_name_is_listed(module_name: str) -> None:
    new = sorted(tool.public_names(module_name) - COMMITTED[module_name])
    assert not new, f"{module_name} has new public names {new}: {HOW}"


def test_every_listed_name_is_in_dir_of_a_lazy_module() -> None:
    # The lazily loading modules answer dir() with their __all__, without importing anything.
    for module_name in ("lexoffice_auth", "lexoffice_auth.stores", "lexoffice_auth.oidc"):
        module = importlib.import_module(module_name)
        assert set(module.__all__) <= set(dir(module)) <= COMMITTED[module_name] | {"__version__"}


@pytest.mark.parametrize(
    ("module_name", "old", "new"),
    [
        ("lexoffice_auth.api", "DEFAULT_BASE_URL", "API_BASE_URL"),
        ("lexoffice_auth.testing", "LEXWARE_API_BASE", "API_BASE_URL"),
        ("lexoffice_auth.testing", "SANDBOX_API_BASE", "FAKE_API_BASE_URL"),
        ("lexoffice_auth.testing", "SANDBOX_ISSUER", "FAKE_ISSUER"),
        ("lexoffice_auth.testing", "SandboxServer", "FakeServer"),
    ],
)
def test_a_renamed_name_still_works_for_one_release_and_warns(
    module_name: str, old: str, new: str
) -> None:
    module = importlib.import_module(module_name)
    with pytest.warns(DeprecationWarning, match=rf"{module_name}\.{old} .* 0\.4; use .*\.{new}$"):
        value = getattr(module, old)
    assert value is getattr(module, new)
    assert old not in module.__all__  # listed in public_api.txt, no longer advertised
