"""What the MQTT bridge publishes, and when: per charger state, summary, availability,
discovery and events, at most once a second on change and every minute regardless.

Apart from the bridge's connection loop (hub/mqtt.py) because this half never waits on
reconnects or backoff: given a connected client, it decides what is due and sends it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from typing import Any

import aiomqtt

from twc_tui.core.mqtt_settings import MqttSettings
from twc_tui.core.report import charger_document
from twc_tui.core.text import safe_text
from twc_tui.engine.charger_state import LogEntry
from twc_tui.engine.energy_counter import EnergyCounter
from twc_tui.engine.engine import Engine, Update
from twc_tui.engine.state_report import report_from_state
from twc_tui.hub import ha_discovery as ha
from twc_tui.hub.ids import hub_ids
from twc_tui.hub.views import entry_doc

log = logging.getLogger("twc_tui.hub.mqtt")

MIN_INTERVAL_S = 1.0
HEARTBEAT_S = 60.0


def _json(doc: Any) -> str:
    # ASCII-only, like status --json: no control or bidi character reaches a subscriber raw.
    return json.dumps(doc, ensure_ascii=True, allow_nan=False, separators=(",", ":"))


class _Charger:
    """What was last published for one charger."""

    def __init__(self, topics: ha.Topics) -> None:
        self.topics = topics
        self.sent_at = -1e18
        self.state: str | None = None
        self.summary: str | None = None
        self.availability: str | None = None
        self.discovery: tuple[str, str] | None = None
        self.discovery_inputs: tuple[object, ...] | None = None
        """What the discovery message was built from (name, version): rebuilt only when
        these change, not on every pass (it was a third of a 50-charger hub's CPU)."""
        self.node: str | None = None


class MqttPublisher:
    """The engine's chargers as retained topics; a bounded queue of events to send."""

    def __init__(self, engine: Engine, settings: MqttSettings, counter: EnergyCounter,
                 registry: ha.PublishedDiscovery, *, queue_size: int,
                 heartbeat_s: float = HEARTBEAT_S) -> None:
        self.engine = engine
        self.settings = settings
        self.counter = counter
        self.registry = registry
        self.heartbeat_s = heartbeat_s
        self.bridge_topic = ha.bridge_topic(settings.base_topic)
        self._chargers: dict[str, _Charger] = {}
        self._dirty: set[str] = set()
        """Chargers changed since their state was last sent: a pass visits these, not
        every charger (with 50 chargers at 1 s, a pass ran up to twenty times a second)."""
        self._heartbeat_at = -1e18
        """No charger's heartbeat is due before this: until then a pass is dirty ones only."""
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
        self._dirty.update(self._chargers)
        self._configs = {c.id: c for c in engine.chargers}
        self._hub_ids = levels
        self._events: deque[LogEntry] = deque(maxlen=queue_size)
        self.events_dropped = 0
        self.published = 0

    @property
    def queued_events(self) -> int:
        return len(self._events)

    def note(self, update: Update) -> bool:
        """Mark a charger changed and queue its events; False for a charger not published.
        Never waits: the oldest events are dropped (and counted) when the queue is full."""
        charger = self._chargers.get(update.charger)
        if charger is None:
            return False
        self._dirty.add(update.charger)
        for entry in update.entries:
            if len(self._events) == self._events.maxlen:
                self.events_dropped += 1
            self._events.append(entry)
        return True

    def new_session(self) -> None:
        """A new broker session: the broker may be new too, so everything is sent again."""
        self._dirty.update(self._chargers)
        for charger in self._chargers.values():
            charger.availability, charger.discovery = None, None
            charger.discovery_inputs = None

    async def clear_removed(self, client: aiomqtt.Client) -> None:
        prefix = self.settings.discovery_prefix
        for topic in self.registry.stale(self._chargers, prefix):
            await client.publish(topic, b"", qos=1, retain=True)
            await asyncio.to_thread(self.registry.forget, topic)
            log.info("cleared discovery %s (its charger is no longer configured)", topic)

    async def publish_all(self, client: aiomqtt.Client, republish: bool) -> float:
        """One pass over the chargers that changed (over every one when a heartbeat is due
        or ``republish``); returns the seconds until the next pass is due."""
        now = self.engine.clock.monotonic()
        every = republish or now >= self._heartbeat_at
        for charger_id in list(self._chargers if every else self._dirty):
            charger = self._chargers[charger_id]
            await self._publish_charger(client, charger_id, charger, now, republish)
        if every:
            self._heartbeat_at = (min(c.sent_at for c in self._chargers.values())
                                  + self.heartbeat_s)
        due = max(0.0, self._heartbeat_at - now)
        for charger_id in self._dirty:
            wait = MIN_INTERVAL_S - (now - self._chargers[charger_id].sent_at)
            due = min(due, max(0.0, wait))
        while self._events:
            entry = self._events[0]
            topic = self._chargers[entry.charger].topics.event
            await client.publish(topic, _json(self._event_payload(entry)), qos=1)
            self._events.popleft()  # only once sent: a broken link keeps it for the next
            self.published += 1
        return due

    def _event_payload(self, entry: LogEntry) -> dict[str, object]:
        """An event as the wire has it, but naming the charger as its topic does (the hub
        id, as in /c/<id>/...) with its name beside, not by the engine's host:port."""
        label = self._configs[entry.charger].label
        return {**entry_doc(entry, self._hub_ids.get(entry.charger, entry.charger)),
                "name": safe_text(label, 80)}

    async def _publish_charger(self, client: aiomqtt.Client, charger_id: str, c: _Charger,
                               now: float, republish: bool) -> None:
        state = self.engine.states[charger_id]
        available = ha.ONLINE if state.health in ("online", "error") else ha.OFFLINE
        if available != c.availability:
            await self._send(client, c.topics.availability, available)
            c.availability = available
        inputs = (state.name, state.version)
        if republish or c.discovery_inputs != inputs:
            await self._publish_discovery(client, charger_id, c, republish)
            c.discovery_inputs = inputs
        since = now - c.sent_at
        if not ((charger_id in self._dirty and since >= MIN_INTERVAL_S)
                or since >= self.heartbeat_s):
            return
        self._dirty.discard(charger_id)
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

    async def _publish_discovery(self, client: aiomqtt.Client, charger_id: str, c: _Charger,
                                 republish: bool) -> None:
        state = self.engine.states[charger_id]
        node = ha.node_id(state.version.serial_number if state.version else None)
        if node is not None and any(o.node == node for o in self._chargers.values()
                                    if o is not c):
            # Two configured chargers with one serial (one unit under two addresses, or
            # simulators): each keeps a device of its own rather than overwriting the other.
            node = f"{node}_{ha.node_suffix(c.topics.charger)}"
        c.node = node
        if node is None:
            return
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

    def _summary(self, charger_id: str, vitals: Any) -> dict[str, Any]:
        alerts = [{"code": a.code, "text": a.text} for a in vitals.alerts] if vitals else []
        return {"energy_delivered_wh": self.counter.total_wh(charger_id),
                "active_alerts": len(alerts), "alerts": alerts}

    async def _send(self, client: aiomqtt.Client, topic: str, payload: str) -> None:
        await client.publish(topic, payload.encode("ascii"), qos=1, retain=True)
        self.published += 1
