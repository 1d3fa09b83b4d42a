"""Open the history database for the monitor: restore charts and event logs, start recording."""

from __future__ import annotations

from collections.abc import Mapping

from twc_tui.core.clock import Clock
from twc_tui.core.config import Settings
from twc_tui.core.recorder import Recorder, default_db_path, prefill_history
from twc_tui.core.state import ChargerState
from twc_tui.core.store import Store
from twc_tui.core.store_schema import StoreError


def open_history(
    settings: Settings, states: Mapping[str, ChargerState], clock: Clock
) -> tuple[Store | None, Recorder | None, str]:
    """The store, its recorder and one line on where history goes; ``(None, None, why)``
    when the store cannot be opened (read-only dir, corrupt or locked file)."""
    try:
        store = Store.open(default_db_path(settings.db_path))
    except StoreError as error:
        return None, None, f"no history: {error}"
    now = clock.time()
    try:
        for charger, state in states.items():
            prefill_history(store, state.history, charger, now)
            events = store.load_events(charger, limit=state.log.maxlen or 500)
            state.log.extend(events)
            state.log_total += len(events)
    except StoreError as error:  # opened, but unreadable further in (a damaged page)
        store.close()
        return None, None, f"no history: {error}"
    names = {charger: state.name for charger, state in states.items() if state.name != charger}
    recorder = Recorder(store, retention_days=settings.retention_days,
                        monotonic=clock.monotonic, wall=clock.time, names=names)
    return store, recorder, recorder.status
