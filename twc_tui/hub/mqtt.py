"""The MQTT bridge: the engine's chargers on a broker, with Home Assistant discovery.

A consumer of the engine like any other: it never asks a charger anything, so however many
dashboards read the broker, each charger still sees one poller. It drains its subscription in a
task of its own into per-charger "changed" flags and a bounded event queue, and publishes from
another; a broker that is down, slow or never reads only makes that second task wait, and what
waits is bounded (flags coalesce, the oldest events are dropped and counted). This module is the
connection and its backoff; what is published, and when, is hub/mqtt_publish.py.

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
import logging
import sqlite3
import ssl
import threading
from typing import Any

import aiomqtt

from twc_tui.core.mqtt_settings import MqttSettings
from twc_tui.engine.energy_counter import EnergyCounter
from twc_tui.engine.engine import Engine, Subscription
from twc_tui.engine.store_schema import StoreError, connect
from twc_tui.hub import ha_discovery as ha
from twc_tui.hub.mqtt_publish import HEARTBEAT_S, MqttPublisher

log = logging.getLogger("twc_tui.hub.mqtt")

SAVE_EVERY_S = 10.0
"""The energy counter's write cadence; a crash loses nothing (see energy_counter)."""
BACKOFF_MAX_S = 60.0


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
        self.backoff_max_s = backoff_max_s
        self.timeout_s = timeout_s
        self.keepalive_s = keepalive_s
        self.publisher = MqttPublisher(engine, settings, self.counter, self.registry,
                                       queue_size=queue_size, heartbeat_s=heartbeat_s)
        self.bridge_topic = self.publisher.bridge_topic
        self._queue_size = queue_size
        self._wake = asyncio.Event()
        self._republish = False
        self._sub: Subscription | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._unlisten: Any = None
        self.status = "starting"
        self.last_error: str | None = None
        self.since: float | None = None
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
                "published": self.publisher.published,
                "queued_events": self.publisher.queued_events,
                "dropped_events": self.publisher.events_dropped,
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
            if self.publisher.note(update):
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
        self.publisher.new_session()
        await client.subscribe(f"{self.settings.discovery_prefix}/status", qos=1)
        await self.publisher.clear_removed(client)
        listener = asyncio.create_task(self._listen(client))
        try:
            while not self._stopping:
                if listener.done():
                    listener.result()  # the connection broke: raise its error
                    raise aiomqtt.MqttError("message stream ended")
                republish, self._republish = self._republish, False
                due = await self.publisher.publish_all(client, republish)
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


def _reason(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    if "Not authorized" in text or "Bad user name or password" in text:
        return "the broker refused the credentials"
    if "Connection refused" in text or "[Errno 111]" in text:
        return "connection refused (is the broker running?)"
    return text[:160]
