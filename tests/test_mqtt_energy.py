"""Energy delivered: only goes up, across session resets, reboots, glitches and restarts of
the hub, and what subscribers read of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.mqtt_rig import Broker, Subscriber, needs_mosquitto
from tests.test_mqtt import Hub, _sims, topic
from twc_tui.core.clock import ScaledClock
from twc_tui.engine.energy_counter import EnergyCounter, Tally, advance
from twc_tui.engine.store_schema import connect


def run(readings: list[tuple[float, float | None]], tally: Tally | None = None) -> Tally:
    tally = tally or Tally()
    for at, wh in readings:
        advance(tally, wh, at)
    return tally


def test_increases_add_up_and_resets_count_from_zero() -> None:
    # A session to 500 Wh, unplug (persists), plug-in resets to 0, then 120 Wh more.
    t = run([(0, 100.0), (60, 300.0), (120, 500.0), (600, 500.0), (700, 0.0), (760, 120.0)])
    assert t.total_wh == pytest.approx(520.0)


def test_a_reboot_mid_session_is_not_a_loss() -> None:
    t = run([(0, 0.0), (600, 1000.0), (660, 30.0), (720, 200.0)])
    assert t.total_wh == pytest.approx(1200.0)  # 1000, then 30 since the reset, then 170


def test_noise_and_missing_readings_never_take_it_down() -> None:
    t = run([(0, 50.0), (10, 49.8), (20, None), (30, float("nan")), (40, 50.0), (50, 60.0)])
    assert t.total_wh == pytest.approx(10.0)
    totals = []
    tally = Tally()
    for at, wh in [(0, 0.0), (60, 90.0), (120, 10.0), (180, 5.0), (240, 400.0)]:
        advance(tally, wh, at)
        totals.append(tally.total_wh)
    assert totals == sorted(totals)


def test_an_impossible_jump_is_ignored() -> None:
    t = run([(0, 10.0), (1, 1e12), (2, 12.0)])
    assert t.total_wh == pytest.approx(2.0)


def test_the_counter_survives_a_restart_and_counts_what_happened_meanwhile(tmp_path: Path
                                                                           ) -> None:
    db = tmp_path / "h.db"
    first = EnergyCounter(connect(db, readonly=False, timeout_s=2))
    first.observe("c", 100.0, 0)
    first.observe("c", 400.0, 60)
    first.save()
    first.observe("c", 450.0, 70)  # never saved: the process was killed
    second = EnergyCounter(connect(db, readonly=False, timeout_s=2))
    second.load()
    assert second.total_wh("c") == 300.0
    second.observe("c", 900.0, 600)  # the session went on while the hub was down
    assert second.total_wh("c") == 800.0
    assert EnergyCounter(None).total_wh("c") is None


@needs_mosquitto
async def test_subscribers_read_a_rising_counter_that_survives_a_hub_restart(tmp_path: Path
                                                                             ) -> None:
    clock = ScaledClock(20.0)
    sims = await _sims(clock, "eu")
    summary = topic(sims[0], "summary")
    try:
        with Broker(tmp_path) as broker:
            async with Subscriber(broker.port) as sub:
                async with Hub(tmp_path, broker.url, sims, clock):
                    await sub.wait_for(lambda: sub.json(summary)["energy_delivered_wh"] > 50, 20,
                                       "energy counted while charging")
                first = sub.json(summary)["energy_delivered_wh"]
                async with Hub(tmp_path, broker.url, sims, clock):
                    await sub.wait_for(lambda: sub.json(summary)["energy_delivered_wh"] > first,
                                       20, "counting on after the restart")
                values = [json.loads(p)["energy_delivered_wh"] for p in sub.by_topic[summary]]
                values = [v for v in values if v is not None]
                assert values == sorted(values), "never goes down"
    finally:
        await sims[0].stop()


def test_serve_mqtt_usage_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    import subprocess
    import sys

    def serve(*args: str, pre: str = "") -> subprocess.CompletedProcess[str]:
        code = (f"import sys; {pre}from twc_tui.cli import main; "
                f"sys.exit(main(['serve', '127.0.0.1:9', *{list(args)!r}]))")
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=60)

    for args, words in ((["--mqtt", "http://127.0.0.1:1883"], "mqtt:// or mqtts://"),
                        (["--mqtt", "mqtt://u:secret@127.0.0.1"], "no user name or password")):
        done = serve(*args)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
        assert words in done.stderr and "Traceback" not in done.stderr
    done = serve("--mqtt", "mqtt://127.0.0.1:1883", pre="sys.modules['aiomqtt'] = None; ")
    assert done.returncode == 2
    assert done.stderr.strip().endswith("pip install 'twc-tui[mqtt]'")
    config = tmp_path / "c.toml"
    config.write_text(f'[mqtt]\nurl = "mqtt://127.0.0.1:1"\npassword_file = "{tmp_path}/nope"\n')
    done = serve("--config", str(config))
    assert done.returncode == 2 and "cannot read the MQTT password file" in done.stderr
