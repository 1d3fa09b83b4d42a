"""The kinds of Wall Connector the simulator can be: wiring, firmware generation, identity.

Values come from the real captures in the field notes (§3): firmware strings, part numbers,
the relay fields of each generation, the two NA phase layouts and the EU three-phase shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Layout = Literal["split_ab", "split_b", "three"]


@dataclass(frozen=True)
class Profile:
    """One kind of unit."""

    name: str
    """``"na"``, ``"eu"`` or ``"old"``."""
    layout: Layout
    """``split_ab``: NA, A≈B≈240 V and C≈120 V with currents shared out (evcc #7599);
    ``split_b``: NA, A≈118/B≈246/C≈118 V with all the current on B and N (firmware 25.x);
    ``three``: EU three-phase, ~230 V and the vehicle current on each phase."""
    grid_v: float
    """Nominal supply voltage as ``grid_v`` reports it."""
    grid_hz: float
    max_current_a: float
    """The unit's configured limit, per phase on three-phase."""
    ambient_c: float
    """Handle temperature with no load."""
    relay: Literal["k1k2", "coil"]
    """``k1k2``: current firmware sends relay_k1_v/relay_k2_v; ``coil``: relay_coil_v."""
    coil_open_v: float
    """Relay coil reading with the contactor open (0.0 on some NA units, 11.9 on EU)."""
    not_ready_reasons: bool
    """Whether vitals carry ``evse_not_ready_reasons`` (2025+ firmware)."""
    lifetime_nan: bool
    """Old firmware sends a bare ``nan`` for ``avg_startup_temp``."""
    version: tuple[tuple[str, str], ...]
    """The /version payload, in the device's key order."""
    prox_plugged_v: float
    """1.5 V on a NACS handle, 1.9 V on a Type 2 connector."""
    pilot_charging_v: float
    initial_uptime_s: int
    lifetime: tuple[tuple[str, float], ...]
    """Lifetime counters at scenario time 0."""
    ssid: str
    ip: str
    mac: str

    @property
    def watts_per_amp(self) -> float:
        """Power per amp of vehicle current: grid_v on split-phase, 3 × ~230 V on three."""
        return 3 * 230.0 if self.layout == "three" else self.grid_v

    @property
    def three_phase(self) -> bool:
        return self.layout == "three"


_LIFETIME_NEW = (("contactor_cycles", 1054), ("contactor_cycles_loaded", 66),
                 ("alert_count", 2243), ("thermal_foldbacks", 3), ("avg_startup_temp", 0.0),
                 ("charge_starts", 1054), ("energy_wh", 5276620), ("connector_cycles", 483),
                 ("uptime_s", 50804115), ("charging_time_s", 3938097))  # fmt: skip

PROFILES: dict[str, Profile] = {
    "na": Profile(
        name="na", layout="split_ab", grid_v=246.0, grid_hz=59.95, max_current_a=48.0,
        ambient_c=20.0, relay="k1k2", coil_open_v=11.9, not_ready_reasons=True,
        lifetime_nan=False,
        version=(("firmware_version", "26.18.0+g114f7602e40a09"), ("git_branch", "HEAD"),
                 ("part_number", "1457768-02-G"), ("serial_number", "PGT23114012345"),
                 ("web_service", "h3-hermes-prd.sn.tesla.services"),
                 ("IEEE1547VfTripsCrc", "BB5EABC5"),
                 ("IEEE1547RideThruMomentaryCessationCrc", "753C17D3"),
                 ("IEEE1547CombinedComplianceCrc", "81DD267F")),
        prox_plugged_v=1.5, pilot_charging_v=4.4, initial_uptime_s=270204,
        lifetime=_LIFETIME_NEW, ssid="Garage-IoT", ip="192.168.1.221",
        mac="98:ED:5C:4A:10:21",
    ),
    "eu": Profile(
        name="eu", layout="three", grid_v=232.0, grid_hz=50.0, max_current_a=16.0,
        ambient_c=17.0, relay="coil", coil_open_v=11.9, not_ready_reasons=True,
        lifetime_nan=False,
        version=(("firmware_version", "25.34.1+ge48cc9be91ebc7"), ("git_branch", "HEAD"),
                 ("part_number", "1529455-02-D"), ("serial_number", "PGT21115010123"),
                 ("web_service", "h3-hermes-prd.sn.tesla.services")),
        prox_plugged_v=1.9, pilot_charging_v=0.1, initial_uptime_s=354882,
        lifetime=(("contactor_cycles", 7833), ("contactor_cycles_loaded", 190),
                  ("alert_count", 71), ("thermal_foldbacks", 34), ("avg_startup_temp", 0.0),
                  ("charge_starts", 7833), ("energy_wh", 32981753),
                  ("connector_cycles", 1710), ("uptime_s", 115853519),
                  ("charging_time_s", 8264162)),
        ssid="Hausnetz", ip="10.69.2.236", mac="4C:FC:AA:02:33:7E",
    ),
    "old": Profile(
        name="old", layout="split_b", grid_v=248.0, grid_hz=59.93, max_current_a=40.0,
        ambient_c=18.0, relay="coil", coil_open_v=0.0, not_ready_reasons=False,
        lifetime_nan=True,
        version=(("firmware_version", "21.8.5+g51eba2369815d7"),
                 ("part_number", "1529455-02-D"), ("serial_number", "PGT21085001234")),
        prox_plugged_v=1.5, pilot_charging_v=4.4, initial_uptime_s=2671424,
        lifetime=(("contactor_cycles", 44), ("contactor_cycles_loaded", 1),
                  ("alert_count", 2), ("thermal_foldbacks", 0), ("avg_startup_temp", 0.0),
                  ("charge_starts", 44), ("energy_wh", 270093), ("connector_cycles", 11),
                  ("uptime_s", 4995404), ("charging_time_s", 65738)),
        ssid="My WiFi", ip="192.168.1.50", mac="DC:44:27:1F:00:42",
    ),
}
"""Every profile by name."""
