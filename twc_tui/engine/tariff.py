"""What energy cost when it was drawn: time-of-use zones, and the one function that costs a
session for every output (the Sessions screen, ``sessions --json/--csv``, the hub's records).

Zones follow evcc's fixed zones (see :mod:`twc_tui.core.tariff_zones`): the last zone that
matches the local weekday and time of day applies, else the plain ``price_per_kwh``.

A session's cost is the sum, over its 10-second history samples, of the energy in that sample
times the price in force at that sample. The energy in a sample is its mean power over the
10 s, scaled so that the samples add up to the session's metered energy (the charger's own
counter is the truth; the samples only say *when* it was drawn). Without samples (history
pruned, or recorded before it was kept) the whole session is priced at its start.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from twc_tui.core.config import Settings
from twc_tui.core.tariff_zones import TariffZone
from twc_tui.engine.session_tracker import Session
from twc_tui.engine.store import Store

SAMPLE_S = 10.0


@dataclass(frozen=True)
class Tariff:
    zones: tuple[TariffZone, ...] = ()
    fallback: float | None = None
    """``price_per_kwh``: where no zone applies."""
    currency: str = ""

    @classmethod
    def of(cls, settings: Settings) -> Tariff | None:
        """The settings' tariff, or None when no price is set at all."""
        zones = settings.alerting.tariffs
        if not zones and settings.price_per_kwh is None:
            return None
        currency = next((z.currency for z in zones if z.currency), "") or settings.currency
        return cls(zones, settings.price_per_kwh, currency)

    def price_at(self, at: float) -> float | None:
        """Price per kWh in force at wall time ``at`` (local time), None if none is."""
        local = time.localtime(at)
        weekday, minute = local.tm_wday + 1, local.tm_hour * 60 + local.tm_min
        price = self.fallback
        for zone in self.zones:  # the last match wins
            if zone.days is not None and weekday not in zone.days:
                continue
            if zone.hours is not None and not zone.hours[0] <= minute < zone.hours[1]:
                continue
            price = zone.price
        return price


def cost_of(tariff: Tariff, energy_wh: float, samples: Iterable[tuple[float, float | None]],
            start: float) -> float | None:
    """The cost of ``energy_wh`` drawn as ``samples`` say ((sample middle, mean kW); None = a
    gap), or priced at ``start`` without any. None when some of it has no price."""
    parts = [(t, kw * SAMPLE_S / 3600.0) for t, kw in samples if kw is not None and kw > 0]
    drawn = sum(kwh for _, kwh in parts)
    if drawn <= 0:
        price = tariff.price_at(start)
        return None if price is None else energy_wh / 1000.0 * price
    total = 0.0
    by_minute: dict[int, float | None] = {}  # zones are whole minutes: six samples each
    for t, kwh in parts:
        minute = int(t // 60)
        if minute in by_minute:
            price = by_minute[minute]
        else:
            price = by_minute[minute] = tariff.price_at(minute * 60)
        if price is None:
            return None
        total += kwh * price
    return total * (energy_wh / 1000.0) / drawn


def session_cost(store: Store | None, s: Session, tariff: Tariff | None) -> float | None:
    """What session ``s`` cost on ``tariff``, from its samples in ``store``. Raises
    ``StoreError`` if the store cannot be read."""
    if tariff is None:
        return None
    if not tariff.zones:
        # One price all day: when the energy was drawn cannot matter, so the samples (the
        # whole cost of a month's Sessions list: 14 s for 1500 sessions) are not read.
        return None if tariff.fallback is None else s.energy_wh / 1000.0 * tariff.fallback
    samples: list[tuple[float, float | None]] = []
    if store is not None and s.energy_wh > 0:
        end = (s.ended if s.ended is not None else s.last_seen) + SAMPLE_S
        for t, point in store.load_history(s.charger, s.started - SAMPLE_S, end,
                                           only=("power_w",)):
            samples.append((t, None if point is None else point.get("power_kw")))
    return cost_of(tariff, s.energy_wh, samples, s.started)
