"""Finding a hub on this machine: the small file ``serve`` writes at start and removes at exit.

``<runtime dir>/twc-tui/hub.json``, where the runtime dir is ``$XDG_RUNTIME_DIR`` (private to
the user, emptied at logout) or else the user state dir. It says where the hub listens, which
chargers it polls and whether it wants a token (never the token itself). A file left behind
by a hub that died is ignored: its pid no longer runs.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("twc_tui.hub.locate")

MAX_FILE_BYTES = 64 * 1024


@dataclass(frozen=True)
class LocalHub:
    url: str
    pid: int
    chargers: tuple[str, ...]
    """The engine ids (``host:port``) it polls."""
    token: bool
    """Whether it requires a token."""


def hub_file() -> Path:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime) / "twc-tui" / "hub.json"
    from platformdirs import user_state_path

    return user_state_path("twc-tui") / "hub.json"


def write_local_hub(url: str, chargers: Sequence[str], token: bool,
                    path: Path | None = None) -> Path:
    """Write the file atomically (a temporary file, then a rename), readable by this user
    only. Raises OSError."""
    path = path or hub_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    doc = {"url": url, "pid": os.getpid(), "chargers": list(chargers), "token": token}
    fd, tmp = tempfile.mkstemp(prefix=".hub-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(doc, out)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive, but not our hub
        return False
    except OSError:
        return False
    return True


def read_local_hub(path: Path | None = None) -> LocalHub | None:
    """The hub running on this machine, or None (no file, a file we cannot use, or one left
    by a hub that is gone)."""
    path = path or hub_file()
    try:
        with path.open("rb") as handle:
            data = json.loads(handle.read(MAX_FILE_BYTES))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        log.warning("ignoring %s: %s", path, error)
        return None
    if not isinstance(data, dict):
        return None
    url, pid, chargers = data.get("url"), data.get("pid"), data.get("chargers")
    if (not isinstance(url, str) or not url.startswith("http://")
            or isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0
            or not isinstance(chargers, list)):
        log.warning("ignoring %s: not a hub file", path)
        return None
    if not _alive(pid):
        return None
    return LocalHub(url, pid, tuple(c for c in chargers if isinstance(c, str)),
                    data.get("token") is True)


def remove_local_hub(path: Path | None = None) -> None:
    """Remove the file if this process wrote it (another hub may have replaced it since)."""
    path = path or hub_file()
    try:
        data = json.loads(path.read_bytes()[:MAX_FILE_BYTES])
        if isinstance(data, dict) and data.get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass
