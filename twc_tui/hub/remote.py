"""The monitor's engine when a hub polls the chargers: the same state, fed from the hub.

:class:`RemoteEngine` stands in for :class:`twc_tui.engine.engine.Engine` wherever the monitor
uses one. It never talks to a charger: one HTTP client reads the hub's roster, its chart
history and its event stream, and every poll outcome the hub reports is rebuilt with
:mod:`twc_tui.hub.wire` and folded in by the same :meth:`ChargerState.apply` a local poller
feeds, so power, states, sessions and the event log cannot drift from a direct monitor.

When the hub goes away the last data stays, with its age, and a line says so in words; the
stream is reopened with a capped backoff and, once back, everything missed is read again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import httpx

from twc_tui.core import units
from twc_tui.core.clock import REAL_CLOCK, Clock
from twc_tui.core.config import Settings
from twc_tui.core.targets import ChargerConfig
from twc_tui.engine.charger_state import ChargerState, LogEntry
from twc_tui.engine.engine import Listener, Update
from twc_tui.engine.listeners import Listeners
from twc_tui.engine.poller import PollEvent, PollSuccess
from twc_tui.engine.session_tracker import Session
from twc_tui.hub import sse_client, wire
from twc_tui.hub.hub_roster import HubCharger, read_roster
from twc_tui.hub.remote_alerts import RemoteAlerts
from twc_tui.hub.remote_sessions import sessions_from_wire
from twc_tui.hub.remote_state import catch_up_state, keyed
from twc_tui.hub.sse_client import HubError, get_json, hub_client

log = logging.getLogger("twc_tui.hub.remote")

BACKOFF_START_S = 1.0
BACKOFF_MAX_S = 10.0
"""A hub is a local service, not a fragile charger: a restarted hub should be seen again
within seconds, and one GET every 10 s to a closed port costs nothing."""
LOG_TAIL = 200


class RemoteEngine:
    """A hub's chargers, their state and events, as the monitor reads an :class:`Engine`."""

    def __init__(self, url: str, settings: Settings, *, clock: Clock = REAL_CLOCK,
                 token: str | None = None, only: Sequence[str] = (),
                 notice: str = "") -> None:
        self.url = url.rstrip("/")
        self.where = httpx.URL(self.url).netloc.decode("ascii", "replace")
        """``host:port`` of the hub, for titles."""
        self.settings = settings
        self.clock = clock
        self.token = token
        self.only = set(only)
        """Charger ids (``host:port``) to show; empty for all the hub's."""
        self.notice = notice
        """One line the monitor shows once at start (how it came to attach)."""
        self.chargers: list[ChargerConfig] = []
        self.states: dict[str, ChargerState] = {}
        self.history = False
        """No database of our own: the hub records."""
        self.store = None
        self.recorder = None
        self.history_note = f"history is kept by the hub at {self.where}"
        self.heartbeat = -math.inf
        self.connected = False
        self.link_error: str | None = None
        """Why the hub cannot be read now (our own words), or None."""
        self.link_down_since: float | None = None
        self._hub: dict[str, HubCharger] = {}
        """State key (``host:port``) to the hub's charger."""
        self._key: dict[str, str] = {}
        """The hub's id to the state key."""
        self._horizon: dict[str, float] = {}
        """Per charger, the newest moment the last roster already covered."""
        self.alerts = RemoteAlerts()
        """What the hub's alerts said: toasts and derate forecasts."""
        self._listeners: Listeners[Update] = Listeners(log)
        self._watchers: list[Callable[[], None]] = []
        self._http: httpx.AsyncClient | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self.started = False

    # -- consumers -----------------------------------------------------------------------
    def listen(self, listener: Listener) -> Callable[[], None]:
        return self._listeners.add(listener)

    def watch(self, watcher: Callable[[], None]) -> None:
        """Call ``watcher`` when the link changes or much was read at once (redraw all)."""
        self._watchers.append(watcher)

    @property
    def history_status(self) -> str:
        return self.history_note

    def link_line(self, now: float, state: ChargerState | None = None) -> str | None:
        """A line on the hub being unreachable, with the age of the data kept; None while
        the hub is read."""
        if self.link_error is None:
            return None
        states = [state] if state is not None else list(self.states.values())
        ages = [a for s in states if (a := s.age(now)) is not None]
        age = units.age(min(ages) if ages else None)
        held = {"never": "no data yet", "now": "showing data from just now"}.get(
            age, f"showing data from {age}")
        return f"hub unreachable: {self.link_error} — {held}"

    # -- lifecycle -----------------------------------------------------------------------
    async def load(self) -> None:
        """Read the hub's chargers once, before the monitor is built (its screens depend on
        how many there are). Raises :class:`HubError` in words."""
        async with hub_client(self.url, self.token) as http:
            doc = await get_json(http, "/api/chargers", {"full": "1"})
        self._adopt(doc)
        if not self.states:
            raise HubError("the hub watches none of the chargers asked for" if self.only
                           else "the hub watches no chargers")

    async def start(self) -> None:
        if self.started:
            return
        self.started = True
        self._wake = asyncio.Event()
        self._http = hub_client(self.url, self.token)
        self._task = asyncio.create_task(self._follow(), name="hub events")

    async def stop(self) -> str | None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        return None

    def refresh(self, charger: str | None = None) -> None:
        """The hub polls; while it is unreachable this tries it again now."""
        if not self.connected:
            self._wake.set()

    async def sessions(self) -> tuple[list[Session], str | None]:
        """The hub's recorded sessions, or none and why (for the Sessions screen)."""
        if self._http is None:
            return [], "not attached to the hub"
        try:
            doc = await get_json(self._http, "/api/sessions")
        except HubError as error:
            return [], f"sessions from the hub: {error}"
        return sessions_from_wire(doc), None

    # -- the one path every poll outcome takes --------------------------------------------
    def apply(self, event: PollEvent) -> Update | None:
        state = self.states.get(event.charger)
        if state is None:
            return None
        entries = state.apply(event)
        update = Update(event.charger, event, tuple(entries))
        self._tell(update)
        return update

    def _tell(self, update: Update) -> None:
        self._listeners.tell(update)

    def note(self, entry: LogEntry) -> None:
        """An entry no poll caused, kept and told as the engine's ``note`` does."""
        state = self.states.get(entry.charger)
        if state is None:
            return
        state.add_log([entry])
        self._tell(Update(entry.charger, None, (entry,)))

    # -- following the hub ----------------------------------------------------------------
    async def _follow(self) -> None:
        assert self._http is not None
        delay = BACKOFF_START_S
        while True:
            attempt = self.clock.monotonic()
            why = "the hub closed the event stream"
            try:
                async with self._http.stream(
                        "GET", "/api/events",
                        headers={"Accept": "text/event-stream", "Cache-Control": "no-store"},
                ) as response:
                    sse_client.check_status(response, "/api/events")
                    # Subscribed: whatever happens from now on arrives on the stream, so
                    # the roster read next misses nothing.
                    await self._catch_up()
                    async for event in sse_client.events(response):
                        self.heartbeat = self.clock.monotonic()
                        delay = BACKOFF_START_S
                        await self._on_event(event.event, event.data)
            except HubError as error:
                why = str(error)
            except httpx.HTTPError as error:
                why = sse_client.reason(error)
            self._down(why)
            self._wake.clear()
            await self.clock.wait(self._wake, delay)
            # `r` held down retries at most once a second.
            await self.clock.sleep(attempt + 1.0 - self.clock.monotonic())
            delay = min(delay * 2, BACKOFF_MAX_S)

    async def _catch_up(self) -> None:
        """Read the roster and the charts again: at start, after a reconnect or a resync."""
        assert self._http is not None
        doc = await get_json(self._http, "/api/chargers", {"full": "1"})
        self._up()
        self._adopt(doc)
        for key in list(self.states):
            await self._backfill(key)
        self._changed()

    async def _on_event(self, kind: str, data: str) -> None:
        if kind == "resync":  # the hub dropped some of our updates
            await self._catch_up()
            return
        if kind not in ("poll", "note", "alert"):
            return  # pings, and log lines (we compute the same entries ourselves)
        try:
            doc = json.loads(data)
        except (ValueError, RecursionError):
            log.warning("hub %s sent an event that is not JSON", self.where)
            return
        if kind == "alert":
            n = wire.notification_from_wire(doc) if isinstance(doc, dict) else None
            key = None if n is None else self._key.get(n.charger)
            if n is not None and key is not None:
                self.alerts.tell(replace(n, charger=key))
            return
        if kind == "note":  # an entry the hub logged of its own: no poll of ours makes it
            entry = wire.entry_from_wire(doc) if isinstance(doc, dict) else None
            key = None if entry is None else self._key.get(entry.charger)
            if entry is not None and key is not None:
                self.note(replace(entry, charger=key))
            return
        event = wire.event_from_wire(doc) if isinstance(doc, dict) else None
        key = None if event is None else self._key.get(event.charger)
        if event is None or key is None:
            return
        state = self.states[key]
        newest = (state.updated.get(event.endpoint, -math.inf)
                  if isinstance(event, PollSuccess) else self._horizon.get(key, -math.inf))
        if event.at <= newest:
            return  # already in the roster read at (re)connect
        if "derate_in_min" in doc:
            minutes = doc["derate_in_min"]
            self.alerts.forecasts[key] = (
                minutes if type(minutes) is int and 0 <= minutes < 10_000 else None)
        self.apply(replace(event, charger=key))

    def _adopt(self, doc: Mapping[str, Any]) -> None:
        """Take the hub's roster: new chargers get a state, known ones catch up in place
        (screens hold them), keeping their log and adding the entries they missed."""
        local = {c.id: c for c in self.settings.chargers}
        for charger, item in read_roster(doc, local, self.only):
            key = charger.key
            fresh = ChargerState(key, charger.config.label, charger.config.phase_mode)
            wire.state_from_wire(keyed(item, key, LOG_TAIL), fresh)
            if key not in self.states:
                self.states[key] = fresh
                self.chargers.append(charger.config)
            else:
                catch_up_state(self.states[key], fresh)
            self._hub[key] = charger
            self._key[charger.hub_id] = key
            state = self.states[key]
            self._horizon[key] = max([*state.updated.values(), *(e.at for e in fresh.log)],
                                     default=-math.inf)

    async def _backfill(self, key: str) -> None:
        """Charts from the hub's history, as ``prefill_history`` restores them from the
        store: minute means for the day, 10 s means for the hour, raw for 5 minutes; after
        a reconnect only what came after the newest point we hold."""
        assert self._http is not None
        history = self.states[key].history
        since = history.raw.newest
        now = self.clock.time()
        docs: list[Mapping[str, Any]] = []
        for name in ("24h", "1h", "5m"):
            if since is not None and since >= now - wire.RANGES_S[name] / 2 and name != "5m":
                continue  # a finer range covers the gap
            path = f"/c/{self._hub[key].hub_id}/history"
            try:
                docs.append(await get_json(self._http, path, {"range": name}))
            except HubError as error:
                log.warning("no %s history for %s from the hub: %s", name, key, error)
        for i, data in enumerate(docs):
            finer = docs[i + 1].get("t") if i + 1 < len(docs) else None
            until = finer[0] if isinstance(finer, list) and finer and isinstance(
                finer[0], int | float) else None
            wire.history_from_wire(data, history, until=until, since=since)

    # -- the link ----------------------------------------------------------------------------
    def _down(self, why: str) -> None:
        self.connected = False
        if self.link_error is None:
            now = self.clock.time()
            self.link_down_since = now
            log.warning("hub %s unreachable: %s", self.where, why)
            self._note(now, "hub_lost", f"Hub unreachable: {why}; showing the last data",
                       "error")
        self.link_error = why
        self._changed()

    def _up(self) -> None:
        if self.link_down_since is not None:
            now = self.clock.time()
            gap = units.duration(now - self.link_down_since)
            log.info("hub %s reachable again after %s", self.where, gap)
            self._note(now, "hub_back", f"Hub reachable again after {gap}")
        self.connected = True
        self.link_error = None
        self.link_down_since = None

    def _note(self, at: float, kind: str, text: str, level: str = "info") -> None:
        for key, state in self.states.items():
            state.log.append(LogEntry(at, key, kind, text, level))  # type: ignore[arg-type]
            state.log_total += 1
            state.revision += 1

    def _changed(self) -> None:
        for watcher in list(self._watchers):
            try:
                watcher()
            except Exception:
                log.exception("watcher %r failed", watcher)
