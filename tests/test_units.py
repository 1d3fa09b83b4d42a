"""Formatting: fixed, readable, and honest about missing values."""

from __future__ import annotations

import math

from twc_tui.core import units


def test_missing_values_show_a_dash() -> None:
    assert units.kw(None) == units.MISSING
    assert units.celsius(math.nan) == units.MISSING
    assert units.duration(None) == units.MISSING


def test_quantities() -> None:
    assert units.kw(10096.0) == "10.10 kW"
    assert units.kwh(55600.0) == "55.60 kWh"
    assert units.energy(5276620) == "5276.6 kWh"
    assert units.energy(32981753) == "32.98 MWh"
    assert units.amps(40.0) == "40.0 A"
    assert units.hertz(59.875) == "59.875 Hz"


def test_durations_and_ages() -> None:
    assert units.duration(45) == "45s"
    assert units.duration(187) == "3m 07s"
    assert units.duration(7500) == "2h 05m"
    assert units.duration(2671492) == "30d 22h"
    assert units.age(None) == "never"
    assert units.age(0.4) == "now"
    assert units.age(12) == "12s ago"
