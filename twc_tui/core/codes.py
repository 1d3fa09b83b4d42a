"""What the codes a Wall Connector reports mean, as far as anyone knows.

``evse_state`` meanings follow field notes §5.1, not the API reference: telemetry verified
1, 4, 9 and 11; the rest are community guesses and are marked unverified so the UI can say so.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EvseState:
    """A decoded ``evse_state``."""

    code: int | None
    """The raw code, or None when the charger sent none."""
    label: str
    """A short human label, e.g. "Charging"."""
    verified: bool
    """True when real telemetry confirms the meaning (codes 1, 4, 9, 11)."""
    description: str
    """One sentence for the help screen."""

    @property
    def known(self) -> bool:
        """Whether the code is in our table at all."""
        return self.code in STATES


STATES: dict[int, EvseState] = {
    s.code: s  # type: ignore[misc]
    for s in (
        EvseState(0, "Booting", False, "The charger is starting up."),
        EvseState(1, "No vehicle", True, "Standby, nothing plugged in."),
        EvseState(2, "Vehicle detected", False, "First second after a plug-in; rarely seen."),
        EvseState(3, "Ready", False, "First second after a plug-in; rarely seen."),
        EvseState(4, "Connected, idle", True, "Plugged in, contactor open, the car is asleep."),
        EvseState(5, "Scheduled", False, "Listed by the community, never observed."),
        EvseState(6, "Negotiating", False, "Handshaking with the vehicle."),
        EvseState(7, "Plug-in transition", False, "A few seconds around plug-in, or the latch "
                  "button pressed before unplug. Not an error, despite some lists."),
        EvseState(8, "Charging finished", False, "Seen on EU units: connected, contactor open."),
        EvseState(9, "Connected, not charging", True, "Plugged in, contactor open: waiting, "
                  "paused, scheduled or complete."),
        EvseState(10, "Charging reduced", False, "Listed by the community; a real thermal "
                  "derate stays in 11."),
        EvseState(11, "Charging", True, "Contactor closed, energy flowing."),
        EvseState(13, "Just unplugged", False, "Reported soon after unplugging."),
    )
}
"""Every code with a meaning, verified or not."""

VERIFIED_CODES = frozenset(code for code, s in STATES.items() if s.verified)


def evse_state(code: int | None) -> EvseState:
    """Decode a raw ``evse_state``; an unknown code reads "state N"."""
    if code is None:
        return EvseState(None, "unknown", False, "The charger did not report a state.")
    return STATES.get(code) or EvseState(code, f"state {code}", False, "Not a known code.")


ALERTS: dict[int, str] = {
    40: "High handle temperature, charging limited",
}
"""The only alert verified against the Tesla app (field notes §5.4)."""


@dataclass(frozen=True, slots=True)
class Alert:
    """One entry of ``current_alerts``."""

    code: int | str
    """As sent: modern firmware sends numbers, early typings guessed strings."""

    @property
    def text(self) -> str:
        """A readable meaning, or the bare code."""
        if isinstance(self.code, int) and self.code in ALERTS:
            return ALERTS[self.code]
        return f"alert {self.code}"
