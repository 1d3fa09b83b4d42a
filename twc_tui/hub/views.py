"""What the hub sends about a charger: ``wire.py``'s documents, under the hub's charger ids.

The engine keys chargers by ``host:port``; everything the hub serves names them by their hub
id instead, so a client can put the id straight into ``/c/<id>/...``.
"""

from __future__ import annotations

from typing import Any

from twc_tui.engine.charger_state import ChargerState, LogEntry
from twc_tui.engine.engine import Update
from twc_tui.hub.wire import entry_to_wire, event_to_wire, state_to_wire


def entry_doc(entry: LogEntry, hub_id: str) -> dict[str, Any]:
    return {**entry_to_wire(entry), "charger": hub_id}


def event_doc(update: Update, hub_id: str) -> dict[str, Any]:
    return {**event_to_wire(update.event), "charger": hub_id}


def state_doc(state: ChargerState, hub_id: str, now: float, log_tail: int = 0
              ) -> dict[str, Any]:
    doc = state_to_wire(state, now, host=state.charger, log_tail=log_tail)
    doc["id"] = hub_id
    if "log" in doc:
        doc["log"] = [{**entry, "charger": hub_id} for entry in doc["log"]]
    return doc
