"""How the bench starts twc-tui: the venv's script, and a user's terminal environment with
config, state, data, cache and runtime directories of its own (so no real config is read, the
history database starts empty, and a hub's hub.json is found only by the bench's programs)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def twc_argv(*args: str) -> list[str]:
    script = Path(sys.executable).parent / "twc-tui"
    if script.exists():
        return [sys.executable, str(script), *args]
    return [sys.executable, "-m", "twc_tui", *args]


def term_env(home: Path) -> dict[str, str]:
    """The user's environment for a 256-colour terminal, with a config dir of its own."""
    drop = {"COLORTERM", "NO_COLOR", "FORCE_COLOR", "TMUX", "TMUX_PANE", "COLUMNS", "LINES"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("TEXTUAL")}
    env["TERM"] = "xterm-256color"
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state"),
                     ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"),
                     ("XDG_RUNTIME_DIR", "run")):
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(home / sub)
    (home / "run").chmod(0o700)
    if "utf" not in (env.get("LC_ALL") or env.get("LANG") or "").lower():
        env["LANG"] = "C.UTF-8"
        env.pop("LC_ALL", None)
    return env
