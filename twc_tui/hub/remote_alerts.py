"""The hub's alerts as an attached monitor sees them: the notifications the hub sent its
sinks (the monitor's toasts) and each charger's derate forecast, both read from the event
stream. It answers the part of the engine's alerts the monitor uses, so the screens need not
know whether the alerts run here or in the hub."""

from __future__ import annotations

import logging
from collections.abc import Callable

from twc_tui.engine.alert_rules import Notification
from twc_tui.engine.listeners import Listeners

log = logging.getLogger("twc_tui.hub.remote")

AlertListener = Callable[[Notification], None]


class RemoteAlerts:
    def __init__(self) -> None:
        self.forecasts: dict[str, int | None] = {}
        """State key (``host:port``) to the minutes the hub last predicted to a derate."""
        self._listeners: Listeners[Notification] = Listeners(log, "alert listener")

    def listen(self, listener: AlertListener) -> Callable[[], None]:
        return self._listeners.add(listener)

    def forecast_minutes(self, charger: str) -> int | None:
        return self.forecasts.get(charger)

    def tell(self, n: Notification) -> None:
        self._listeners.tell(n)
