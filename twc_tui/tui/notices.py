"""What the monitor says in toasts rather than on a screen: an alert firing or resolving (with
the bell if asked), what the user should know at start, and the history's recording stopping
for good or its writes failing and recovering."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from twc_tui.core.text import safe_text
from twc_tui.engine.engine import Engine
from twc_tui.hub.remote import RemoteEngine

if TYPE_CHECKING:  # a Protocol on App: only a type checker can build it
    from twc_tui.tui.monitor_api import MonitorApp


TOAST_LINES = 3
"""At most this many alerts in one charger's toast; the rest are counted. The Detail screen's
log has them all."""
GATHER_S = 0.3
"""Alerts of one charger arriving this close together share a toast: one poll of a charger
with four alert codes fires four rules at once, and four toasts covered half of 80x24."""
LEVELS = {"critical": "error", "warning": "warning"}
RANK = {"information": 0, "warning": 1, "error": 2}


def alert_toast(app: MonitorApp) -> Callable[[Any], None]:
    """A listener for the alert engine's notifications: one toast per charger per burst."""
    pending: dict[str, list[Any]] = {}

    def flush() -> None:
        batches = list(pending.values())
        pending.clear()  # first: a toast that fails must not stop every later one
        for batch in batches:
            _show(app, batch)
        if app.settings.bell and any(not n.resolved for batch in batches for n in batch):
            app.bell()  # once per burst, however many chargers it touched

    def toast(n) -> None:  # type: ignore[no-untyped-def]
        if not pending:
            app.set_timer(GATHER_S, flush)
        pending.setdefault(n.charger, []).append(n)

    return toast


def _show(app: MonitorApp, batch: list[Any]) -> None:
    fired = [n for n in batch if not n.resolved]
    if len(batch) == 1:
        title, text = batch[0].title, batch[0].text
    else:
        parts = [_count(len(fired), "alert", "alerts")] if fired else []
        if len(fired) < len(batch):
            parts.append(f"{len(batch) - len(fired)} resolved")
        title = f"{batch[0].name}: {', '.join(parts)}"
        # One row each: Textual's toast is 60 columns wide, at most half the screen, less
        # its border and padding.
        width = max(16, min(60, app.size.width // 2) - 4)
        # The worst first, so what the title's colour warns of is never among "N more".
        shown = sorted(batch, key=lambda n: (n.resolved, -RANK[_level(n)]))
        lines = [safe_text(f"{'Resolved: ' if n.resolved else ''}{n.text}", width)
                 for n in shown[:TOAST_LINES]]
        if len(batch) > TOAST_LINES:
            lines.append(safe_text(f"and {len(batch) - TOAST_LINES} more in the log", width))
        text = "\n".join(lines)
    # The worst of what fired; a burst of resolutions alone is information.
    level = max((_level(n) for n in fired), key=RANK.__getitem__, default="information")
    app.notify(text, title=title, markup=False, timeout=12,
               severity=level)  # type: ignore[arg-type]


def _level(n: Any) -> str:
    return LEVELS.get(n.severity, "information")


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def tell_at_start(app: MonitorApp, engine: Engine | RemoteEngine, kiosk_note: str) -> None:
    """The hub's notice, a kiosk address that named no charger, history that is not kept."""
    if isinstance(engine, RemoteEngine) and engine.notice:
        app.notify(engine.notice, timeout=8, markup=False)
    if kiosk_note:
        app.notify(kiosk_note, severity="warning", timeout=15, markup=False)
    if engine.history and engine.recorder is None and engine.store is None:
        app.notify(engine.history_note, severity="warning", timeout=15, markup=False)


class HistoryWatch:
    """Tells the user when the history stops being recorded, and when writes fail or recover."""

    def __init__(self, app: MonitorApp, engine: Engine | RemoteEngine) -> None:
        self._app = app
        self._engine = engine
        self._was_recording = engine.recorder is not None
        self._write_error: str | None = None

    def check(self) -> None:
        """Once, when recording stops for good (a full disk, a damaged file): the user was
        told at start that history is kept, so silence would be a broken promise."""
        app, engine = self._app, self._engine
        recording = engine.recorder is not None
        if self._was_recording and not recording:
            app.notify(f"{engine.history_status}. The monitor goes on without it.",
                       title="History stopped", severity="error", timeout=30, markup=False)
        self._was_recording = recording
        # A write that fails keeps the data in memory and retries; say so when it starts
        # failing and when it recovers, not only in the Help screen.
        recorder = engine.recorder
        error = recorder.last_error if recorder is not None and recorder.is_writer else None
        if error != self._write_error:
            if error is not None:
                app.notify(f"Cannot write the history yet; keeping it in memory: "
                           f"{safe_text(error, 200)}", title="History", severity="warning",
                           timeout=15, markup=False)
            elif self._write_error is not None:
                app.notify("Writing the history again.", title="History", timeout=5)
            self._write_error = error
