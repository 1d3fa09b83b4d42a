"""``[[tariffs]]``: time-of-use price zones, read the way evcc reads its fixed zones.

evcc (``tariff/fixed``: ``day.go``, ``timerange.go``, ``zone.go``; docs.evcc.io "Time-based
tariff"): ``days`` is a list of days or ranges ("Mo-Fr", "Sa,Su", wrapping "Fr-Mo", English
or German short names, 0 and 7 both Sunday); ``hours`` is ``from-to`` with ``from`` included
and ``to`` excluded, an end of 0 meaning midnight; a zone without days or hours applies on
every day or all day; when zones overlap the last matching one applies; outside every zone
the plain ``price_per_kwh`` does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from twc_tui.core.table_checks import At, Checks, checked, known, required


@dataclass(frozen=True)
class TariffZone:
    price: float
    days: frozenset[int] | None = None
    """ISO weekdays (1 = Monday ... 7 = Sunday); None = every day."""
    hours: tuple[int, int] | None = None
    """[from, to) in minutes after midnight, ``to`` = 1440 for midnight; None = all day."""
    currency: str = ""
    text: str = ""
    """How the user wrote it ("Mo-Fr 7-23"), for summaries."""


_DAYS = {"mo": 1, "mon": 1, "monday": 1, "tu": 2, "tue": 2, "di": 2, "tuesday": 2,
         "we": 3, "wed": 3, "mi": 3, "wednesday": 3, "th": 4, "thu": 4, "do": 4,
         "thursday": 4, "fr": 5, "fri": 5, "friday": 5, "sa": 6, "sat": 6, "saturday": 6,
         "su": 7, "sun": 7, "so": 7, "sunday": 7}  # fmt: skip


def _day(text: str) -> int:
    word = text.strip().lower()
    if word in _DAYS:
        return _DAYS[word]
    if word.isdigit() and 0 <= int(word) <= 7:
        return int(word) or 7
    raise ValueError(f"not a day: {text.strip()!r} (use Mo, Tu, We, Th, Fr, Sa, Su)")


def parse_days(text: str) -> frozenset[int]:
    """``"Mo-Fr"``, ``"Sa,Su"``, ``"Fr-Mo"`` to ISO weekdays."""
    days: set[int] = set()
    for part in text.split(","):
        first, dash, last = part.partition("-")
        start = _day(first)
        end = _day(last) if dash else start
        days.update((start - 1 + i) % 7 + 1 for i in range((end - start) % 7 + 1))
    return frozenset(days)


def _clock(text: str) -> int:
    match = re.fullmatch(r"\s*(\d{1,2})(?::(\d{2}))?\s*", text)
    if match is None or int(match.group(1)) > 24 or int(match.group(2) or 0) > 59:
        raise ValueError(f"not a time of day: {text.strip()!r} (use 7 or 07:30)")
    return int(match.group(1)) * 60 + int(match.group(2) or 0)


def parse_hours(text: str) -> tuple[int, int]:
    """``"7-23"`` or ``"06:30-22:00"`` to [from, to) minutes; an end of 0 means midnight."""
    first, dash, last = text.partition("-")
    if not dash:
        raise ValueError(f"hours need a range such as 7-23, not {text!r}")
    start, end = _clock(first), _clock(last)
    end = 1440 if end in (0, 1440) else end
    if start >= end:
        # evcc matches nothing for such a range; saying so beats a zone that never applies.
        raise ValueError(f"hours {text!r} cross midnight: use two zones, e.g. 22-0 and 0-6")
    return start, end


ZONE_KEYS = ("days", "hours", "price", "currency")


def parse_zone(entry: Mapping[str, Any], at: At, checks: Checks) -> TariffZone:
    known(entry, ZONE_KEYS, at)
    required(entry, ("price",), at)
    price = checked(at, "price", checks.number(0, 1000), entry["price"])
    text = checks.string()
    days = hours = None
    if "days" in entry:
        days = checked(at, "days", lambda v: parse_days(text(v)), entry["days"])
    if "hours" in entry:
        hours = checked(at, "hours", lambda v: parse_hours(text(v)), entry["hours"])
    currency = checked(at, "currency", text, entry["currency"]) if "currency" in entry else ""
    shown = " ".join(str(entry[k]) for k in ("days", "hours") if k in entry) or "always"
    return TariffZone(price, days, hours, currency, shown)
