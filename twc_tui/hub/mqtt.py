"""The MQTT bridge: the engine's chargers on a broker, with Home Assistant discovery.

A consumer of the engine like any other: it never asks a charger anything, so however many
dashboards read the broker, each charger still sees one poller. It drains its subscription in a
task of its own into per-charger "changed" flags and a bounded event queue, and publishes from
another; a broker that is down, slow or never reads only makes that second task wait, and what
waits is bounded (flags coalesce, the oldest events are dropped and counted).

Per charger: ``<base>/<id>/state`` (retained: ``status --json``'s document for that charger, on
change at most once a second and every minute regardless), ``<base>/<id>/summary`` (retained:
what only the hub knows), ``<base>/<id>/availability`` (retained ``online``/``offline``,
following the charger's own health: one failed poll is not an outage), ``<base>/<id>/event``
(each event-log entry, not retained). The hub itself: ``<base>/bridge/availability``, with a
last will, so Home Assistant shows every entity unavailable when the hub dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import ssl
import threading
from collections import deque
from typing import Any

import aiomqtt

from twc_tui.core.mqtt_settings import MqttSettings
from twc_tui.core.report import charger_document
from twc_tui.engine.charger_state import LogEntry
from twc_tui.engine.energy_counter import EnergyCounter
from twc_tui.engine.engine import Engine, Subscription
from twc_tui.engine.state_report import report_from_state
from twc_tui.engine.store_schema import StoreError, connect
from twc_tui.hub import ha_discovery as ha
from twc_tui.hub.ids import hub_ids
from twc_tui.hub.wire import entry_to_wire

log = logging.getLogger("twc_tui.hub.mqtt")

MIN_INTERVAL_S = 1.0
HEARTBEAT_S = 60.0
SAVE_EVERY_S = 10.0
"""The energy counter's write cadence; a crash loses nothing (see energy_counter)."""
BACKOFF_MAX_S = 60.0


def _json(doc: Any) -> str:
    # ASCII-only, like status --json: no control or bidi character reaches a subscriber raw.
    return json.dumps(doc, ensure_ascii=True, allow_nan=False, separators=(",", ":"))


class _Charger:
    """What was last published for one charger."""

    def __init__(self, topics: ha.Topics) -> None:
        self.topics = topics
        self.dirty = True
        self.sent_at = -1e18
        self.state: str | None = None
        self.summary: str | None = None
        self.availability: str | None = None
        self.discovery: tuple[str, str] | None = None
        self.node: str | None = None


class MqttBridge:
    """Publishes the engine's chargers to one broker; reconnects for as long as it runs."""

    def __init__(self, engine: Engine, settings: MqttSettings, *, password: str | None = None,
                 counter: EnergyCounter | None = None,
                 registry: ha.PublishedDiscovery | None = None, queue_size: int = 256,
                 heartbeat_s: float = HEARTBEAT_S, backoff_max_s: float = BACKOFF_MAX_S,
                 timeout_s: float = 10.0, keepalive_s: int = 30) -> None:
        self.engine = engine
        self.settings = settings
        self._password = password
        self.counter = counter or EnergyCounter(None)
        self.registry = registry or ha.PublishedDiscovery(None)
        self.heartbeat_s = heartbeat_s
        self.backoff_max_s = backoff_max_s
        self.timeout_s = timeout_s
        self.keepalive_s = keepalive_s
        self.bridge_topic = ha.bridge_topic(settings.base_topic)
        self._chargers: dict[str, _Charger] = {}
        # The hub's ids (the name as a slug, as in /c/<id>/...), so a topic names the charger
        # the way every other hub path does.
        levels = {engine_id: hub_id for hub_id, engine_id in hub_ids(engine.chargers).items()}
        used: set[str] = set()
        for c in engine.chargers:
            level = ha.topic_id(levels.get(c.id, c.id))
            while level in used:  # two ids that clean to the same level get distinct ones
                level += "_"
            used.add(level)
            self._chargers[c.id] = _Charger(ha.Topics(settings.base_topic, level))
        self._configs = {c.id: c for c in engine.chargers}
        self._events: deque[LogEntry] = deque(maxlen=queue_size)
        self.events_dropped = 0
        self._queue_size = queue_size
        self._wake = asyncio.Event()
        self._republish = False
        self._sub: Subscription | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._unlisten: Any = None
        self.status = "starting"
        self.last_error: str | None = None
        self.since: float | None = None
        self.published = 0
        self._live: aiomqtt.Client | None = None
        self._stopping = False
        self._reported: tuple[str, str | None] = ("starting", None)
        """The last state logged: one line per change, not per retry."""

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        """Load the counter and the discovery record (in a thread), then run. Call after
        ``engine.start()``: the history database is the engine's."""
        await asyncio.to_thread(self._load)
        self._sub = self.engine.subscribe(self._queue_size)
        self._unlisten = self.engine.listen(self.counter.feed)
        self._tasks = [asyncio.create_task(self._drain(), name="mqtt drain"),
                       asyncio.create_task(self._run(), name="mqtt publish"),
                       asyncio.create_task(self._save_loop(), name="mqtt counter")]

    def _load(self) -> None:
        store = self.engine.store
        if store is not None and self.counter.conn is None and self.registry.conn is None:
            try:
                conn = connect(store.path, readonly=False, timeout_s=2.0)
            except StoreError as error:
                log.warning("energy counter kept in memory only: %s", error)
            else:
                lock = threading.Lock()
                self.counter.conn, self.counter.lock = conn, lock
                self.registry.conn, self.registry.lock = conn, lock
        elif store is None:
            log.warning("energy counter kept in memory only: %s", self.engine.history_status)
        try:
            self.counter.load()
            self.registry.load()
        except sqlite3.Error as error:
            log.warning("cannot read the energy counter: %s", error)

    async def _save_loop(self) -> None:
        while not self._stopping:
            await self.engine.clock.sleep(SAVE_EVERY_S)
            await asyncio.to_thread(self.counter.save)

    async def stop(self) -> None:
        """Say goodbye (bridge offline, retained) if the broker is there, then stop."""
        client = self._live
        if client is not None:
            with contextlib.suppress(Exception):
                await client.publish(self.bridge_topic, ha.OFFLINE, qos=1, retain=True,
                                     timeout=2.0)
        # Python 3.11's wait_for can swallow a cancel that lands as its wait ends (the wake
        # event and stop() at once), so the loops also check _stopping, and a task that
        # survived one cancel gets another.
        self._stopping = True
        self._wake.set()
        pending = {t for t in self._tasks if not t.done()}
        for _ in range(10):
            if not pending:
                break
            for task in pending:
                task.cancel()
            _, pending = await asyncio.wait(pending, timeout=1.0)
        if pending:
            log.warning("MQTT bridge: %d task(s) did not stop", len(pending))
        if self._sub is not None:
            self._sub.close()
        if self._unlisten is not None:
            self._unlisten()
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.counter.save)

    def health(self) -> dict[str, Any]:
        """For /healthz: the broker's state in words, and what was lost."""
        return {"ok": self.status == "connected", "state": self.status,
                "broker": f"{'mqtts' if self.settings.tls else 'mqtt'}://"
                          f"{self.settings.host}:{self.settings.port}",
                "since": self.since, "last_error": self.last_error,
                "published": self.published, "queued_events": len(self._events),
                "dropped_events": self.events_dropped,
                "dropped_updates": self._sub.dropped if self._sub else 0,
                "energy_counter": "memory only" if self.counter.conn is None else (
                    self.counter.last_error or "saved")}

    # -- the engine's side: never waits on the broker --------------------------------------
    async def _drain(self) -> None:
        assert self._sub is not None
        while not self._stopping:
            try:
                update = await self._sub.get()
            except EOFError:  # the engine stopped
                return
            charger = self._chargers.get(update.charger)
            if charger is None:
                continue
            charger.dirty = True
            for entry in update.entries:
                if len(self._events) == self._events.maxlen:
                    self.events_dropped += 1
                self._events.append(entry)
            self._wake.set()

    # -- the broker's side -----------------------------------------------------------------
    def _set_status(self, status: str, error: str | None = None) -> None:
        if status == "connecting":  # the attempt itself is not news; its outcome is
            self.status = status
            return
        if (status, error) != self._reported:
            self._reported = (status, error)
            where = f"{self.settings.host}:{self.settings.port}"
            if status == "connected":
                log.warning("MQTT broker %s: connected", where)
            else:
                log.warning("MQTT broker %s: %s (%s); polling goes on, retrying with backoff",
                            where, status, error)
            self.since = self.engine.clock.time()
        self.status, self.last_error = status, error

    def _client(self) -> aiomqtt.Client:
        tls = ssl.create_default_context() if self.settings.tls else None
        return aiomqtt.Client(
            self.settings.host, self.settings.port, username=self.settings.username,
            password=self._password, identifier=self.settings.identifier,
            will=aiomqtt.Will(self.bridge_topic, ha.OFFLINE, qos=1, retain=True),
            timeout=self.timeout_s, keepalive=self.keepalive_s, tls_context=tls,
            max_queued_outgoing_messages=self._queue_size,
            logger=logging.getLogger("twc_tui.hub.mqtt.client"))

    async def _run(self) -> None:
        delay = 1.0
        while not self._stopping:
            self._set_status("connecting")
            try:
                async with self._client() as client:
                    self._set_status("connected")
                    delay = 1.0
                    self._live = client
                    try:
                        await self._session(client)
                    finally:
                        self._live = None
            except aiomqtt.MqttCodeError as error:
                refused = getattr(error, "rc", None) in (4, 5, 134, 135)
                self._set_status("refused" if refused else "disconnected", _reason(error))
            except (aiomqtt.MqttError, OSError, TimeoutError) as error:
                self._set_status("unreachable" if self.status == "connecting"
                                 else "disconnected", _reason(error))
            await self.engine.clock.sleep(delay)
            delay = min(delay * 2, self.backoff_max_s)

    async def _session(self, client: aiomqtt.Client) -> None:
        await client.publish(self.bridge_topic, ha.ONLINE, qos=1, retain=True)
        for charger in self._chargers.values():  # a new session: the broker may be new too
            charger.dirty, charger.availability, charger.discovery = True, None, None
        await client.subscribe(f"{self.settings.discovery_prefix}/status", qos=1)
        await self._clear_removed(client)
        listener = asyncio.create_task(self._listen(client))
        try:
            while not self._stopping:
                if listener.done():
                    listener.result()  # the connection broke: raise its error
                    raise aiomqtt.MqttError("message stream ended")
                due = await self._publish_all(client)
                self._wake.clear()
                await self.engine.clock.wait(self._wake, max(0.05, due))
        finally:
            listener.cancel()
            # gather, not suppress(BaseException): a cancel aimed at this task must go on.
            await asyncio.gather(listener, return_exceptions=True)

    async def _listen(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            # Home Assistant announces a restart with "online": it has forgotten nothing
            # retained, but its docs ask for discovery again, and we oblige.
            if bytes(message.payload or b"")[:16].strip() == b"online":
                self._republish = True
                self._wake.set()

    async def _clear_removed(self, client: aiomqtt.Client) -> None:
        prefix = self.settings.discovery_prefix
        for topic in self.registry.stale(self._chargers, prefix):
            await client.publish(topic, b"", qos=1, retain=True)
            await asyncio.to_thread(self.registry.forget, topic)
            log.info("cleared discovery %s (its charger is no longer configured)", topic)

    async def _publish_all(self, client: aiomqtt.Client) -> float:
        """One pass over every charger; returns the seconds until the next one is due."""
        republish, self._republish = self._republish, False
        now = self.engine.clock.monotonic()
        due = self.heartbeat_s
        for charger_id, charger in self._chargers.items():
            await self._publish_charger(client, charger_id, charger, now, republish)
            wait = (MIN_INTERVAL_S if charger.dirty else self.heartbeat_s) - (now - charger.sent_at)
            due = min(due, max(0.0, wait))
        while self._events:
            entry = self._events[0]
            topic = self._chargers[entry.charger].topics.event
            await client.publish(topic, _json(entry_to_wire(entry)), qos=1)
            self._events.popleft()  # only once sent: a broken link keeps it for the next
            self.published += 1
        return due

    async def _publish_charger(self, client: aiomqtt.Client, charger_id: str, c: _Charger,
                               now: float, republish: bool) -> None:
        state = self.engine.states[charger_id]
        available = ha.ONLINE if state.health in ("online", "error") else ha.OFFLINE
        if available != c.availability:
            await self._send(client, c.topics.availability, available)
            c.availability = available
        node = ha.node_id(state.version.serial_number if state.version else None)
        if node is not None and any(o.node == node for o in self._chargers.values()
                                    if o is not c):
            # Two configured chargers with one serial (one unit under two addresses, or
            # simulators): each keeps a device of its own rather than overwriting the other.
            node = f"{node}_{ha.node_suffix(c.topics.charger)}"
        c.node = node
        if node is not None:
            topic = ha.discovery_topic(self.settings.discovery_prefix, node)
            payload = _json(ha.discovery_payload(c.topics, self.bridge_topic, node, state.name,
                                                 state.version))
            if republish or c.discovery != (topic, payload):
                for old in self.registry.replaced(charger_id, topic):
                    await self._send(client, old, "")
                    await asyncio.to_thread(self.registry.forget, old)
                await self._send(client, topic, payload)
                if self.registry.topics.get(topic) != charger_id:
                    await asyncio.to_thread(self.registry.remember, topic, charger_id)
                c.discovery = (topic, payload)
        since = now - c.sent_at
        if not ((c.dirty and since >= MIN_INTERVAL_S) or since >= self.heartbeat_s):
            return
        c.dirty = False
        doc = _json(charger_document(report_from_state(self._configs[charger_id], state)))
        summary = _json(self._summary(charger_id, state.vitals))
        heartbeat = since >= self.heartbeat_s
        if doc != c.state or heartbeat:
            await self._send(client, c.topics.state, doc)
            c.state = doc
        if summary != c.summary or heartbeat:
            await self._send(client, c.topics.summary, summary)
            c.summary = summary
        c.sent_at = now

    def _summary(self, charger_id: str, vitals: Any) -> dict[str, Any]:
        alerts = [{"code": a.code, "text": a.text} for a in vitals.alerts] if vitals else []
        return {"energy_delivered_wh": self.counter.total_wh(charger_id),
                "active_alerts": len(alerts), "alerts": alerts}

    async def _send(self, client: aiomqtt.Client, topic: str, payload: str) -> None:
        await client.publish(topic, payload.encode("ascii"), qos=1, retain=True)
        self.published += 1


def _reason(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    if "Not authorized" in text or "Bad user name or password" in text:
        return "the broker refused the credentials"
    if "Connection refused" in text or "[Errno 111]" in text:
        return "connection refused (is the broker running?)"
    return text[:160]
