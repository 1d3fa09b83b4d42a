"""The paths a Wall Connector serves, and those it answers with an error.

Known in one place because two sides must agree on them: the simulator answers like real
firmware, and the hub's proxy ports answer like a charger to tools that expect one.
"""

from __future__ import annotations

ENDPOINT_PATHS: dict[str, str] = {f"/api/1/{e}": e for e in
                                  ("vitals", "lifetime", "wifi_status", "version")}
"""The four working paths, to the endpoint name."""

BROKEN_PATHS = frozenset(f"/api/1/{p}" for p in (
    "status", "config", "network", "power_sharing", "followers", "slaves", "devices", "group"))
"""Paths real firmware answers with 500 (field notes §1); any other path is a 404."""
