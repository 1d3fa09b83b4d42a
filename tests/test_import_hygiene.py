"""twc_tui.core, engine, hub and sim (and the CLI entry point) never import Textual or Rich;
the layers import only downwards, and no module imports itself back through another.

The core must stay cheap to import: ``twc-tui status`` and the simulator start without paying
for a UI toolkit, and a stray import would also drag terminal side effects into the poller.
Each check runs in a fresh interpreter, since this test process has long since loaded Textual.
Modules are discovered at collection time, so new core modules are covered without edits here.
"""

from __future__ import annotations

import importlib.util
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import twc_tui.core
import twc_tui.engine
import twc_tui.hub
import twc_tui.sim

ROOT = Path(__file__).resolve().parents[1]
UI_PACKAGES = ("textual", "rich")

UI_FREE_PACKAGES = (twc_tui.core, twc_tui.engine, twc_tui.hub, twc_tui.sim)
CORE_MODULES: list[str] = sorted(
    info.name
    for package in UI_FREE_PACKAGES
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
)

# (module, packages it must not load). commands.status renders with Rich, so only Textual
# is banned there; it is checked only once someone has written it.
TARGETS: list[tuple[str, tuple[str, ...]]] = [
    ("twc_tui", UI_PACKAGES),
    ("twc_tui.core", UI_PACKAGES),
    *((name, UI_PACKAGES) for name in CORE_MODULES),
    ("twc_tui.cli", UI_PACKAGES),
    ("twc_tui.commands.status", ("textual",)),
]

PROBE = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps(sorted(sys.modules)))
"""


def loaded_after_import(*modules: str) -> set[str]:
    """Top-level package names in ``sys.modules`` of a fresh interpreter after importing."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *modules],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"importing {modules} failed:\n{result.stderr}"
    return {name.split(".")[0] for name in json.loads(result.stdout)}


def test_discovery_finds_the_core() -> None:
    expected = {"core.client", "core.models", "core.text", "core.codes", "core.config",
                "engine.poller", "engine.series", "sim.charger"}
    assert {f"twc_tui.{name}" for name in expected} <= set(CORE_MODULES)


@pytest.mark.parametrize(("module", "banned"), TARGETS, ids=[m for m, _ in TARGETS])
def test_module_loads_no_ui_toolkit(module: str, banned: tuple[str, ...]) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} does not exist yet")
    loaded = loaded_after_import(module)
    assert module.split(".")[0] in loaded
    assert not loaded & set(banned), f"{module} imports {sorted(loaded & set(banned))}"


def test_whole_core_together_loads_no_ui_toolkit() -> None:
    loaded = loaded_after_import("twc_tui.cli", *CORE_MODULES)
    assert not loaded & set(UI_PACKAGES)


def test_probe_would_notice_textual() -> None:
    # The check can fail: importing the TUI does load Textual.
    assert "textual" in loaded_after_import("twc_tui.tui.app")
