"""The one-shot poll behind ``twc-tui status``: fetch, judge, and build the JSON document.

No Rich here (core stays UI-free), so the JSON path and the exit-code logic can be tested and
reused without a console. The Rich rendering lives in ``twc_tui.commands.status``.

Exit codes, in order of precedence (the highest applicable one wins):

* 3 - a charger could not be reached (its vitals request failed);
* 1 - a charger answered but something needs a look: an active alert, a 255 sentinel
  temperature, a state outside the known table (or no state), or another endpoint failing;
* 0 - every charger answered completely and all is well.

Unreachable beats "needs a look" because it is the bigger news for a script: it cannot even
tell whether there is an alert.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from twc_tui.core.client import (
    ENDPOINTS,
    ChargerClient,
    ChargerError,
    ConnectTimeout,
    ReadTimeout,
    Timeouts,
    Unreachable,
    make_http_client,
)
from twc_tui.core.models import Lifetime, Version, Vitals, WifiStatus, parse
from twc_tui.core.parsing import json_kind
from twc_tui.core.targets import ChargerConfig

EXIT_OK = 0
EXIT_ATTENTION = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3

_FATAL = (Unreachable, ConnectTimeout, ReadTimeout)
"""Failures that mean nobody is answering: asking the other endpoints would only add
timeouts against a device that may be struggling."""


@dataclass
class ChargerReport:
    """What one charger said during a single round of the four endpoints."""

    charger: ChargerConfig
    vitals: Vitals | None = None
    lifetime: Lifetime | None = None
    wifi: WifiStatus | None = None
    version: Version | None = None
    errors: dict[str, str] = field(default_factory=dict)
    """Endpoint name to a sentence saying why it failed (or was skipped)."""

    @property
    def reachable(self) -> bool:
        """Vitals answered with a JSON object: without vitals we know nothing useful."""
        return self.vitals is not None

    @property
    def error(self) -> str | None:
        """Why the charger counts as unreachable, or None."""
        return None if self.reachable else self.errors.get("vitals", "no answer")

    @property
    def phase_mode(self) -> str | None:
        """The phase mode used for power: configured, or detected for ``auto``."""
        return self.vitals.phase_mode(self.charger.phase_mode) if self.vitals else None

    @property
    def power_w(self) -> float | None:
        return self.vitals.power_w(self.charger.phase_mode) if self.vitals else None

    def problems(self) -> list[str]:
        """Everything that makes this charger's exit code non-zero, in words."""
        if not self.reachable:
            return [f"unreachable: {self.error}"]
        assert self.vitals is not None
        found: list[str] = []
        for alert in self.vitals.alerts:
            found.append(f"alert {alert.code}: {alert.text}")
        for key in self.vitals.sentinels:
            found.append(f"{key} read 255, the sensor-failure sentinel")
        state = self.vitals.state
        if state.code is None:
            found.append("no evse_state reported")
        elif not state.known:
            found.append(f"evse_state {state.code} is not a known state")
        for endpoint, message in self.errors.items():
            found.append(f"{endpoint}: {message}")
        return found

    def exit_code(self) -> int:
        if not self.reachable:
            return EXIT_UNREACHABLE
        return EXIT_ATTENTION if self.problems() else EXIT_OK


def exit_code(reports: Iterable[ChargerReport]) -> int:
    """3 beats 1 beats 0 (see the module docstring)."""
    codes = {r.exit_code() for r in reports}
    for code in (EXIT_UNREACHABLE, EXIT_ATTENTION):
        if code in codes:
            return code
    return EXIT_OK


async def poll_charger(client: ChargerClient, charger: ChargerConfig) -> ChargerReport:
    """Ask the four endpoints once, strictly one after another (the charger is fragile).

    If vitals cannot reach the charger at all, the others are skipped rather than each
    waiting out its own timeout.
    """
    report = ChargerReport(charger)
    for endpoint in ENDPOINTS:
        try:
            raw = await client.fetch(endpoint)
        except ChargerError as error:
            report.errors[endpoint] = str(error)
            if endpoint == "vitals" and isinstance(error, _FATAL):
                for rest in ENDPOINTS[1:]:
                    report.errors[rest] = "skipped: the charger did not answer vitals"
                break
            continue
        if not isinstance(raw, dict):
            kind = json_kind(raw)
            article = "" if kind == "null" else "an " if kind[0] in "aeiou" else "a "
            report.errors[endpoint] = f"expected a JSON object, got {article}{kind}"
            continue
        setattr(report, "wifi" if endpoint == "wifi_status" else endpoint, parse(endpoint, raw))
    return report


async def poll_chargers(
    chargers: Sequence[ChargerConfig], timeouts: Timeouts
) -> list[ChargerReport]:
    """All chargers at once (they are independent), over one shared HTTP client.

    A charger listed twice (on the command line and in the config, say) is polled once:
    two concurrent rounds would put two requests in flight on one fragile device.
    """
    unique: dict[str, ChargerConfig] = {}
    for charger in chargers:
        unique.setdefault(charger.id, charger)
    async with make_http_client(timeouts) as http:
        return list(await asyncio.gather(*(
            poll_charger(ChargerClient(http, c.host, c.port, timeouts), c) for c in unique.values()
        )))  # fmt: skip


# -- the JSON document ------------------------------------------------------------------


_MAX_DEPTH = 16
"""The document nests five levels; the parsers already cut unknown fields to a few more."""


def _clean(value: Any, depth: int = 0) -> Any:
    """JSON-safe copy: non-finite floats (``1e999`` parses to inf) become null, and nesting
    deeper than any document of ours (only a charger's unknown field could be) becomes
    ``"…"`` instead of a RecursionError."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict | list | tuple) and depth >= _MAX_DEPTH:
        return "…"
    if isinstance(value, dict):
        return {str(k): _clean(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v, depth + 1) for v in value]
    return value


def charger_document(report: ChargerReport) -> dict[str, Any]:
    """One entry of ``{"chargers": [...]}``; keys are documented in the README."""
    v = report.vitals
    state = v.state if v else None
    wifi: dict[str, Any] | None = None
    if report.wifi is not None:
        # "ssid" is what a person would call the network: base64-decoded, or as sent when
        # it does not decode to printable text (field notes §3.3); "ssid_raw" is as sent.
        wifi = {"ssid": report.wifi.ssid, "ssid_raw": report.wifi.wifi_ssid,
                "ssid_decoded": report.wifi.ssid_decoded is not None}
        wifi.update((k, val) for k, val in report.wifi.device_dict().items() if k != "wifi_ssid")
    payloads = {"vitals": v, "lifetime": report.lifetime, "wifi_status": report.wifi,
                "version": report.version}
    extra = {name: dict(p.extra) for name, p in payloads.items() if p is not None and p.extra}
    doc = {
        "host": report.charger.id,
        "name": report.charger.name,
        "reachable": report.reachable,
        "error": report.error,
        "endpoint_errors": dict(report.errors),
        "state": None if state is None else {
            "code": state.code, "label": state.label, "verified": state.verified,
        },
        "plugged": v.plugged if v else None,
        "charging": v.charging if v else None,
        "power_w": None if report.power_w is None else round(report.power_w, 1),
        "phase_mode": report.phase_mode,
        "phase_mode_setting": report.charger.phase_mode,
        "vitals": v.device_dict() if v else None,
        "lifetime": report.lifetime.device_dict() if report.lifetime else None,
        "wifi": wifi,
        "version": report.version.device_dict() if report.version else None,
        "alerts": [{"code": a.code, "text": a.text} for a in v.alerts] if v else [],
        "sentinels": list(v.sentinels) if v else [],
        "extra": extra,
        "problems": report.problems(),
        "exit_code": report.exit_code(),
    }  # fmt: skip
    return _clean(doc)


def document(reports: Sequence[ChargerReport]) -> dict[str, Any]:
    """The whole ``--json`` document."""
    return {"chargers": [charger_document(r) for r in reports], "exit_code": exit_code(reports)}
