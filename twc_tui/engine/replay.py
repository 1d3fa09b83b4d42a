"""Play a stream of past answers into a history database, as if they had been polled.

The same path live answers take: each one is folded into a :class:`ChargerState` (which
notices plug-ins, charging, alerts, reboots and writes the event log), then fed to a
:class:`Recorder` (10-second buckets, sessions, lifetime cross-checks), which writes it all in
one transaction. The demo uses it to start with a day behind it; tests and screenshots use
it for a day of data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from twc_tui.core.models import Lifetime, Version, Vitals, WifiStatus
from twc_tui.core.targets import ChargerConfig
from twc_tui.engine.charger_state import ChargerState
from twc_tui.engine.poller import PollSuccess
from twc_tui.engine.recorder import Recorder
from twc_tui.engine.store import Store


class PastAnswer(Protocol):
    """One answer from the past (e.g. ``twc_tui.sim.backfill.Reading``)."""

    @property
    def at(self) -> float: ...
    @property
    def endpoint(self) -> str: ...
    @property
    def payload(self) -> Vitals | Lifetime | WifiStatus | Version: ...


def replay(store: Store, chargers: Sequence[ChargerConfig],
           answers: Mapping[str, Iterable[PastAnswer]], *, now: float) -> str | None:
    """Record ``answers[charger.id]`` (oldest first) for each charger into ``store``, then
    release it for the next writer. ``now`` is the wall time retention counts from. Returns
    what could not be written, in words (None when everything was)."""
    names = {c.id: c.label for c in chargers if c.label != c.id}
    recorder = Recorder(store, names=names, auto_flush=False, wall=lambda: now)
    for charger in chargers:
        state = ChargerState(charger.id, charger.label, charger.phase_mode)
        for answer in answers.get(charger.id, ()):
            event = PollSuccess(charger.id, answer.endpoint, answer.payload, answer.at, 0.0)
            recorder.feed(event, state.apply(event), state.phase_mode_setting)
    return recorder.close()
