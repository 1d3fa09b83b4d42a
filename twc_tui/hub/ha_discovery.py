"""Home Assistant MQTT discovery: one device message per charger, and what was published.

The device-based form (``<prefix>/device/<id>/config`` with ``device``, ``origin`` and
``components``) puts the device, its availability and origin in one retained message, so
Home Assistant sees a charger appear, change or go away whole. Every value template has the
plain ``{{ value_json.KEY }}`` form over the state document (``status --json``'s keys), so
the state a user reads on the broker is what the entities show.

Availability lists the charger's topic and the bridge's with ``availability_mode: all``: an
entity is available only while the hub is alive *and* the charger answers, so a dead hub
never leaves stale numbers looking live.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from twc_tui import __version__
from twc_tui.core.codes import STATES
from twc_tui.core.models import Version
from twc_tui.core.text import safe_text

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_TOPIC_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")

ONLINE, OFFLINE = "online", "offline"


def topic_id(charger: str) -> str:
    """A charger id (``host:port``) as one topic level: letters, digits, ``_ . -`` only, so
    no ``+ # /`` or control character can reach a topic."""
    return _TOPIC_UNSAFE.sub("_", safe_text(charger, 80)) or "charger"


def node_id(serial: str | None) -> str | None:
    """``twc_<serial>`` (Home Assistant allows ``[A-Za-z0-9_-]`` here), or None without a
    usable serial number."""
    cleaned = _UNSAFE.sub("", safe_text(serial, 64))
    return f"twc_{cleaned}" if cleaned else None


def node_suffix(level: str) -> str:
    """A topic level made fit for a node id (``.`` is not allowed there)."""
    return _UNSAFE.sub("_", level)


@dataclass(frozen=True)
class Topics:
    """Where one charger's messages go."""

    base: str
    charger: str
    """The charger's topic level (see :func:`topic_id`)."""

    @property
    def state(self) -> str:
        return f"{self.base}/{self.charger}/state"

    @property
    def summary(self) -> str:
        """What only the hub knows: energy delivered, the alert count."""
        return f"{self.base}/{self.charger}/summary"

    @property
    def availability(self) -> str:
        return f"{self.base}/{self.charger}/availability"

    @property
    def event(self) -> str:
        return f"{self.base}/{self.charger}/event"


def bridge_topic(base: str) -> str:
    return f"{base}/bridge/availability"


def discovery_topic(prefix: str, node: str) -> str:
    return f"{prefix}/device/{node}/config"


def _sensor(name: str, path: str, unit: str | None = None, device_class: str | None = None,
            state_class: str | None = "measurement", topic: str = "state",
            **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"platform": "sensor", "name": name,
                            "value_template": f"{{{{ value_json.{path} }}}}", "_topic": topic}
    if unit:
        spec["unit_of_measurement"] = unit
    if device_class:
        spec["device_class"] = device_class
    if state_class:
        spec["state_class"] = state_class
    spec.update(extra)
    return spec


def _binary(name: str, path: str, device_class: str) -> dict[str, Any]:
    # value_json.plugged renders as True/False, so those are the payloads.
    return {"platform": "binary_sensor", "name": name, "device_class": device_class,
            "value_template": f"{{{{ value_json.{path} }}}}", "payload_on": "True",
            "payload_off": "False", "_topic": "state"}


STATE_LABELS = sorted({s.label for s in STATES.values()} | {"unknown"})

COMPONENTS: dict[str, dict[str, Any]] = {
    "power": _sensor("Power", "power_w", "W", "power"),
    "vehicle_current": _sensor("Vehicle current", "vitals.vehicle_current_a", "A", "current"),
    "grid_voltage": _sensor("Grid voltage", "vitals.grid_v", "V", "voltage"),
    "grid_frequency": _sensor("Grid frequency", "vitals.grid_hz", "Hz", "frequency"),
    "handle_temperature": _sensor("Handle temperature", "vitals.handle_temp_c", "°C",
                                  "temperature"),
    "pcba_temperature": _sensor("PCBA temperature", "vitals.pcba_temp_c", "°C", "temperature"),
    "mcu_temperature": _sensor("MCU temperature", "vitals.mcu_temp_c", "°C", "temperature"),
    "session_energy": _sensor("Session energy", "vitals.session_energy_wh", "Wh", "energy",
                              "total_increasing"),
    "energy_delivered": _sensor("Energy delivered", "energy_delivered_wh", "Wh", "energy",
                                "total_increasing", topic="summary"),
    "vehicle_connected": _binary("Vehicle connected", "plugged", "plug"),
    "charging": _binary("Charging", "charging", "battery_charging"),
    "state": _sensor("State", "state.label", device_class="enum", state_class=None,
                     options=STATE_LABELS),
    "active_alerts": _sensor("Active alerts", "active_alerts", topic="summary",
                             icon="mdi:alert", json_attributes_topic="summary"),
    "wifi_rssi": _sensor("WiFi RSSI", "wifi.wifi_rssi", "dBm", "signal_strength",
                         entity_category="diagnostic"),
}  # fmt: skip
"""Every entity, by component id (part of each ``unique_id``, so never rename one)."""


def discovery_payload(topics: Topics, bridge: str, node: str, name: str,
                      version: Version | None) -> dict[str, Any]:
    """The retained device message for one charger."""
    device: dict[str, Any] = {"identifiers": [node], "name": safe_text(name, 80),
                              "manufacturer": "Tesla"}
    if version is not None:
        if version.serial_number:
            device["serial_number"] = safe_text(version.serial_number, 64)
        device["model"] = safe_text(version.part_number, 64) or "Wall Connector Gen 3"
        if version.firmware_version:
            device["sw_version"] = safe_text(version.firmware_version, 64)
    where = {"state": topics.state, "summary": topics.summary}
    components: dict[str, dict[str, Any]] = {}
    for key, spec in COMPONENTS.items():
        component = {k: v for k, v in spec.items() if not k.startswith("_")}
        component["unique_id"] = f"{node}_{key}"
        if spec["_topic"] != "state":
            component["state_topic"] = where[spec["_topic"]]
        if component.get("json_attributes_topic") in where:
            component["json_attributes_topic"] = where[component["json_attributes_topic"]]
        components[key] = component
    return {
        "device": device,
        "origin": {"name": "twc-tui", "sw_version": __version__},
        "state_topic": topics.state,
        "availability": [
            {"topic": topics.availability, "payload_available": ONLINE,
             "payload_not_available": OFFLINE},
            {"topic": bridge, "payload_available": ONLINE, "payload_not_available": OFFLINE},
        ],
        "availability_mode": "all",
        "components": components,
    }


class PublishedDiscovery:
    """Which discovery topics this hub has published, and for which charger, kept in the
    history database (``mqtt_discovery``) so that a charger removed from the config has its
    entities cleared even after a restart. Without a database it only remembers this run."""

    def __init__(self, conn: sqlite3.Connection | None, lock: threading.Lock | None = None
                 ) -> None:
        self.conn = conn
        self.lock = lock or threading.Lock()
        self.topics: dict[str, str] = {}
        """Discovery topic to charger id."""

    def load(self) -> None:
        if self.conn is not None:
            with self.lock:
                rows = self.conn.execute("SELECT topic, charger FROM mqtt_discovery").fetchall()
            self.topics.update((str(t), str(c)) for t, c in rows)

    def stale(self, current: Iterable[str], prefix: str) -> list[str]:
        """Topics under ``prefix`` published for chargers that are no longer configured."""
        keep = set(current)
        return sorted(t for t, c in self.topics.items()
                      if c not in keep and t.startswith(f"{prefix}/device/"))

    def replaced(self, charger: str, topic: str) -> list[str]:
        """Other topics of the same charger (its serial changed: a replaced unit)."""
        return sorted(t for t, c in self.topics.items() if c == charger and t != topic)

    def remember(self, topic: str, charger: str) -> None:
        self.topics[topic] = charger
        self._write("INSERT OR REPLACE INTO mqtt_discovery (topic, charger, at) VALUES (?, ?, ?)",
                    (topic, charger, time.time()))

    def forget(self, topic: str) -> None:
        self.topics.pop(topic, None)
        self._write("DELETE FROM mqtt_discovery WHERE topic = ?", (topic,))

    def _write(self, sql: str, args: tuple[Any, ...]) -> None:
        if self.conn is None:
            return
        with self.lock:
            self.conn.execute(sql, args)
