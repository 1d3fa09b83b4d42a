"""Snapshots of every screen at 80x24 and 160x50, from a fixed clock and scripted state
(tests/tui_scenario.py), thirty scripted chargers for the fleet table (tests/test_fleet.py)
or the demo's backfilled week (tests/demo_history.py).

Re-bless only on purpose, after looking at the SVGs: ``pytest --snapshot-update`` and then
open ``tests/__snapshots__/test_snapshots/*.svg``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot

from tests.demo_history import demo_app
from tests.test_fleet import fleet_app
from tests.tui_scenario import make_app

SIZES = [(80, 24), (160, 50)]


def _quiet(*keys: str) -> Callable[[Pilot], Awaitable[None]]:
    """Press ``keys``, then drop the toasts (a sort says what it sorted by for 2 s): the
    screenshot must not depend on how long the machine took to get there."""

    async def run(pilot: Pilot) -> None:
        await pilot.press(*keys)
        await pilot.app.workers.wait_for_complete()
        pilot.app.clear_notifications()
        await pilot.pause()

    return run


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_overview(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(3), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_detail(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(1), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_detail_of_offline_charger(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(3), terminal_size=size, press=["3"])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(3), terminal_size=size, press=["question_mark"])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_paused_detail(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(1), terminal_size=size, run_before=_quiet("p"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_no_color(snap_compare, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]) -> None:
    monkeypatch.setenv("NO_COLOR", "1")  # read by Textual when the app is made
    assert snap_compare(make_app(3), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_fleet_filtered(snap_compare, size: tuple[int, int]) -> None:
    # enter applies the filter at once (typing alone waits for a pause in the keys)
    assert snap_compare(fleet_app(30), terminal_size=size,
                        run_before=_quiet("slash", *"charging", "enter"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_fleet_sorted_by_power(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(fleet_app(30), terminal_size=size, run_before=_quiet("o", "o"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_demo_with_history(snap_compare, demo_day, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app(*demo_day), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_demo_detail_over_24_hours(snap_compare, demo_day, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app(*demo_day), terminal_size=size,
                        run_before=_quiet("enter", "t", "t"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_sessions(snap_compare, demo_day, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app(*demo_day), terminal_size=size, run_before=_quiet("s"))
