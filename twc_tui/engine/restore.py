"""Open the history database for the monitor: restore charts and event logs, start recording."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from twc_tui.core.clock import Clock
from twc_tui.core.config import Settings
from twc_tui.engine.charger_state import ChargerState
from twc_tui.engine.recorder import Recorder, default_db_path
from twc_tui.engine.samples import prefill_history
from twc_tui.engine.store import Store
from twc_tui.engine.store_schema import StoreError


def open_history(
    settings: Settings, states: Mapping[str, ChargerState], clock: Clock, *,
    db: Path | None = None, priority: bool = False,
) -> tuple[Store | None, Recorder | None, str]:
    """The store, its recorder and one line on where history goes; ``(None, None, why)``
    when the store cannot be opened (read-only dir, corrupt or locked file).

    Runs in a worker thread at start: reading a day of charts must not hold up the loop."""
    try:
        store = Store.open(db or default_db_path(settings.db_path))
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
    recorder = Recorder(store, priority=priority, retention_days=settings.retention_days,
                        monotonic=clock.monotonic, wall=clock.time, names=names,
                        auto_flush=False)
    if priority and recorder.lock is not None and recorder.lock.error:
        # The service must hold the database; a monitor just reads beside whoever does.
        why = f"history not recorded: {recorder.lock.error} ({store.path})"
        recorder.close()
        store.close()
        return None, None, why
    return store, recorder, recorder.status
