"""Shared test setup: local time is UTC so clock strings in snapshots are stable."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

os.environ["TZ"] = "UTC"
time.tzset()


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Config and history go to a temporary home, never the developer's own (also for the
    ``twc-tui`` subprocesses tests start, which inherit the environment)."""
    home = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    # Where `serve` leaves its hub file: a developer's running hub must not be found.
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(home / "run"))


@pytest.fixture
def demo_day(tmp_path: Path):
    """The demo chargers with a week of sessions and a day of charts in a fresh database:
    ``(db, chargers, sims)``; ``tests.demo_history.demo_app(*demo_day)`` shows it."""
    from tests.demo_history import write_demo_history

    db = tmp_path / "demo-history.db"
    return (db, *write_demo_history(db))
