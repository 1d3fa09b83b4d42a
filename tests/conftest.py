"""Shared test setup: local time is UTC so clock strings in snapshots are stable."""

from __future__ import annotations

import os
import time

os.environ["TZ"] = "UTC"
time.tzset()
