"""A remote charger's state brought up to the hub's view in place (screens hold it)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from twc_tui.engine.charger_state import ChargerState


def keyed(item: Mapping[str, Any], key: str, tail: int) -> dict[str, Any]:
    """The hub's document with its log entries filed under our key for the charger."""
    entries = item.get("log") if isinstance(item.get("log"), list) else []
    return {**item, "log": [{**e, "charger": key} for e in entries[-tail:]
                            if isinstance(e, dict)]}


_CAUGHT_UP = ("failures", "offline", "offline_since", "last_error", "endpoint_errors")


def catch_up_state(state: ChargerState, fresh: ChargerState) -> None:
    """Bring ``state`` to the hub's ``fresh`` view in place; log entries it lacks are added
    after its own (so a log view shows them as new)."""
    for name in ("vitals", "known_vitals", "lifetime", "wifi", "version"):
        if getattr(fresh, name) is not None:  # never blank what we had
            setattr(state, name, getattr(fresh, name))
    state.raw.update(fresh.raw)
    state.updated.update(fresh.updated)
    for name in _CAUGHT_UP:
        setattr(state, name, getattr(fresh, name))
    newest = max((e.at for e in state.log if e.kind not in ("hub_lost", "hub_back")),
                 default=-math.inf)
    known = set(state.log)
    missed = [e for e in fresh.log if e.at > newest and e not in known]
    state.log.extend(missed)
    state.log_total += len(missed)
    state.revision += 1

