"""``/api/events``: every update as Server-Sent Events, through ``aiohttp-sse``.

Each update is ``event: poll`` (``event_to_wire``; a vitals poll carries ``derate_in_min``
when the hub runs alerts) followed by one ``event: log`` per log entry it caused. An entry no
poll caused (a notification that could not be sent) is ``event: note``; each notification the
hub's alerts send is ``event: alert``; a ``: ping`` comment goes out every ``heartbeat_s``.
Each client reads from its own bounded subscription, so a client that falls behind loses its
oldest updates, never delays polling, and is told ``event: resync`` (re-read
``/api/chargers``). A client that stops taking data is dropped after ``send_timeout_s``.
A client gets at most one write every ``sse_batch_s``: what arrives in between waits for the
window's end and leaves with it, corked into as few TCP segments as it fills.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from collections import deque
from collections.abc import Iterator
from typing import Any

from aiohttp import web
from aiohttp_sse import EventSourceResponse, sse_response

from twc_tui.engine.alert_rules import Notification
from twc_tui.engine.engine import Update
from twc_tui.hub.served import Served
from twc_tui.hub.views import entry_doc, event_doc
from twc_tui.hub.wire import notification_to_wire

log = logging.getLogger("twc_tui.hub.sse")


async def stream_events(hub: Served, request: web.Request) -> web.StreamResponse:
    limits = hub.limits
    if hub.sse_clients >= limits.max_sse_clients:
        return web.json_response(
            {"error": f"too many event-stream clients (at most {limits.max_sse_clients})"},
            status=503, headers={"Retry-After": "10"})
    names = hub.hub_id_of
    subscription = hub.engine.subscribe(limits.sse_queue)
    hub.subscriptions.add(subscription)
    hub.sse_clients += 1
    # Alerts the hub sends its sinks go to attached monitors too (their toasts), and each
    # vitals poll carries the derate forecast: an attached monitor runs no alerts itself.
    alerts = getattr(hub.engine, "alerts", None)
    clock = hub.engine.clock
    pending: deque[dict[str, Any]] = deque(maxlen=limits.sse_queue)

    def on_alert(n: Notification) -> None:
        if (hub_id := names.get(n.charger)) is not None:
            pending.append(notification_to_wire(n, hub_id))
            subscription.wake()

    unlisten = alerts.listen(on_alert) if alerts is not None else None
    events = None
    try:
        async with sse_response(request, ping_interval=limits.heartbeat_s,
                                send_timeout=limits.send_timeout_s) as events:
            dropped, sent_at = 0, float("-inf")
            while events.is_connected():
                try:
                    update = await subscription.get_within(limits.heartbeat_s)
                except EOFError:  # the engine or the hub stopped
                    break
                if update is not None and (wait := sent_at + limits.sse_batch_s
                                           - clock.monotonic()) > 0:
                    await clock.sleep(wait)  # and take what else arrived meanwhile
                batch = [update, *subscription.take_ready()] if update is not None else []
                with corked(request.transport):
                    while pending:
                        await events.send(json.dumps(pending.popleft()), event="alert")
                    if subscription.dropped != dropped:
                        lost, dropped = subscription.dropped - dropped, subscription.dropped
                        await events.send(json.dumps({"dropped": lost}), event="resync")
                    for update in batch:
                        await _send_update(events, update, names, alerts)
                if batch:  # a heartbeat or an alert alone does not hold back the next update
                    sent_at = clock.monotonic()
    except (ConnectionError, TimeoutError) as error:
        # A client that went away or stopped reading: its connection is already closed.
        log.info("event-stream client %s dropped: %s", request.remote,
                 error or "it stopped reading")
    finally:
        if unlisten is not None:
            unlisten()
        hub.sse_clients -= 1
        hub.subscriptions.discard(subscription)
        subscription.close()
    return events if events is not None else web.Response(status=500)


async def _send_update(events: EventSourceResponse, update: Update, names: dict[str, str],
                       alerts: Any) -> None:
    """One update as ``event: poll`` and its ``event: log`` entries (or ``event: note``)."""
    if (hub_id := names.get(update.charger)) is None:
        return
    if update.event is None:  # an entry the engine logged of its own
        for entry in update.entries:
            await events.send(json.dumps(entry_doc(entry, hub_id)), event="note")
        return
    doc = event_doc(update, hub_id)
    if alerts is not None and doc["ok"] and doc["endpoint"] == "vitals":
        doc["derate_in_min"] = alerts.forecast_minutes(update.charger)
    await events.send(json.dumps(doc), event="poll")
    for entry in update.entries:
        await events.send(json.dumps(entry_doc(entry, hub_id)), event="log")


@contextlib.contextmanager
def corked(transport: asyncio.BaseTransport | None) -> Iterator[None]:
    """Hold back partial TCP segments (Linux's ``TCP_CORK``) while a batch is written, so
    its events leave in as few segments as they fill: each write is otherwise a segment of
    its own, and on loopback the sender pays for the receiver's side of it too."""
    sock = transport.get_extra_info("socket") if transport is not None else None
    cork = getattr(socket, "TCP_CORK", None)
    if sock is None or cork is None:
        yield
        return
    try:
        sock.setsockopt(socket.IPPROTO_TCP, cork, 1)
    except OSError:  # not a TCP socket (a test's pipe), or already closed
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, cork, 0)
