"""Shared test setup: local time is UTC so clock strings in snapshots are stable."""

from __future__ import annotations

import os
import time

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
