"""A live charger's state as the one-shot report ``status`` builds, so every consumer that
describes a charger (``status --json``, MQTT state messages) shares one document and one set
of decoded values."""

from __future__ import annotations

from twc_tui.core.report import ChargerReport
from twc_tui.core.targets import ChargerConfig
from twc_tui.engine.charger_state import ChargerState


def report_from_state(charger: ChargerConfig, state: ChargerState) -> ChargerReport:
    """What ``status`` would report now. An offline charger is reported as ``status`` finds
    one that does not answer (unreachable, no data), not with its last good payloads: the
    document says what is true now, and its age is the consumer's to show."""
    if state.offline:
        errors = {"vitals": state.last_error or "offline"}
        return ChargerReport(charger, errors=errors)
    return ChargerReport(charger, vitals=state.vitals, lifetime=state.lifetime,
                         wifi=state.wifi, version=state.version,
                         errors=dict(state.endpoint_errors))
