"""Which view of the chargers shows first, and which keys can act on the screen shown.

One charger opens on its detail, a few on the cards, many on the fleet table; a kiosk shows
its one view. Keys that cannot act are hidden from the footer and the help.
"""

from __future__ import annotations

from textual.screen import Screen

from twc_tui.tui.screens.detail import DetailScreen
from twc_tui.tui.screens.fleet import FleetScreen
from twc_tui.tui.screens.overview import OverviewScreen

FLEET_FROM = 13
"""From this many chargers the table is the default view: twelve cards are a wall already."""


def first_screen(count: int, kiosk: str | None, kiosk_view: int | None) -> Screen:
    """The screen at the bottom of the stack, for ``count`` chargers."""
    if kiosk is not None:
        return OverviewScreen() if kiosk_view is None else DetailScreen(kiosk_view)
    if count >= FLEET_FROM:
        return FleetScreen()
    return OverviewScreen() if count > 1 else DetailScreen(0)


def can_act(action: str, parameters: tuple[object, ...], screen: Screen, count: int) -> bool:
    """Switching charger needs two, a number must name one, and a key must do something on
    ``screen``."""
    if action == "select_charger":
        return count > 1 and int(str(parameters[0])) < count
    if action in ("next_charger", "previous_charger"):
        return count > 1
    if action == "toggle_view":  # only where there is a view of all chargers to switch
        return isinstance(screen, OverviewScreen | FleetScreen)
    if action == "cycle_range":  # the table's trend is always 5 min: t would do nothing
        return not isinstance(screen, FleetScreen)
    return True
