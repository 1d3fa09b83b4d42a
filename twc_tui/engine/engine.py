"""The engine: one poller per charger, their state and events, and the history recorder.

Everything that watches chargers is a consumer of one :class:`Engine`: the monitor, ``record``
and ``serve`` (and through ``serve``, every tool that reads the hub). The engine owns the only
HTTP client, so however many consumers there are, each charger sees one poller with its
cadence, its 1 s floor and its backoff.

Consumers never delay polling. A *listener* is a plain callable run inline after each update
(it must be quick: the monitor's posts a message); a *subscription* is a bounded queue that an
asynchronous consumer (SSE, MQTT) drains at its own pace and that drops its oldest update when
that consumer falls behind. SQLite writes happen in a worker thread, never on this loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from twc_tui.core.cadence import PollSettings
from twc_tui.core.client import ChargerClient, make_http_client
from twc_tui.core.clock import REAL_CLOCK, Clock
from twc_tui.core.config import Settings
from twc_tui.core.targets import ChargerConfig
from twc_tui.engine.alerts import start_alerts, stop_alerts
from twc_tui.engine.charger_state import ChargerState, LogEntry
from twc_tui.engine.listeners import Listeners
from twc_tui.engine.poller import ChargerPoller, PollEvent
from twc_tui.engine.recorder import Recorder
from twc_tui.engine.restore import open_history
from twc_tui.engine.store import Store

log = logging.getLogger("twc_tui.engine")


@dataclass(frozen=True, slots=True)
class Update:
    """One poll outcome, already folded into ``Engine.states[charger]``."""

    charger: str
    event: PollEvent | None
    """None for an entry the engine logged of its own (a notification it could not send)."""
    entries: tuple[LogEntry, ...]
    """The event-log entries it caused (sanitised text)."""


Listener = Callable[[Update], None]


class Subscription:
    """A bounded queue of updates for one asynchronous consumer.

    When the consumer falls behind, the oldest update is dropped and counted: a consumer that
    never reads costs a fixed amount of memory and nothing else.
    """

    def __init__(self, engine: Engine, maxsize: int) -> None:
        self._engine = engine
        self._items: deque[Update] = deque(maxlen=maxsize)
        self._ready = asyncio.Event()
        self._woken = False
        self.dropped = 0
        """Updates lost because the queue was full."""
        self.closed = False

    def put(self, update: Update) -> None:
        if len(self._items) == self._items.maxlen:
            self.dropped += 1
        self._items.append(update)
        self._ready.set()

    async def get(self) -> Update:
        """The next update; waits for one."""
        update = await self._next(wakeable=False)
        assert update is not None
        return update

    async def get_within(self, seconds: float) -> Update | None:
        """The next update, or None after ``seconds`` (for heartbeats) or at once after
        :meth:`wake` (the consumer has other news to send)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                return await self._next(wakeable=True)
        return None

    async def _next(self, *, wakeable: bool) -> Update | None:
        while not self._items:
            if self.closed:
                raise EOFError("subscription closed")
            if wakeable and self._woken:
                self._woken = False
                return None
            self._ready.clear()
            await self._ready.wait()
        return self._items.popleft()

    def take_ready(self) -> list[Update]:
        """Every update already queued, without waiting."""
        taken = list(self._items)
        self._items.clear()
        return taken

    def wake(self) -> None:
        """Make a waiting :meth:`get_within` return None now."""
        self._woken = True
        self._ready.set()

    def close(self) -> None:
        self.closed = True
        self._ready.set()
        self._engine._subscriptions.discard(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Engine:
    """Polls chargers, keeps their state, records history, and tells every consumer."""

    def __init__(
        self,
        chargers: Sequence[ChargerConfig],
        settings: Settings,
        *,
        clock: Clock = REAL_CLOCK,
        poll: PollSettings | None = None,
        history: bool | None = None,
        db: Path | None = None,
        priority: bool = False,
    ) -> None:
        self.chargers = list(chargers)
        self.settings = settings
        self.clock = clock
        self.poll = poll or settings.poll
        self.history = settings.history if history is None else history
        """Whether to keep history in the database."""
        self.db = db
        """Overrides ``settings.db_path``."""
        self.priority = priority
        """Record as the ``record``/``serve`` service, which holds the database for good."""
        self.states: dict[str, ChargerState] = {
            c.id: ChargerState(c.id, c.label, c.phase_mode) for c in self.chargers
        }
        self.pollers: dict[str, ChargerPoller] = {}
        self.store: Store | None = None
        self.recorder: Recorder | None = None
        self.history_note = "history off" if not self.history else "history not opened"
        """One line on where history is kept, or why it is not."""
        self.heartbeat = -math.inf
        """Monotonic time of the last housekeeping tick: /healthz reads the loop's pulse."""
        self._listeners: Listeners[Update] = Listeners(log)
        self._subscriptions: set[Subscription] = set()
        self._http: httpx.AsyncClient | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._flushing: asyncio.Future[None] | None = None
        self.started = False
        self.alerts: Any = None
        """The alert engine, once started (None when no rule is enabled)."""

    # -- consumers -----------------------------------------------------------------------
    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` after every update; returns the function that stops it."""
        return self._listeners.add(listener)

    def subscribe(self, maxsize: int = 512) -> Subscription:
        """A bounded queue of every update from now on."""
        subscription = Subscription(self, maxsize)
        self._subscriptions.add(subscription)
        return subscription

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        """Open the history (in a thread) and start one poller per charger."""
        if self.started:
            return
        self.started = True
        if self.history:
            self.store, self.recorder, self.history_note = await asyncio.to_thread(
                open_history, self.settings, self.states, self.clock,
                db=self.db, priority=self.priority)
            if self.recorder is None:
                log.warning("%s", self.history_note)
        self._http = make_http_client(self.settings.timeouts)
        for charger in self.chargers:
            client = ChargerClient(self._http, charger.host, charger.port, self.settings.timeouts)
            poller = ChargerPoller(charger.id, client, self.apply, self.poll, clock=self.clock)
            self.pollers[charger.id] = poller
            self._tasks.append(asyncio.create_task(poller.run(), name=f"poll {charger.id}"))
        self._tasks.append(asyncio.create_task(self._housekeeping(), name="engine ticks"))
        self.alerts = start_alerts(self, self.settings.alerting)

    async def stop(self) -> str | None:
        """Stop polling, flush and close the history. Returns a sentence on what could not
        be written (None when everything was kept)."""
        self.alerts = await stop_alerts(self.alerts)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._flushing is not None:
            with contextlib.suppress(Exception):
                await self._flushing
        lost = None
        if self.recorder is not None:
            lost = await asyncio.to_thread(self.recorder.close)
            self.recorder = None
        if self.store is not None:
            await asyncio.to_thread(self.store.close)
            self.store = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        for subscription in list(self._subscriptions):
            subscription.close()
        return lost

    def refresh(self, charger: str | None = None) -> None:
        """Ask the charger (or every charger) now, as far as the 1 s floor and backoff allow."""
        for charger_id, poller in self.pollers.items():
            if charger is None or charger_id == charger:
                poller.refresh()

    # -- the one path every poll outcome takes --------------------------------------------
    def apply(self, event: PollEvent) -> Update | None:
        """Fold a poll event into its charger's state, buffer it for history, and tell every
        consumer. Also used by tests and the demo backfill to replay events."""
        state = self.states.get(event.charger)
        if state is None:
            return None
        entries = state.apply(event)
        self._to_history(lambda recorder: recorder.feed(event, entries,
                                                        state.phase_mode_setting))
        update = Update(event.charger, event, tuple(entries))
        self._tell(update)
        return update

    def note(self, entry: LogEntry) -> None:
        """Log an entry no poll caused: it reaches the event log, the history and every
        consumer (the journal, the hub's clients, MQTT) the way a poll's entries do."""
        state = self.states.get(entry.charger)
        if state is None:
            return
        state.add_log([entry])
        self._to_history(lambda recorder: recorder.feed_entries([entry]))
        self._tell(Update(entry.charger, None, (entry,)))

    def _to_history(self, feed: Callable[[Recorder], None]) -> None:
        if self.recorder is None:
            return
        try:
            feed(self.recorder)
        except Exception as error:  # history is a bonus; it must never stop polling
            log.exception("recorder failed; history stopped")
            self._drop_recorder(f"history stopped: {error}")

    def _tell(self, update: Update) -> None:
        self._listeners.tell(update)
        for subscription in list(self._subscriptions):
            subscription.put(update)

    def _drop_recorder(self, note: str) -> None:
        """Stop recording for good, closing the recorder so it no longer holds the lock."""
        recorder, self.recorder = self.recorder, None
        self.history_note = note
        if recorder is not None:
            with contextlib.suppress(Exception):
                recorder.close()

    @property
    def history_status(self) -> str:
        """One line on who writes the history, or why there is none."""
        return self.recorder.status if self.recorder is not None else self.history_note

    async def _housekeeping(self) -> None:
        """Once a second: the heartbeat, and the recorder's flush and lock upkeep in a thread
        (never on this loop, which polls and draws)."""
        while True:
            self.heartbeat = self.clock.monotonic()
            recorder = self.recorder
            if recorder is not None and (self._flushing is None or self._flushing.done()):
                self._flushing = asyncio.ensure_future(asyncio.to_thread(self._tick, recorder))
            await self.clock.sleep(1.0)

    def _tick(self, recorder: Recorder) -> None:
        try:
            recorder.tick()
        except Exception as error:
            log.exception("recorder tick failed")
            # Closed here and now (its own mutex guards it): left open, it would keep the
            # writer lock until the process ends and no other process could record.
            if self.recorder is recorder:
                self._drop_recorder(f"history stopped: {error}")
