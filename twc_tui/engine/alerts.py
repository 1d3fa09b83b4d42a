"""The alert engine: the rules watching every charger, and the sinks they notify.

It listens to the engine's updates (a quick, inline step: no I/O), and checks once a second on
the engine's clock for what only time can bring about (offline for five minutes, a condition
that has held for ``for``). Notifications go to the :class:`~twc_tui.engine.notify.Dispatcher`,
whose queues never hold up polling, and to in-process listeners (the monitor's toast).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Protocol

from twc_tui.core.alert_config import Alerting, AlertRule
from twc_tui.core.clock import Clock
from twc_tui.core.models import Vitals
from twc_tui.core.sink_config import Sink
from twc_tui.core.text import safe_text
from twc_tui.core.units import kwh
from twc_tui.engine.alert_rules import Notification, Observation, RuleBook
from twc_tui.engine.charger_state import ChargerState, LogEntry
from twc_tui.engine.derate import Forecaster
from twc_tui.engine.listeners import Listeners
from twc_tui.engine.notify import Dispatcher
from twc_tui.engine.poller import PollEvent, PollSuccess

log = logging.getLogger("twc_tui.engine.alerts")

CHECK_EVERY_S = 1.0

AlertListener = Callable[[Notification], None]


class Update(Protocol):
    """What :class:`twc_tui.engine.engine.Update` carries (typed here without importing the
    engine, which imports this module)."""

    @property
    def charger(self) -> str: ...
    @property
    def event(self) -> PollEvent: ...
    @property
    def entries(self) -> tuple[LogEntry, ...]: ...


class Engine(Protocol):
    """The parts of :class:`twc_tui.engine.engine.Engine` the alerts use."""

    states: Mapping[str, ChargerState]
    clock: Clock

    def listen(self, listener: Callable[[Update], None]) -> Callable[[], None]: ...


def stop_events(old: Vitals | None, new: Vitals) -> dict[str, str]:
    """Charging finished or stopped unexpectedly, from two successive readings."""
    if old is None or old.contactor_closed is not True:
        return {}
    energy = kwh(new.session_energy_wh)
    if not new.plugged:
        return {"charging_stopped": f"Unplugged while charging, at {energy}"}
    if new.contactor_closed is not False:
        return {}
    if new.current_alerts:
        codes = ", ".join(safe_text(a.code, 10) for a in new.alerts)
        return {"charging_stopped": f"Charging stopped with alert {codes}, at {energy}"}
    fresh = set(new.evse_not_ready_reasons or ()) - set(old.evse_not_ready_reasons or ())
    if fresh:
        reasons = ",".join(safe_text(r, 8) for r in sorted(fresh, key=str))
        return {"charging_stopped": f"Charging stopped, not ready [{reasons}], at {energy}"}
    return {"charging_finished": f"Charging finished at {energy}"}


class AlertEngine:
    """Rules and sinks for one :class:`Engine`."""

    def __init__(self, engine: Engine, rules: tuple[AlertRule, ...],
                 sinks: tuple[Sink, ...], *, backoff_s: float | None = None) -> None:
        self.engine = engine
        self.book = RuleBook(rules)
        extra = {} if backoff_s is None else {"backoff_s": backoff_s}
        self.dispatcher = Dispatcher(sinks, self._gave_up, **extra)
        self.forecasters: dict[str, Forecaster] = {}
        self.sent: list[Notification] = []
        """Recent notifications, newest last (bounded)."""
        self._listeners: Listeners[Notification] = Listeners(log, "alert listener")
        self._last: dict[str, Vitals] = {}
        self._unlisten: Callable[[], None] | None = None
        self._task: asyncio.Task[None] | None = None

    # -- consumers -----------------------------------------------------------------------
    def listen(self, listener: AlertListener) -> Callable[[], None]:
        return self._listeners.add(listener)

    def forecast_minutes(self, charger: str) -> int | None:
        """Minutes to the predicted derate on ``charger``, if one is predicted."""
        forecaster = self.forecasters.get(charger)
        fc = None if forecaster is None else forecaster.forecast()
        return None if fc is None else fc.minutes

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        self.dispatcher.start()
        self._unlisten = self.engine.listen(self.on_update)
        self._task = asyncio.create_task(self._tick(), name="alert checks")

    async def stop(self) -> None:
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.dispatcher.stop()

    # -- evaluation ----------------------------------------------------------------------
    def on_update(self, update: Update) -> None:
        state = self.engine.states.get(update.charger)
        event = update.event
        if state is None or event is None:
            return
        events: dict[str, str] = {}
        for entry in update.entries:
            if entry.kind == "reboot":
                events["reboot"] = entry.text
            elif entry.kind == "firmware":
                events["firmware"] = entry.text
        fresh = isinstance(event, PollSuccess) and isinstance(event.payload, Vitals)
        if fresh:
            assert isinstance(event, PollSuccess) and isinstance(event.payload, Vitals)
            vitals = event.payload
            events.update(stop_events(self._last.get(update.charger), vitals))
            self._last[update.charger] = vitals
            forecaster = self.forecasters.setdefault(update.charger, Forecaster())
            forecaster.observe(event.at, vitals)
        self._run(state, event.at, events, fresh)

    def check(self, now: float | None = None) -> None:
        """The periodic step: time-based conditions on every charger."""
        now = self.engine.clock.time() if now is None else now
        for state in list(self.engine.states.values()):
            self._run(state, now, {}, fresh=False)

    def _observe(self, state: ChargerState, at: float, events: dict[str, str],
                 fresh: bool) -> Observation:
        v = state.vitals
        alerts = None
        if fresh and v is not None:
            alerts = {safe_text(a.code, 20): safe_text(a.text, 80) for a in v.alerts}
        return Observation(
            at=at, events=events, offline=state.offline, offline_since=state.offline_since,
            alerts=alerts,
            handle_c=None if v is None or not fresh else v.handle_temp_c,
            grid_v=None if v is None or not fresh else v.grid_v,
            grid_hz=None if v is None else v.grid_hz,
            derate_minutes=self.forecast_minutes(state.charger) if fresh else None,
            charging=None if v is None or not fresh else v.charging)

    def _run(self, state: ChargerState, at: float, events: dict[str, str],
             fresh: bool) -> None:
        observation = self._observe(state, at, events, fresh)
        for n in self.book.step(state.charger, state.name, observation):
            self.emit(n)

    def emit(self, n: Notification) -> None:
        """Send ``n`` to the sinks and tell every listener."""
        self.sent.append(n)
        del self.sent[:-200]
        self.dispatcher.submit(n)
        self._listeners.tell(n)

    async def _tick(self) -> None:
        clock = self.engine.clock
        while True:
            await clock.sleep(CHECK_EVERY_S)
            try:
                self.check()
            except Exception:  # the checks must go on; polling never depended on them
                log.exception("alert check failed")

    def _gave_up(self, n: Notification, sink: Sink, why: str) -> None:
        """One line in the charger's event log."""
        self.engine.note(LogEntry(
            self.engine.clock.time(), n.charger, "notify_failed",
            safe_text(f"Could not notify {sink.name} of {n.rule!r}: {why}", 300), "warning"))


def start_alerts(engine: Engine, alerting: Alerting) -> AlertEngine | None:
    """An AlertEngine for ``engine``, started, when any rule is in force."""
    if not any(rule.enabled for rule in alerting.rules):
        return None
    alerts = AlertEngine(engine, alerting.rules, alerting.sinks)
    alerts.start()
    return alerts


async def stop_alerts(alerts: AlertEngine | None) -> None:
    if alerts is not None:
        await alerts.stop()
