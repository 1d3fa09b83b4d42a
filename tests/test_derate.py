"""The thermal-derate forecast against the simulator's scripted day: the forecast made ten
minutes before the simulated derate lands within three minutes of it, on every profile, from
the JSON a simulated unit sends (noise, rounding and all)."""

from __future__ import annotations

import math
import random

import pytest

from twc_tui.core.models import Vitals
from twc_tui.engine.derate import Forecaster, fit_first_order
from twc_tui.sim import render
from twc_tui.sim.profiles import PROFILES
from twc_tui.sim.scenario import Scenario
from twc_tui.sim.script import SCRIPTS


@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("every_s", [1.0, 5.0, 30.0])
def test_forecast_ten_minutes_before_the_derate_is_within_three_minutes(
        profile: str, every_s: float) -> None:
    scenario = Scenario(PROFILES[profile], SCRIPTS["day"])
    evening = SCRIPTS["day"].sessions[-1]
    assert evening.derate_after_s is not None
    derate = evening.charge_start + evening.derate_after_s
    rng = random.Random(11)
    forecaster = Forecaster()
    x = evening.plug_s
    while x <= derate - 600:
        payload = render.vitals(scenario.profile, scenario.truth(x), x, rng)
        forecaster.observe(x, Vitals.from_json(payload))
        x += every_s
    forecast = forecaster.forecast()
    assert forecast is not None
    assert abs(forecast.derate_at - derate) <= 180
    assert 7 <= forecast.minutes <= 13


def test_no_forecast_without_a_rise_or_while_derated() -> None:
    forecaster = Forecaster()
    flat = {"contactor_closed": True, "vehicle_connected": True, "vehicle_current_a": 32.0,
            "handle_temp_c": 30.0, "current_alerts": []}
    for i in range(120):
        forecaster.observe(1000.0 + 10 * i, Vitals.from_json(flat))
    assert forecaster.forecast() is None  # steady at 30 °C: nothing to predict
    for i in range(120):
        hot = {**flat, "handle_temp_c": 30 + 30 * (1 - math.exp(-i / 60)),
               "current_alerts": [40]}
        forecaster.observe(3000.0 + 10 * i, Vitals.from_json(hot))
    assert forecaster.forecast() is None  # already derated: the charger has acted


def test_the_fit_recovers_a_known_curve() -> None:
    points = [(100.0 + t, 80 - 60 * math.exp(-t / 600)) for t in range(0, 900, 10)]
    fit = fit_first_order(points)
    assert fit is not None
    assert fit.t_inf == pytest.approx(80, abs=0.05) and fit.tau_s == pytest.approx(600, rel=1e-3)
    assert fit.crossing(65) == pytest.approx(100 + 600 * math.log(4), abs=1)
