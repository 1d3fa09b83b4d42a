"""Kiosk mode, for a screen on the garage wall: one view, no footer, nothing to press.

``--kiosk overview`` shows the overview even for one charger; ``--kiosk CHARGER`` that
charger's detail, named as the user knows it: its name (any case), ``host:port``, its host,
or its number in the list (1-based, as the ``1``-``9`` keys count).
"""

from __future__ import annotations

from collections.abc import Sequence

from twc_tui.core.targets import ChargerConfig

OVERVIEW = "overview"
CSS = ".-kiosk Footer { display: none; }"
"""Added to the app's stylesheet; the app carries ``-kiosk`` while in kiosk mode."""


def kiosk_index(chargers: Sequence[ChargerConfig], view: str) -> int | None:
    """The charger ``view`` names (its index), or None for the overview. Raises
    ``ValueError`` in one line for a charger there is not."""
    wanted = view.strip()
    if wanted.lower() == OVERVIEW:
        return None
    folded = wanted.casefold()
    for matches in (
        lambda c: c.id == wanted,
        lambda c: c.name is not None and c.name.casefold() == folded,
        lambda c: c.host.casefold() == folded,
    ):
        found = [i for i, charger in enumerate(chargers) if matches(charger)]
        if len(found) == 1:
            return found[0]
    if wanted.isdigit() and 1 <= int(wanted) <= len(chargers):
        return int(wanted) - 1
    known = ", ".join(c.label for c in chargers[:9]) or "none"
    raise ValueError(f"--kiosk: no charger {wanted!r} (the chargers: {known}; "
                     "or use 'overview')")
