"""What a row of the fleet table says: its columns, the cells made from a charger's state,
and the ``/`` filter. Drawing them is the table's (``fleet_table``); nothing here knows where a
row is on screen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from twc_tui.core import units
from twc_tui.core.text import safe_text
from twc_tui.engine.charger_state import ChargerState
from twc_tui.tui.look import badge, power_trend, trend_top_kw

TREND_CELLS = 12
TREND_EVERY_S = 5.0
NAME_CELLS = 28
"""The widest a name is shown: the name column is as wide as the longest name, to this."""

# Textual styles ($text-error...) are not Rich styles: the table's cells use Rich names.
STATE_STYLES = {"OFFLINE": "bold red", "ERROR": "bold yellow", "CHARGING": "bold green",
                "DERATED": "bold yellow", "PLUGGED IN": "bold cyan", "IDLE": "bold blue",
                "CONNECTING": "dim"}


@dataclass(frozen=True)
class Column:
    """One column: key, title, right-aligned, its width (None: as wide as its widest cell),
    and the sort key taken from a charger (None when not known: such rows go last, whichever
    the direction)."""

    key: str
    title: str
    right: bool
    width: int | None
    sort: Callable[[ChargerState], Any]


def _vital(name: str) -> Callable[[ChargerState], Any]:
    return lambda s: None if s.vitals is None else getattr(s.vitals, name)


def _age(s: ChargerState) -> float | None:
    at = s.updated.get("vitals")
    return None if at is None else -at


# At-a-glance first: at 80 columns the session (and the trend) are what scrolls off. The
# widths are fixed where the text comes and goes or grows ("now", "OFFLINE 18:04", "0.00 kW"
# then "11.53 kW"), so a column never changes width under the user's eyes.
COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", False, None, lambda s: s.name.casefold()),
    Column("state", "State", False, 10, lambda s: badge(s)[0]),
    Column("power", "Power", True, 8, lambda s: s.power_w),
    Column("current", "Current", True, 9, _vital("vehicle_current_a")),
    Column("handle", "Handle", True, 8, _vital("handle_temp_c")),
    Column("age", "Age", True, 13, _age),
    Column("session", "Session", True, 20, _vital("session_energy_wh")),
    Column("trend", "Trend 5m", False, TREND_CELLS, lambda s: s.history.latest("power_kw")),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)


def arrow(reverse: bool) -> str:
    """The sort direction as the header and the "Sorted by" toast show it."""
    return " ↓" if reverse else " ↑"


def column(key: str) -> Column:
    return COLUMNS[COLUMN_KEYS.index(key)]


def matches(state: ChargerState, needle: str) -> bool:
    """The ``/`` filter: a name, a state word or a host, in any case."""
    if not needle:
        return True
    needle = needle.casefold()
    words = (state.name, badge(state)[0], state.charger)
    return any(needle in safe_text(w, 200).casefold() for w in words)


def ordered(states: dict[str, ChargerState], chargers: list[str] | set[str] | dict[str, Any],
            sort_key: str, reverse: bool) -> list[str]:
    """``chargers`` in table order: by the sort column, unknown values last."""
    sort = column(sort_key).sort
    # By name first: ties keep that order, so equal rows never swap from poll to poll.
    base = sorted(chargers, key=lambda c: (states[c].name.casefold(), c))
    keys = {c: sort(states[c]) for c in base}
    known = sorted((c for c in base if keys[c] is not None), key=keys.__getitem__,
                   reverse=reverse)
    return known + [c for c in base if keys[c] is None]


def _cut(text: str, cells: int, ascii_only: bool) -> str:
    """``text`` in at most ``cells`` terminal cells (a wide character takes two), with a
    mark where it was cut."""
    if cell_len(text) <= cells:
        return text
    mark = "~" if ascii_only else "…"
    return set_cell_size(text, cells - 1).rstrip() + mark


class CellMaker:
    """Makes a charger's row: one Rich ``Text`` per column."""

    def __init__(self, *, now: Callable[[], float],
                 max_current: Callable[[str], float | None], ascii_only: bool,
                 handle_warn_c: float) -> None:
        self.now = now
        self.max_current = max_current
        self.ascii_only = ascii_only
        self.handle_warn_c = handle_warn_c
        self._trends: dict[str, tuple[tuple[object, ...], str]] = {}

    def forget(self, charger: str) -> None:
        self._trends.pop(charger, None)

    def cells(self, state: ChargerState) -> list[Text]:
        word, _ = badge(state)
        v = state.vitals
        name = Text(_cut(safe_text(state.name, NAME_CELLS), NAME_CELLS, self.ascii_only))
        status = Text(word, style=STATE_STYLES.get(word, "bold"))
        if v is None:
            power = current = session = handle = Text("-", justify="right")
        else:
            power = Text(units.kw(state.power_w), justify="right")
            current = Text(units.amps(v.vehicle_current_a), justify="right")
            words = (f"{units.kwh(v.session_energy_wh)} · {units.duration(v.session_s)}"
                     if v.plugged else f"last {units.kwh(v.session_energy_wh)}")
            session = Text(words, justify="right")
            hot = v.handle_temp_c is not None and v.handle_temp_c >= self.handle_warn_c
            handle = Text(units.celsius(v.handle_temp_c), justify="right",
                          style="bold yellow" if hot else "")
        if state.health == "offline":
            since = units.clock(state.offline_since, with_seconds=False)
            age = Text(f"OFFLINE {since}", style="bold red")
        else:
            seconds = state.age(self.now())
            # Fresh within a poll or two: "now", so rows do not tick every second.
            fresh = seconds is not None and seconds < 15
            # Left, under its title: "now" beside "OFFLINE 18:04" would float right.
            age = Text("now" if fresh else units.age(seconds),
                       style="yellow" if state.health == "error" else "dim")
        spark = self._trend(state)
        return [name, status, power, current, handle, age, session,
                Text(spark.ljust(TREND_CELLS), style="green")]

    def _trend(self, state: ChargerState) -> str:
        """The row's 5-minute trend, made again at most every ``TREND_EVERY_S``: its cells
        are 25 s wide, and making it for every row that changed, each second, was an eighth
        of a 50-charger monitor's CPU."""
        now = self.now()
        top = trend_top_kw(state, self.max_current(state.charger))
        key = (now // TREND_EVERY_S, top, self.ascii_only, state.health)
        cached = self._trends.get(state.charger)
        if cached is not None and cached[0] == key:
            return cached[1]
        spark = power_trend(state, TREND_CELLS, now, top, self.ascii_only)
        self._trends[state.charger] = (key, spark)
        return spark
