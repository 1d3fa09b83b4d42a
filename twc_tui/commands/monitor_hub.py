"""The monitor attached to a hub: read its chargers before the screens are built."""

from __future__ import annotations

import asyncio
import logging
import sys

from twc_tui.core.clock import Clock
from twc_tui.core.config import Settings
from twc_tui.hub.attach import HubChoice
from twc_tui.hub.remote import RemoteEngine
from twc_tui.hub.sse_client import HubError

log = logging.getLogger("twc_tui.commands.monitor")

EXIT_UNREACHABLE = 3


def open_remote(hub: HubChoice, settings: Settings, clock: Clock,
                can_poll: bool) -> tuple[RemoteEngine | None, int]:
    """The engine reading ``hub``, or why not: ``(None, 0)`` to poll the chargers instead
    (a hub found on this machine that does not answer, when there are chargers to poll),
    ``(None, 3)`` after one line on stderr."""
    engine = RemoteEngine(hub.url, settings, clock=clock, token=hub.token, only=hub.only,
                          notice=hub.notice())
    try:
        asyncio.run(engine.load())
    except HubError as error:
        if hub.found and can_poll:
            print(f"twc-tui: the hub on this machine ({hub.url}) does not answer ({error}); "
                  "polling the chargers directly", file=sys.stderr)
            log.warning("local hub %s does not answer: %s", hub.url, error)
            return None, 0
        print(f"twc-tui: hub unreachable at {hub.url}: {error}", file=sys.stderr)
        return None, EXIT_UNREACHABLE
    return engine, 0
