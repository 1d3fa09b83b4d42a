"""``twc-tui status --hub``: the reports from a hub's cache, or one line on why not."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import Sequence

from twc_tui.core.config import Settings
from twc_tui.core.report import ChargerReport
from twc_tui.core.targets import ChargerConfig
from twc_tui.hub.attach import HubChoice
from twc_tui.hub.hub_report import hub_reports
from twc_tui.hub.sse_client import HubError


def read_hub(hub: HubChoice, settings: Settings, chargers: Sequence[ChargerConfig] = (),
             phase_mode: str | None = None) -> list[ChargerReport] | None:
    """One request to the hub, none to a charger. None after one line on stderr when the
    hub cannot be read or polls nothing (``status`` then exits with 3)."""
    try:
        reports = asyncio.run(hub_reports(hub.url, settings, token=hub.token,
                                          only=chargers if hub.only else (),
                                          timeout=settings.timeouts.connect))
    except HubError as error:
        print(f"twc-tui status: hub unreachable at {hub.url}: {error}", file=sys.stderr)
        return None
    if not reports:
        print(f"twc-tui status: the hub at {hub.url} polls no chargers", file=sys.stderr)
        return None
    if phase_mode:
        for report in reports:
            report.charger = dataclasses.replace(report.charger, phase_mode=phase_mode)
    return reports


def hub_note(hub: HubChoice) -> str:
    """The line that heads the human report."""
    return f"via hub {hub.url}" + (" (found on this machine; --direct asks the chargers)"
                                   if hub.found else "")
