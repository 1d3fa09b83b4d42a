"""Time-of-use cost: evcc's fixed-zone semantics, and one session across a price boundary
costed by `twc-tui sessions` against a hand computation."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import pytest

from twc_tui.commands import sessions
from twc_tui.core.config import ConfigError, parse_settings
from twc_tui.engine.session_tracker import Session
from twc_tui.engine.store import Sample, Store
from twc_tui.engine.tariff import Tariff

TWO_ZONES = """
[history]
price_per_kwh = 0.10
[[tariffs]]
days = "Mo-Fr"
hours = "7-23"
price = 0.30
currency = "€"
[[tariffs]]
days = "Sa,Su"
hours = "7-0"
price = 0.20
currency = "€"
[[tariffs]]
days = "Fr"
hours = "16-23"
price = 0.40
currency = "€"
"""


def local(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()  # the tests run in UTC


def tariff() -> Tariff:
    t = Tariff.of(parse_settings(TWO_ZONES, Path("c.toml")))
    assert t is not None
    return t


@pytest.mark.parametrize(("when", "price"), [
    ("2026-11-18T06:59", 0.10),   # Wednesday, before the day zone: the fallback
    ("2026-11-18T07:00", 0.30),   # from is included
    ("2026-11-18T22:59", 0.30),
    ("2026-11-18T23:00", 0.10),   # to is excluded
    ("2026-11-20T17:00", 0.40),   # Friday: the later, overlapping zone wins
    ("2026-11-21T23:30", 0.20),   # Saturday, "7-0": until midnight
    ("2026-11-22T03:00", 0.10),
])
def test_zones_follow_evcc(when: str, price: float) -> None:
    assert tariff().price_at(local(when)) == pytest.approx(price)
    assert tariff().currency == "€"


@pytest.mark.parametrize(("table", "message"), [
    ('days = "Mo-Xx"\nprice = 1', "tariffs[1].days: not a day: 'Xx'"),
    ('hours = "22-6"\nprice = 1', "tariffs[1].hours: hours '22-6' cross midnight"),
    ('hours = "7-23"', "tariffs[1]: missing key price"),
    ('price = 1\nzone = "x"', "tariffs[1].zone: unknown key"),
])
def test_bad_zones_are_named(table: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_settings("[[tariffs]]\n" + table + "\n", Path("c.toml"))


def test_a_session_across_a_price_boundary_costs_what_a_hand_computation_says(
        tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    start, end = local("2026-11-18T22:30"), local("2026-11-18T23:30")
    store = Store.open(db)
    # One 10-second sample per bucket at 7.2 kW for the hour, as the recorder writes them.
    samples = [Sample("127.0.0.1:80", int(t), 10, {"power_w": (7190.0, 7200.0, 7210.0)})
               for t in range(int(start), int(end), 10)]
    store.write_batch(samples, sessions=[Session(
        "127.0.0.1:80", started=start, ended=end, last_seen=end, energy_wh=7200.0,
        charging_s=3600.0, saw_end=True)])
    store.close()
    config = tmp_path / "c.toml"
    config.write_text(TWO_ZONES, encoding="utf-8")
    out = io.StringIO()
    assert sessions.main(["--json", "--db", str(db), "--config", str(config)], out=out) == 0
    (row,) = json.loads(out.getvalue())
    # By hand: 3.6 kWh before 23:00 at 0.30 and 3.6 kWh after at 0.10.
    assert row["cost"] == pytest.approx(3.6 * 0.30 + 3.6 * 0.10, abs=0.005) == 1.44
    out = io.StringIO()
    assert sessions.main(["--db", str(db), "--config", str(config)], out=out) == 0
    assert "€1.44" in out.getvalue()


def test_one_price_all_day_costs_the_metered_energy_whatever_the_samples_say(
        tmp_path: Path) -> None:
    # Samples that cover only half the session: with one price, when it was drawn cannot
    # matter, so the charger's own count is priced (and the samples are not read at all).
    db = tmp_path / "h.db"
    start = local("2026-11-18T22:30")
    store = Store.open(db)
    store.write_batch([Sample("127.0.0.1:80", int(t), 10, {"power_w": (3000.0, 3600.0, 4000.0)})
                       for t in range(int(start), int(start) + 1800, 10)],
                      sessions=[Session("127.0.0.1:80", started=start, ended=start + 3600,
                                        last_seen=start + 3600, energy_wh=9000.0,
                                        charging_s=3600.0, saw_end=True)])
    assert [set(p or ()) for _, p in store.load_history(
        "127.0.0.1:80", start, start + 20, only=("power_w",))] == [{"power_kw"}, {"power_kw"}]
    store.close()
    config = tmp_path / "c.toml"
    config.write_text("[history]\nprice_per_kwh = 0.25\n", encoding="utf-8")
    out = io.StringIO()
    assert sessions.main(["--json", "--db", str(db), "--config", str(config)], out=out) == 0
    (row,) = json.loads(out.getvalue())
    assert row["cost"] == 2.25
