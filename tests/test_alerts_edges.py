"""Alert edges the other alert tests leave out, each asserted on what the user receives: the
body a real loopback webhook gets, the config checker's one line and exit code, the event log
and the screens' text, and `discover`'s bytes under the C locale.

Simulated chargers run on an IdleClock (virtual time that stands still while a request is on
the wire); where the simulator cannot produce a reading (a stop with an alert or a not-ready
reason, an alert other than 40), scripted vitals go through the engine's one path,
``Engine.apply``, with the alert engine on a VirtualClock that nothing advances.
"""

from __future__ import annotations

import asyncio
import io
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import DataTable

from tests.idle_clock import drive, finish, idle_clock, wait_real
from tests.pty_harness import ROOT, base_env, simulator
from tests.test_alert_kit import Receiver, engine_for
from tests.test_tui_keys import screen_text
from tests.tui_scenario import NA_VITALS, VERSION
from twc_tui.cli import main as cli_main
from twc_tui.commands.record import record
from twc_tui.core.alert_config import DEFAULT_RULES, Alerting
from twc_tui.core.cadence import PollSettings
from twc_tui.core.clock import VirtualClock
from twc_tui.core.config import Settings, parse_settings
from twc_tui.core.models import parse
from twc_tui.core.sink_config import Sink
from twc_tui.core.targets import ChargerConfig
from twc_tui.engine.alerts import AlertEngine, start_alerts, stop_alerts
from twc_tui.engine.engine import Engine
from twc_tui.engine.poller import PollSuccess
from twc_tui.engine.session_tracker import Session
from twc_tui.engine.store import Sample, Store
from twc_tui.sim.charger import SimulatedCharger
from twc_tui.sim.faults import Faults
from twc_tui.sim.script import SCRIPTS
from twc_tui.tui.app import TwcApp
from twc_tui.tui.screens.detail import DetailScreen
from twc_tui.tui.screens.session_list import SessionsScreen

NOW = 1_795_000_000.0
"""2026-11-18 11:06:40 UTC (the tests run in UTC)."""
GARAGE = ChargerConfig("127.0.0.1", 9, "Garage")
DRIVEWAY = ChargerConfig("127.0.0.2", 9, "Driveway")
IDLE_POLL = PollSettings(vitals_active_s=5, vitals_idle_s=5, wifi_s=600, lifetime_s=600,
                         version_s=60)
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def control_chars(value: object) -> list[str]:
    """Every C0/C1 control character in the strings of a JSON document."""
    if isinstance(value, str):
        return CONTROL.findall(value)
    if isinstance(value, dict):
        return [c for k, v in value.items() for c in control_chars(k) + control_chars(v)]
    if isinstance(value, list):
        return [c for v in value for c in control_chars(v)]
    return []


# -- scripted vitals through the real engine ---------------------------------------------


@dataclass
class Scripted:
    """An engine fed scripted poll results, its alert engine started, sinks on loopback."""

    engine: Engine
    rx: Receiver

    def vitals(self, charger: ChargerConfig, at: float, **changes: Any) -> None:
        raw = {**NA_VITALS, **changes}
        self.engine.apply(PollSuccess(charger.id, "vitals", parse("vitals", raw), at, 0.01, raw))

    def version(self, charger: ChargerConfig, at: float, firmware: str) -> None:
        raw = {**VERSION, "firmware_version": firmware}
        self.engine.apply(PollSuccess(charger.id, "version", parse("version", raw), at, 0.01,
                                      raw))

    def got(self, rule: str, resolved: bool = False, path: str | None = None) -> list[dict]:
        return [r.json for r in self.rx.received if r.json["rule"] == rule
                and r.json["resolved"] is resolved and (path is None or r.path == path)]


@asynccontextmanager
async def scripted(settings: Settings, rx: Receiver,
                   chargers: tuple[ChargerConfig, ...] = (GARAGE,),
                   alerts: Callable[[Engine], AlertEngine] | None = None,
                   ) -> AsyncIterator[Scripted]:
    """No pollers: the poll results are the test's. The alert engine is the one the engine
    starts (``start_alerts``) unless ``alerts`` builds another."""
    engine = Engine(list(chargers), settings, clock=VirtualClock(NOW), history=False)
    if alerts is None:
        engine.alerts = start_alerts(engine, settings.alerting)
    else:
        engine.alerts = alerts(engine)
        engine.alerts.start()
    try:
        yield Scripted(engine, rx)
    finally:
        await stop_alerts(engine.alerts)


def webhook_settings(rx: Receiver, *sinks: Sink) -> Settings:
    """The default rules, sending to ``sinks`` (a webhook at /hook if none)."""
    return Settings(alerting=Alerting(
        DEFAULT_RULES, sinks or (Sink("hook", "webhook", url=rx.url("/hook")),)))


# -- 1. default rules not exercised elsewhere ----------------------------------------------


async def test_handle_hot_and_very_hot_fire_at_70_and_85_and_resolve(
        monkeypatch: pytest.MonkeyPatch) -> None:
    async with Receiver() as rx:
        with idle_clock(monkeypatch) as clock:
            sim = SimulatedCharger("na", scenario="idle", seed=5, clock=clock, name="Garage")
            clock.watch(sim)
            await sim.start()
            engine = engine_for([sim], clock, (Sink("hook", "webhook", url=rx.url("/hook")),),
                                IDLE_POLL)
            state = engine.states[f"127.0.0.1:{sim.port}"]

            def sent(rule: str, resolved: bool = False) -> bool:
                return any(n.rule == rule and n.resolved is resolved for n in engine.alerts.sent)

            def got(rule: str, resolved: bool = False) -> list[dict]:
                return [r.json for r in rx.received
                        if r.json["rule"] == rule and r.json["resolved"] is resolved]

            try:
                await engine.start()
                await wait_real(lambda: state.vitals is not None, what="the first vitals")
                base = state.vitals.handle_temp_c
                assert base is not None and base < 60  # an idle handle at ambient

                sim.faults = Faults(handle_heat_c=77.0 - base)  # between the two thresholds
                await drive(clock, lambda: sent("handle hot"), what="handle hot", real_s=30)
                await rx.wait_for(lambda: bool(got("handle hot")))
                hot = got("handle hot")[0]
                assert hot["severity"] == "warning" and hot["name"] == "Garage"
                assert hot["kind"] == "handle_temp" and hot["values"]["limit_c"] == 70.0
                assert 76.0 <= hot["values"]["handle_c"] <= 78.0
                assert re.fullmatch(r"Handle at 7[678]\.\d °C \(limit 70 °C\)", hot["text"])
                await clock.run_for(30)  # half a minute at 77 °C: not "very hot"
                assert not sent("handle very hot")

                sim.faults = Faults(handle_heat_c=90.0 - base)
                await drive(clock, lambda: sent("handle very hot"), what="handle very hot",
                            real_s=30)
                await rx.wait_for(lambda: bool(got("handle very hot")))
                very = got("handle very hot")[0]
                assert very["severity"] == "critical" and very["values"]["limit_c"] == 85.0
                assert 89.0 <= very["values"]["handle_c"] <= 91.0
                assert very["text"].endswith("(limit 85 °C)")

                sim.faults = Faults()  # back to ambient: both resolve, once each
                await drive(clock, lambda: sent("handle hot", True)
                            and sent("handle very hot", True), what="both resolved", real_s=30)
                await rx.wait_for(lambda: bool(got("handle hot", True))
                                  and bool(got("handle very hot", True)))
            finally:
                await engine.stop()
                await sim.stop()
    assert [(d["rule"], d["resolved"]) for d in (r.json for r in rx.received)] == [
        ("handle hot", False), ("handle very hot", False),
        ("handle hot", True), ("handle very hot", True)]
    for resolved in got("handle hot", True) + got("handle very hot", True):
        assert resolved["text"].startswith("Back to normal after ")


async def test_charging_stopped_with_an_alert_names_the_alert_by_number() -> None:
    async with Receiver() as rx, scripted(webhook_settings(rx), rx) as s:
        s.vitals(GARAGE, NOW)  # charging at 40 A
        s.vitals(GARAGE, NOW + 5)
        # The contactor opens with alert 27 raised and the car still plugged in.
        s.vitals(GARAGE, NOW + 10, contactor_closed=False, vehicle_current_a=0.0,
                 evse_state=9, current_alerts=[27])
        await rx.wait_for(lambda: bool(s.got("charging stopped")) and bool(
            s.got("charger alert")))
        s.vitals(GARAGE, NOW + 15, contactor_closed=False, vehicle_current_a=0.0,
                 evse_state=9, current_alerts=[])
        await rx.wait_for(lambda: bool(s.got("charger alert", resolved=True)))
    stopped = s.got("charging stopped")[0]
    assert stopped["text"] == "Charging stopped with alert 27, at 9.12 kWh"
    assert stopped["severity"] == "warning" and stopped["kind"] == "charging_stopped"
    raised = s.got("charger alert")[0]
    assert raised["values"] == {"code": "27"}
    assert raised["text"].startswith("Alert 27") and "handle" not in raised["text"].lower()
    assert s.got("charger alert", resolved=True)[0]["text"].startswith("Alert cleared: ")
    assert not s.got("charging finished")  # not a normal end


async def test_charging_stopped_with_a_new_not_ready_reason() -> None:
    async with Receiver() as rx, scripted(webhook_settings(rx), rx) as s:
        s.vitals(GARAGE, NOW)  # charging, not-ready reasons [1]
        s.vitals(GARAGE, NOW + 5, contactor_closed=False, vehicle_current_a=0.0,
                 evse_state=9, evse_not_ready_reasons=[1, 5])
        # A later, normal end: reasons unchanged is "charging finished", not "stopped".
        s.vitals(GARAGE, NOW + 60)
        s.vitals(GARAGE, NOW + 65, contactor_closed=False, vehicle_current_a=0.0,
                 evse_state=9, evse_not_ready_reasons=[1])
        await rx.wait_for(lambda: bool(s.got("charging finished")))
    assert [r.json["rule"] for r in rx.received] == ["charging stopped", "charging finished"]
    assert s.got("charging stopped")[0]["text"] == (
        "Charging stopped, not ready [5], at 9.12 kWh")


# -- 2. [[alerts]] validation --------------------------------------------------------------

SINK = '[[notify]]\nname = "phone"\ntype = "ntfy"\nurl = "http://127.0.0.1:9/twc"\n\n'


@pytest.mark.parametrize(("head", "line", "key", "message"), [
    (SINK, 'notify = ["pager"]', "notify", "no [[notify]] sink named 'pager' (known: phone)"),
    ("", 'notify = ["phone"]', "notify", "no [[notify]] sink named 'phone'"),
    (SINK, 'for = "soon"', "for", "not a duration: 'soon'"),
    (SINK, 'for = "-2m"', "for", "not a duration: '-2m'"),
    (SINK, "cooldown = 15", "cooldown", "expected a duration such as"),
    (SINK, 'severity = "urgent"', "severity",
     "must be one of info, warning, critical, not 'urgent'"),
])
def test_a_bad_alerts_key_is_one_line_naming_the_file_and_key_and_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], head: str, line: str, key: str,
        message: str) -> None:
    config = tmp_path / "alerts.toml"
    text = head + '[[alerts]]\nname = "reboot"\n' + line + "\n"
    config.write_text(text, encoding="utf-8")
    number = text.splitlines().index(line) + 1
    assert cli_main(["config", "check", "--config", str(config)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(f"twc-tui config check: {config}:{number}: alerts[1].{key}: ")
    assert message in err


# -- 3. routing: notify, chargers, enabled -------------------------------------------------


async def test_notify_narrows_sinks_chargers_narrows_chargers_enabled_false_stops() -> None:
    async with Receiver() as rx:
        settings = parse_settings(f"""
[[notify]]
name = "phone"
type = "webhook"
url = "{rx.url('/phone')}"
[[notify]]
name = "log"
type = "webhook"
url = "{rx.url('/log')}"

[[alerts]]
name = "handle hot"
notify = ["phone"]
chargers = ["Garage"]
[[alerts]]
name = "reboot"
enabled = false
""", Path("routing.toml"))
        async with scripted(settings, rx, (GARAGE, DRIVEWAY)) as s:
            for c in (GARAGE, DRIVEWAY):
                s.vitals(c, NOW, uptime_s=50_000)
                s.version(c, NOW, "26.18.0+g114f7602e40a09")
            for c in (GARAGE, DRIVEWAY):  # both handles hot, both chargers reboot
                s.vitals(c, NOW + 5, handle_temp_c=75.0, uptime_s=50_005)
                s.vitals(c, NOW + 10, handle_temp_c=75.0, uptime_s=3)
            # Afterwards, on every sink's queue: a firmware change on both chargers, which
            # nothing narrows. Once these have arrived, anything sent before them has too.
            for c in (GARAGE, DRIVEWAY):
                s.version(c, NOW + 20, "26.20.1+g0123456789abcd")
            await rx.wait_for(lambda: len(s.got("firmware changed")) == 4)
    # Each charger logged its reboot: the rule was off, not the event unseen.
    for c in (GARAGE, DRIVEWAY):
        assert any(e.kind == "reboot" for e in s.engine.states[c.id].log)
    seen = sorted((r.path, r.json["rule"], r.json["name"]) for r in rx.received)
    assert seen == sorted([
        ("/phone", "handle hot", "Garage"),
        ("/phone", "firmware changed", "Garage"), ("/phone", "firmware changed", "Driveway"),
        ("/log", "firmware changed", "Garage"), ("/log", "firmware changed", "Driveway"),
    ])


# -- 4. hostile charger text reaches the sinks sanitised ------------------------------------

HOSTILE_FW = "[b]26.20.1[/b]\x1b]0;pwned\x07\x1b[31m\x00\x9b2J"
"""Under the 40 characters the event log keeps of a version, so all of it is shown."""


async def test_a_hostile_firmware_version_reaches_webhook_and_ntfy_sanitised(
        monkeypatch: pytest.MonkeyPatch) -> None:
    async with Receiver() as rx:
        with idle_clock(monkeypatch) as clock:
            sim = SimulatedCharger("na", scenario="idle", seed=2, clock=clock, name="Garage")
            clock.watch(sim)
            await sim.start()
            sinks = (Sink("hook", "webhook", url=rx.url("/hook")),
                     Sink("phone", "ntfy", url=rx.url("/twc")))
            engine = engine_for([sim], clock, sinks, IDLE_POLL)
            state = engine.states[f"127.0.0.1:{sim.port}"]
            try:
                await engine.start()
                await wait_real(lambda: state.version is not None, what="the first version")
                sim.faults = Faults(firmware=HOSTILE_FW)  # the unit "updates" to this
                await drive(clock, lambda: any(n.rule == "firmware changed"
                                               for n in engine.alerts.sent),
                            what="the firmware change", real_s=30)
                await rx.wait_for(lambda: len(rx.received) == 2)
            finally:
                await engine.stop()
                await sim.stop()
    hook = next(r for r in rx.received if r.path == "/hook")
    phone = next(r for r in rx.received if r.path == "/twc")
    doc = hook.json
    assert doc["rule"] == "firmware changed"
    assert control_chars(doc) == []
    old = sim.payload("version")["firmware_version"]  # the profile's own version
    shown = "[b]26.20.1[/b]␛]0;pwned␇␛[31m␀\ufffd2J"
    assert doc["text"] == f"Firmware changed: {old} → {shown}"
    # ntfy: the same text is the body; nothing the charger sent reaches a header.
    assert phone.text == doc["text"] and control_chars(phone.text) == []
    assert phone.headers["Title"] == "Garage: firmware changed"


# -- 5. a sink that always fails: one line in the event log ----------------------------------


async def test_a_sink_that_always_fails_leaves_one_line_in_the_event_log() -> None:
    async with Receiver() as rx:
        rx.fail_next = 10_000
        hook = Sink("hook", "webhook", url=rx.url("/hook"), retries=2)
        settings = webhook_settings(rx, hook)
        # Retry pauses of 10 ms rather than 2 s and 4 s: the same retries, sooner.
        async with scripted(settings, rx, alerts=lambda e: AlertEngine(
                e, settings.alerting.rules, (hook,), backoff_s=0.01)) as s:
            state = s.engine.states[GARAGE.id]
            s.vitals(GARAGE, NOW, uptime_s=50_000)
            s.vitals(GARAGE, NOW + 5, uptime_s=2)  # a reboot: one notification
            await rx.wait_for(lambda: any("Could not notify" in e.text for e in state.log))
            await rx.wait_for(lambda: rx.attempts >= 3)
            failed = [e for e in state.log if e.text.startswith("Could not notify")]
            assert rx.attempts == 3 and not rx.received  # a first try and two retries
            assert [e.text for e in failed] == [
                f"Could not notify hook of 'reboot': HTTP 500 from {rx.url('/hook')} "
                "(3 attempts)"]
            assert failed[0].level == "warning"

            app = TwcApp([GARAGE], settings, live=False, clock=s.engine.clock,
                         engine=s.engine)
            async with app.run_test(size=(200, 50)) as pilot:
                await pilot.pause()
                text = screen_text(app)
                assert text.count("Could not notify") == 1
                assert "Could not notify hook of 'reboot'" in text
                assert "Charger rebooted" in text


async def test_record_prints_the_give_up_line_in_its_journal(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Headless, the journal on stdout is the event log a user reads; the line is kept in
    the history too (it once went only into the in-memory log)."""
    async with Receiver() as rx:
        rx.fail_next = 10_000
        hook = Sink("hook", "webhook", url=rx.url("/hook"), retries=0)
        settings = Settings(alerting=Alerting(DEFAULT_RULES, (hook,)))
        with idle_clock(monkeypatch) as clock:
            sim = SimulatedCharger("na", scenario="idle", seed=4, clock=clock, name="Garage")
            clock.watch(sim)
            await sim.start()
            out = io.StringIO()
            stop = asyncio.Event()
            charger = ChargerConfig("127.0.0.1", sim.port, "Garage")
            task = asyncio.create_task(record([charger], settings, tmp_path / "h.db",
                                              clock=clock, poll=IDLE_POLL, stop=stop, out=out))
            try:
                await wait_real(lambda: len(sim.log) >= 3, what="the first polls")
                await clock.run_for(10)
                sim.reboot()
                await drive(clock, lambda: "rebooted" in out.getvalue(), what="the reboot",
                            real_s=30)
                await rx.wait_for(lambda: rx.attempts >= 1)
                await clock.run_for(10)  # and a few more polls
                await asyncio.sleep(0.2)
                stop.set()
                assert await finish(clock, task) == 0
            finally:
                stop.set()
                await sim.stop()
    assert rx.attempts == 1
    assert "Garage: Could not notify hook of 'reboot'" in out.getvalue(), out.getvalue()
    with sqlite3.connect(tmp_path / "h.db") as db:
        texts = [row[0] for row in db.execute("SELECT text FROM events")]
    assert any(t.startswith("Could not notify hook of 'reboot'") for t in texts), texts


# -- 6. the Sessions screen on a two-zone tariff -------------------------------------------

TWO_ZONES = """
[history]
price_per_kwh = 0.10
[[tariffs]]
days = "Mo-Fr"
hours = "7-23"
price = 0.30
currency = "€"
[[tariffs]]
days = "Mo-Fr"
hours = "17-20"
price = 0.45
currency = "€"
"""


async def test_the_sessions_screen_costs_a_session_across_a_price_boundary(
        tmp_path: Path) -> None:
    def local(text: str) -> float:
        return datetime.fromisoformat(text).timestamp()

    # Wednesday 16:30 to 17:30: half an hour at 3.6 kW in the day zone, then half an hour at
    # 7.2 kW in the later, overlapping peak zone.
    start, boundary, end = (local(f"2026-11-18T{t}") for t in ("16:30", "17:00", "17:30"))
    db = tmp_path / "h.db"
    store = Store.open(db)
    samples = [Sample("127.0.0.1:80", t, 10, {"power_w": (p - 10, p, p + 10)})
               for t in range(int(start), int(end), 10)
               for p in ((3600.0 if t < boundary else 7200.0),)]
    store.write_batch(samples, sessions=[Session(
        "127.0.0.1:80", started=start, ended=end, last_seen=end, energy_wh=5400.0,
        charging_s=3600.0, peak_power_w=7210.0, saw_end=True)])
    store.close()
    # By hand: 1.8 kWh at 0.30 and 3.6 kWh at 0.45.
    by_hand = 1.8 * 0.30 + 3.6 * 0.45
    assert f"€{by_hand:.2f}" == "€2.16"

    settings = parse_settings(TWO_ZONES, tmp_path / "c.toml")
    store = Store.open(db)
    screen = SessionsScreen(store, settings, {"127.0.0.1:80": "Garage"},
                            now=lambda: local("2026-11-18T20:00"))

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(screen)

    try:
        async with Host().run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()  # sessions are read in a thread
            await pilot.pause()
            table = screen.query_one("#sessions-table", DataTable)
            assert table.row_count == 1
            text = screen_text(pilot.app)
            assert "2026-11-18 16:30" in text and "Garage" in text and "5.40" in text
            row = [str(c) for c in table.get_row_at(0)]
            assert row[7] == "€2.16"
            summary = str(screen.query_one("#sessions-summary").render())
            assert "1 session, 5.4 kWh, €2.16" in summary
            assert text.count("€2.16") >= 3  # the row, the summary and the day's total
    finally:
        store.close()


# -- 7. the Detail screen's derate forecast, before the simulated derate -------------------


async def test_the_detail_screen_says_derate_in_about_n_min_before_the_derate(
        monkeypatch: pytest.MonkeyPatch) -> None:
    script = SCRIPTS["charging"]
    evening = script.sessions[-1]
    assert evening.derate_after_s is not None
    derate_at = evening.charge_start + evening.derate_after_s  # script time of alert 40
    poll = PollSettings(vitals_active_s=5, vitals_idle_s=5, wifi_s=3600, lifetime_s=3600,
                        version_s=86400)
    with idle_clock(monkeypatch) as clock:
        sim = SimulatedCharger("na", scenario="charging", seed=9, clock=clock, name="Garage")
        clock.watch(sim)
        await sim.start()
        engine = engine_for([sim], clock, (), poll)
        state = engine.states[f"127.0.0.1:{sim.port}"]
        try:
            await engine.start()
            await wait_real(lambda: state.vitals is not None, what="the first vitals")
            await drive(clock, lambda: sim.script_time() >= derate_at - 600, 5.0,
                        what="ten minutes before the derate", real_s=30)
            assert state.vitals is not None and 40 not in (state.vitals.current_alerts or [])
            assert state.vitals.charging
            shown_at = sim.script_time()

            app = TwcApp(engine.chargers, engine.settings, live=False, clock=clock,
                         engine=engine)
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause()
                assert isinstance(app.screen, DetailScreen)
                text = screen_text(app)
            match = re.search(r"derate in about (\d+) min", text)
            assert match, text
            minutes = int(match.group(1))

            # Then the simulated derate itself: alert 40, within 3 minutes of that forecast.
            await drive(clock, lambda: 40 in (state.vitals.current_alerts or []), 5.0,
                        what="the derate", real_s=30)
            raised_at = sim.script_time()
        finally:
            await engine.stop()
            await sim.stop()
    assert abs(raised_at - derate_at) <= poll.vitals_active_s + 5
    assert 7 <= minutes <= 13
    assert abs((shown_at + minutes * 60) - derate_at) <= 180


# -- 8. discover under the C locale --------------------------------------------------------


def test_discover_under_lc_all_c_prints_pure_ascii(tmp_path: Path) -> None:
    def discover(host: str, **env: str) -> subprocess.CompletedProcess[str]:
        address, port = host.rsplit(":", 1)
        return subprocess.run(
            [sys.executable, "-m", "twc_tui", "discover", address, "--port", port],
            capture_output=True, text=True, encoding="utf-8", errors="replace",
            env=base_env(tmp_path, **env), cwd=ROOT, timeout=60)

    # A hostile unit: escapes, markup and 10 000-character strings in /version.
    with simulator("--scenario", "idle", "--faults", "hostile",
                   env=base_env(tmp_path)) as host:
        started = time.monotonic()
        done = discover(host, LANG="C", LC_ALL="C")
        assert time.monotonic() - started < 60
        utf8 = discover(host)
    assert done.returncode == 0, done.stderr
    assert done.stdout.isascii(), [c for c in done.stdout if not c.isascii()][:5]
    assert done.stderr.isascii()
    assert "1 Wall Connector found" in done.stdout and "~" in done.stdout  # cut, in ASCII
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    settings = parse_settings(done.stdout, Path("stdout"))  # still pastes into the config
    assert [c.host for c in settings.chargers] == ["127.0.0.1"]
    # The same scan in a UTF-8 locale does use non-ASCII (the ellipsis): the check can fail.
    assert utf8.returncode == 0 and not utf8.stdout.isascii()


def test_an_alert_code_clears_on_its_own_charger_only() -> None:
    """Cleared codes are found per charger (they were found by scanning every charger's
    tracks): a code leaving one charger's list resolves there, never on another charger that
    still lists it, and a charger whose list did not change hears nothing."""
    from twc_tui.engine.alert_rules import Observation, RuleBook

    book = RuleBook([r for r in DEFAULT_RULES if r.kind == "alert"])

    def step(charger: str, at: float, codes: dict[str, str]) -> list[str]:
        sent = book.step(charger, charger.title(), Observation(at=at, offline=False,
                                                               alerts=codes))
        return [f"{n.name}: {'resolved ' if n.resolved else ''}{n.text}" for n in sent]

    both = {"40": "Thermal derate", "53": "Relay check"}
    assert step("garage", 0.0, both) == ["Garage: Alert 40: Thermal derate",
                                         "Garage: Alert 53: Relay check"]
    assert step("drive", 0.0, both) == ["Drive: Alert 40: Thermal derate",
                                        "Drive: Alert 53: Relay check"]
    assert step("garage", 60.0, {"53": "Relay check"}) == [
        "Garage: resolved Alert cleared: Thermal derate after 1m 00s"]
    assert step("drive", 60.0, both) == []
    assert step("drive", 120.0, {}) == [  # in the order the charger listed them
        "Drive: resolved Alert cleared: Thermal derate after 2m 00s",
        "Drive: resolved Alert cleared: Relay check after 2m 00s"]
    assert step("garage", 120.0, {"53": "Relay check"}) == []
