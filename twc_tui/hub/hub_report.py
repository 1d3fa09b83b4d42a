"""``status --hub``: the one-shot report from a hub's cache, as ``status`` builds it polling.

One GET of ``/api/chargers``; each charger's document becomes a :class:`ChargerState` the way
the remote monitor builds one, and :func:`report_from_state` makes the same report (and so
the same ``--json`` document and exit code) that polling the charger would.
"""

from __future__ import annotations

from collections.abc import Sequence

from twc_tui.core.config import Settings
from twc_tui.core.report import ChargerReport
from twc_tui.core.targets import ChargerConfig
from twc_tui.engine.charger_state import ChargerState
from twc_tui.engine.state_report import report_from_state
from twc_tui.hub import wire
from twc_tui.hub.hub_roster import read_roster
from twc_tui.hub.sse_client import get_json, hub_client


async def hub_reports(url: str, settings: Settings, *, token: str | None = None,
                      only: Sequence[ChargerConfig] = (), timeout: float = 5.0
                      ) -> list[ChargerReport]:
    """One report per charger the hub polls (or per charger in ``only``, in that order; one
    the hub does not poll is unreachable). Raises :class:`HubError` when the hub cannot
    be read."""
    async with hub_client(url, token, timeout=timeout) as http:
        doc = await get_json(http, "/api/chargers")
    local = {c.id: c for c in settings.chargers}
    wanted = {c.id for c in only}
    reports: dict[str, ChargerReport] = {}
    for charger, item in read_roster(doc, local, wanted):
        state = ChargerState(charger.key, charger.config.label, charger.config.phase_mode)
        wire.state_from_wire(item, state)
        reports[charger.key] = report_from_state(charger.config, state)
    if not only:
        return list(reports.values())
    where = url.split("://", 1)[-1]
    return [reports.get(c.id) or ChargerReport(c, errors={"vitals": f"not polled by the hub "
                                                          f"at {where}"}) for c in only]
