"""`record`, `sessions` and `export` end to end: simulated chargers over loopback HTTP."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.idle_clock import drive, finish, idle_clock, wait_real
from twc_tui.commands import export, sessions
from twc_tui.commands.record import main as record_main
from twc_tui.commands.record import record
from twc_tui.core.config import Settings
from twc_tui.core.targets import ChargerConfig
from twc_tui.engine.poller import PollSettings
from twc_tui.engine.store import Sample, Store
from twc_tui.sim.charger import SimulatedCharger

START_S = 7 * 3600.0
"""The day script from 07:00 (yesterday's energy still shown) to 23:00: both sessions."""
END_S = 23 * 3600.0
POLL = PollSettings(vitals_active_s=30, vitals_idle_s=120, wifi_s=3600, lifetime_s=600,
                    version_s=86400)


def run_cmd(main, argv: list[str]) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    return main(argv, out=out), out.getvalue()


async def test_a_simulated_day_lists_every_session_with_its_energy_and_duration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "history.db"
    # Virtual time that stands still while a request is in flight, so answer latency costs
    # no simulated time, however loaded the machine (at 4800x on a scaled clock a few ms
    # were tens of simulated seconds, and split or shortened sessions under load).
    with idle_clock(monkeypatch) as clock:
        sim = SimulatedCharger("na", scenario="day", start_at_s=START_S, seed=7,
                               clock=clock)
        clock.watch(sim)
        await sim.start()
        wall_of_script = clock.time() - sim.script_time()  # wall time = this + script time
        stop = asyncio.Event()
        log = io.StringIO()
        charger = ChargerConfig(host="127.0.0.1", port=sim.port, name="Garage")
        task = asyncio.create_task(record([charger], Settings(), db, clock=clock, poll=POLL,
                                          stop=stop, out=log))
        try:
            await wait_real(lambda: len(sim.log) >= 4, what="the first polls")
            await drive(clock, lambda: sim.script_time() >= END_S, 60.0, what="the day")
            stop.set()
            assert await finish(clock, task) == 0
        finally:
            stop.set()
            await sim.stop()
    assert "Vehicle plugged in" in log.getvalue()

    code, text = run_cmd(sessions.main, ["--csv", "--db", str(db)])
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(text)))
    script = sim.scenario.script
    assert len(rows) == len(script.sessions) == 2
    for row, truth in zip(rows, script.sessions, strict=True):
        energy = sim.scenario.session_energy_at_end(0.0, truth)
        assert float(row["energy_kwh"]) == pytest.approx(energy / 1000, abs=0.0011)
        tolerance = POLL.vitals_idle_s + 30  # unplug seen within one poll (plus latency)
        assert float(row["duration_s"]) == pytest.approx(truth.unplug_after_s, abs=tolerance)
        started = sessions.parse_date(row["started"])
        # From session_s, or the reading before the plug-in.
        assert started == pytest.approx(wall_of_script + truth.plug_s, abs=30)
        assert float(row["charging_s"]) == pytest.approx(truth.charge_for_s, abs=2 * 30 + 5)
        # The name given to `record` is kept in the database, not only in a config file.
        assert row["complete"] == "True" and row["charger"] == "Garage"
    assert rows[1]["alerts"] == "40"  # the evening charge derated on a hot handle
    assert float(rows[1]["peak_kw"]) > float(rows[0]["peak_kw"])

    code, text = run_cmd(export.main, ["samples", "--csv", "--db", str(db)])
    samples = list(csv.DictReader(io.StringIO(text)))
    assert code == 0 and len(samples) > 100
    assert max(float(r["power_w_max"] or 0) for r in samples) > 7000
    code, text = run_cmd(export.main, ["events", "--db", str(db)])
    kinds = [r["kind"] for r in csv.DictReader(io.StringIO(text))]
    assert kinds.count("plug") == 2 and kinds.count("unplug") == 2


def seeded_db(tmp_path: Path) -> Path:
    db = tmp_path / "h.db"
    store = Store.open(db)
    from twc_tui.engine.session_tracker import Session

    store.write_batch(
        [Sample("c1", 1_800_000_000, 3, {"power_w": (0.0, 1.0, 2.0)})],
        sessions=[Session("c1", started=1_800_000_000.0, ended=1_800_003_600.0,
                          last_seen=1_800_003_600.0, energy_wh=11_000.0, saw_end=True),
                  Session("c1", started=1_800_100_000.0, last_seen=1_800_100_100.0,
                          energy_wh=500.0, saw_start=False)])
    store.close()
    return db


def test_sessions_formats_and_since(tmp_path: Path) -> None:
    db = seeded_db(tmp_path)
    code, text = run_cmd(sessions.main, ["--json", "--db", str(db)])
    data = json.loads(text)
    assert code == 0 and [d["energy_kwh"] for d in data] == [11.0, 0.5]
    assert [d["complete"] for d in data] == [True, False] and data[1]["ended"] == ""
    since = sessions.iso(1_800_050_000.0)
    code, text = run_cmd(sessions.main, ["--csv", "--since", since, "--db", str(db)])
    assert code == 0 and len(text.strip().splitlines()) == 2
    code, text = run_cmd(sessions.main, ["--db", str(db)])
    assert code == 0 and "partial" in text and "in progress" in text


@pytest.mark.parametrize("argv", [
    ["sessions", "--since", "yesterday"],
    ["export", "events", "--since", "2026-13-01"],
])
def test_a_bad_date_is_one_line_and_exit_2(tmp_path: Path, argv: list[str],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from twc_tui.cli import main

    assert main([*argv, "--db", str(seeded_db(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "not a date" in err


def test_record_bad_input_and_unopenable_store_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert record_main(["--db", str(tmp_path / "h.db"), "not a host!"]) == 2
    assert "not a host" in capsys.readouterr().err
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(os.urandom(4096))
    assert record_main(["--db", str(corrupt), "127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "not a SQLite database" in err
    code, _ = run_cmd(sessions.main, ["--db", str(tmp_path / "missing.db")])
    assert code == 2


async def test_sigterm_flushes_and_exits_0(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    async with SimulatedCharger("eu", scenario="charging", speed=1.0) as sim:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "twc_tui", "record", "--db", str(db),
            f"127.0.0.1:{sim.port}=Drive", stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path)})
        assert proc.stdout is not None
        lines: list[str] = []
        while not any("recording to" in line for line in lines):
            lines.append((await asyncio.wait_for(proc.stdout.readline(), 10)).decode())
        await asyncio.sleep(2.5)  # a few vitals polls, all still in the unflushed batch
        proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 10)
    assert proc.returncode == 0, err.decode()
    assert "history flushed" in out.decode()
    store = Store.open(db)
    assert store.count("samples") >= 1 and store.count("sessions") == 1
    [s] = store.sessions()
    assert not s.saw_start and s.ended is None  # joined mid-charge, still plugged in


async def test_sessions_screen_shows_sorts_and_totals(tmp_path: Path) -> None:
    import dataclasses

    from textual.app import App
    from textual.widgets import DataTable

    from twc_tui.tui.screens.session_list import SessionsScreen

    store = Store.open(seeded_db(tmp_path))
    settings = dataclasses.replace(Settings(), price_per_kwh=0.25, currency="$")
    screen = SessionsScreen(store, settings, {"c1": "[bold]Garage\x1b[31m"},
                            now=lambda: 1_800_100_100.0)

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(screen)

    async with Host().run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()  # sessions are read in a thread
        await pilot.pause()
        table = screen.query_one("#sessions-table", DataTable)
        assert table.row_count == 2
        first = [str(c) for c in table.get_row_at(0)]
        assert first[1].startswith("[bold]Garage") and "\x1b" not in first[1]  # shown as text
        assert first[4] == "0.50" and first[7] == "$0.12" and "in progress" in first[8]
        await pilot.press("s", "s", "s", "s")  # sort by energy, newest-first flips to largest
        assert screen.sort_key == "energy"
        assert str(table.get_row_at(0)[4]) == "11.00"
        await pilot.press("d")
        totals = screen.query_one("#sessions-totals", DataTable)
        assert screen.period == "week" and totals.row_count >= 1
        summary = str(screen.query_one("#sessions-summary").render())
        assert "2 sessions, 11.5 kWh, $2.88" in summary
