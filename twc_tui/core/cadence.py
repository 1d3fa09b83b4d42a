"""How often a charger may be asked for what: the cadence and the 1 s floor.

Part of the protocol rather than the engine: the floor is what the device's fragile web server
needs, and the config validates against it.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_INTERVAL_S = 1.0
"""The floor for any endpoint: the charger's embedded web server is fragile."""


@dataclass(frozen=True)
class PollSettings:
    """How often to ask a charger for what."""

    vitals_active_s: float = 1.0
    """Vitals cadence while a vehicle is connected."""
    vitals_idle_s: float = 5.0
    """Vitals cadence with nothing plugged in."""
    wifi_s: float = 30.0
    lifetime_s: float = 60.0
    version_s: float = 3600.0
    backoff_factor: float = 1.6
    backoff_max_s: float = 60.0
    """While a charger fails, at most one attempt per this many seconds."""
    offline_after: int = 3
    """Consecutive vitals failures before the charger counts as offline."""

    def __post_init__(self) -> None:
        for name in ("vitals_active_s", "vitals_idle_s", "wifi_s", "lifetime_s", "version_s"):
            if not getattr(self, name) >= MIN_INTERVAL_S:  # also refuses NaN
                raise ValueError(f"{name} must be at least {MIN_INTERVAL_S:g} s")
