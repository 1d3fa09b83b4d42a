"""Issue #11's red-team findings, each tried again with a variant of its payload.

Hostile chargers are tiny raw asyncio servers on 127.0.0.1 that answer every request with
fixed bytes, so nothing between the socket and the assertion is ours except the code tested.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from tests.pty_harness import ROOT, base_env, pty_app, simulator
from twc_tui.commands import export as export_cmd
from twc_tui.commands import sessions as sessions_cmd
from twc_tui.commands import status as status_cmd
from twc_tui.commands.monitor import exit_status
from twc_tui.core import models, units
from twc_tui.core.client import ChargerClient, DecodeError, Timeouts, make_http_client
from twc_tui.core.config import ConfigError, Settings, parse_settings
from twc_tui.core.targets import ChargerConfig
from twc_tui.core.text import csv_cell, safe_text
from twc_tui.engine.charger_state import ChargerState, LogEntry
from twc_tui.engine.poller import PollFailure, PollSuccess
from twc_tui.engine.session_tracker import Session, SessionTracker
from twc_tui.engine.store import Sample, Store, StoreError

FAST = Timeouts(connect=1.0, read=3.0)
VITALS = {"contactor_closed": True, "vehicle_connected": True, "session_s": 600,
          "grid_v": 240.0, "grid_hz": 60.0, "vehicle_current_a": 32.0, "evse_state": 11,
          "session_energy_wh": 1000.0, "uptime_s": 5000, "current_alerts": [],
          "handle_temp_c": 30.0, "pcba_temp_c": 40.0, "mcu_temp_c": 41.0}


def http_answer(body: bytes, *, status: str = "200 OK", headers: str = "") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n{headers}\r\n").encode() + body


class RawCharger:
    """Answers each request with ``answer(path)``: bytes, or an async callable that writes
    to the stream itself (for endless streams). Records request heads and bytes sent."""

    def __init__(self, answer: Callable[[str], object]) -> None:
        self.answer = answer
        self.requests: list[bytes] = []
        self.sent = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.requests.append(head)
                path = head.split(b" ", 2)[1].decode()
                answer = self.answer(path)
                if callable(answer):
                    await answer(self, writer)
                    return
                writer.write(answer)  # type: ignore[arg-type]
                self.sent += len(answer)  # type: ignore[arg-type]
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def __aenter__(self) -> RawCharger:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()


def by_endpoint(vitals: bytes, others: bytes | None = None) -> Callable[[str], bytes]:
    rest = others if others is not None else http_answer(b"{}")
    return lambda path: vitals if path.endswith("/vitals") else rest


@contextlib.contextmanager
def raw_charger_thread(answer: Callable[[str], object]) -> Iterator[int]:
    """A RawCharger on its own loop in a thread, for subprocess and app tests."""
    ready, box = threading.Event(), {}
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def main() -> None:
        charger = RawCharger(answer)
        await charger.__aenter__()
        box["port"] = charger.port
        ready.set()
        await stop.wait()
        await charger.__aexit__()

    thread = threading.Thread(target=lambda: loop.run_until_complete(main()), daemon=True)
    thread.start()
    ready.wait(5)
    try:
        yield box["port"]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(5)


@pytest.fixture
async def http() -> AsyncIterator[object]:
    client = make_http_client(FAST)
    yield client
    await client.aclose()


async def max_loop_stall(work: Callable[[], object]) -> tuple[object, float]:
    """Run ``work()`` (a coroutine factory) while a ticker measures the longest the event
    loop went without running it."""
    worst = 0.0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal worst
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            worst, last = max(worst, now - last), now

    task = asyncio.create_task(ticker())
    try:
        result: object = await work()  # type: ignore[misc]
    except Exception as error:  # the failure is the result to look at
        result = error
    done.set()
    await task
    return result, worst


# -- 1: a reply that is slow to repair ------------------------------------------------------


@pytest.mark.parametrize("body", [
    '{"evse_state": 11, "serial":"' + '\\"' * 120_000,           # unclosed, escaped quotes
    '{"a": nan, "b":"' + '\\\\\\"' * 60_000,                     # with a bare nan to repair
    '[' + '"\\"",' * 40_000,                                     # many closed strings
])
async def test_a_reply_that_is_hard_to_repair_never_stalls_the_loop(http, body: str) -> None:
    async with RawCharger(by_endpoint(http_answer(body.encode()))) as evil:
        client = ChargerClient(http, "127.0.0.1", evil.port, FAST)  # type: ignore[arg-type]
        result, stall = await max_loop_stall(lambda: client.fetch("vitals"))
    assert isinstance(result, DecodeError), result
    assert "invalid JSON" in str(result)
    # The quadratic repair held the loop for minutes on 240 KB; a linear one for milliseconds.
    assert stall < 0.5, f"the event loop stalled for {stall:.2f} s"


async def test_the_monitor_stays_responsive_beside_a_freezing_charger() -> None:
    from twc_tui.sim.charger import SimulatedCharger
    from twc_tui.tui.app import TwcApp

    body = ('{"vehicle_connected": true, "x":"' + '\\"' * 120_000).encode()
    good = SimulatedCharger("na", scenario="charging", name="good")
    await good.start()
    try:
        async with RawCharger(by_endpoint(http_answer(body))) as evil:
            app = TwcApp([ChargerConfig("127.0.0.1", good.port, name="Good"),
                          ChargerConfig("127.0.0.1", evil.port, name="Evil")],
                         Settings(history=False))
            async with app.run_test(size=(120, 40)) as pilot:
                states = {s.name: s for s in app.states.values()}
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline and (
                        len(evil.requests) < 2 or states["Good"].vitals is None):
                    await pilot.pause(0.1)
                seen = states["Good"].updated.get("vitals")
                await pilot.pause(2.5)
                assert states["Good"].updated.get("vitals", 0) > (seen or 0)  # still updating
                assert "invalid JSON" in (states["Evil"].last_error or "")
                started = time.monotonic()
                await pilot.press("q")
                await pilot.pause(0.2)
                assert time.monotonic() - started < 2.0
            assert not app.is_running
    finally:
        await good.stop()


# -- 10, 11: an endless stream of interim answers; a gzip bomb -----------------------------


async def test_an_endless_stream_of_interim_answers_is_cut_off(http) -> None:
    async def flood(charger: RawCharger, writer: asyncio.StreamWriter) -> None:
        line = b"HTTP/1.1 102 Processing\r\n\r\n"  # a variant of 100 Continue
        with contextlib.suppress(ConnectionError):
            while True:
                writer.write(line * 256)
                charger.sent += len(line) * 256
                await writer.drain()

    async with RawCharger(lambda path: flood) as evil:
        client = ChargerClient(http, "127.0.0.1", evil.port, FAST)  # type: ignore[arg-type]
        with pytest.raises(DecodeError, match="256 KiB cap"):
            await client.fetch("vitals")
        await asyncio.sleep(0.1)
    # What it read before giving up: the budget plus what the kernel buffered, not minutes.
    assert evil.sent < 8 * 1024 * 1024


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
async def test_a_compressed_answer_is_refused_unread(http, encoding: str) -> None:
    bomb = gzip.compress(b"{" + b" " * 50_000_000 + b"}")  # 50 MB of JSON in ~50 KB
    answer = http_answer(bomb, headers=f"Content-Encoding: {encoding}\r\n")
    async with RawCharger(by_endpoint(answer)) as evil:
        client = ChargerClient(http, "127.0.0.1", evil.port, FAST)  # type: ignore[arg-type]
        with pytest.raises(DecodeError, match="compressed"):
            await client.fetch("vitals")
    head = evil.requests[0].lower()
    assert b"accept-encoding: identity" in head


# -- 2, 13: absurd numbers -------------------------------------------------------------------


def test_absurd_integers_read_as_missing_and_the_views_show_a_dash() -> None:
    from twc_tui.tui.panel_rows import lifetime_rows

    life = models.Lifetime.from_json({"connector_cycles": int("7" + "0" * 500),
                                      "energy_wh": 5e6, "charge_starts": -(10**40)})
    assert life.connector_cycles is None and life.kwh_per_plugin is None
    assert any("out of range" in n for n in life.notes)
    state = ChargerState("x", "x")
    state.lifetime = life
    text = " ".join(str(getattr(r, "plain", r)) for row in lifetime_rows(state)
                    for r in (row if isinstance(row, tuple) else (row,)))
    assert "—" in text
    v = models.Vitals.from_json({**VITALS, "session_s": int("9" * 400), "uptime_s": 10**13})
    assert v.session_s is None and v.uptime_s is None
    assert units.duration(10**11) == ">9999d"


def test_a_crash_is_a_non_zero_exit() -> None:
    assert exit_status(None, 1) == 1  # what Textual records after an unhandled exception
    assert exit_status(None, None) == 0
    assert exit_status(143, 0) == 143
    assert exit_status(True, 0) == 0


# -- 3: one absurd reading must not stop history ---------------------------------------------


def test_a_huge_reading_is_stored_as_null_and_writing_goes_on(tmp_path: Path) -> None:
    from twc_tui.engine.recorder import Recorder

    store = Store.open(tmp_path / "h.db")
    rec = Recorder(store, flush_every_s=0.0, wall=lambda: 1000.0)
    hostile = models.Vitals.from_json({**VITALS, "grid_v": 9e307, "vehicle_current_a": 3e300})
    # And a bucket that reached the store with such values anyway (another writer, a
    # future field): the scaled value is what must fit, and the rest of the batch goes in.
    store.write_batch([Sample("c:80", 0, 1, {"grid_v": (1e308, 1e308, 1e308),
                                              "grid_hz": (60.0, 60.0, 60.0)})])
    for i in range(25):
        rec.feed(PollSuccess("c:80", "vitals", hostile, 1000.0 + i, 0.01),
                 [LogEntry(1000.0 + i, "c:80", "state", f"event {i}")] if i % 10 == 0 else [])
    rec.close()
    assert rec.last_error is None
    with sqlite3.connect(tmp_path / "h.db") as db:
        assert db.execute("SELECT count(*) FROM samples").fetchone()[0] >= 3
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 3
        assert db.execute("SELECT v_max, f_max FROM samples WHERE t = 0").fetchone() == (
            None, 6000)


# -- 4: status prints JSON whatever the charger sent ------------------------------------------


def test_status_json_survives_deep_nesting_and_5000_digit_alerts() -> None:
    deep = "[" * 700 + "]" * 700
    body = ('{"evse_state": 11, "vehicle_connected": true, "grid_v": 240, '
            f'"vehicle_current_a": 10, "future": {{"x": {deep}}}, '
            f'"current_alerts": ["{"4" * 5000}", 40, {"1" * 4000}]}}').encode()
    with raw_charger_thread(by_endpoint(http_answer(body))) as port:
        out = io.StringIO()
        code = status_cmd.run_report([ChargerConfig("127.0.0.1", port)], Settings(),
                                     json_out=True, file=out)
    doc = json.loads(out.getvalue())
    charger = doc["chargers"][0]
    assert charger["reachable"] is True
    assert code == doc["exit_code"] == 1  # alerts present: needs a look
    assert [a["code"] for a in charger["alerts"]][1] == 40
    assert len(str(charger["alerts"][0]["code"])) <= 64
    assert "…" in json.dumps(charger["extra"], ensure_ascii=False)


# -- 6: a missing field is unknown, not false -------------------------------------------------


@pytest.mark.parametrize("gap", [{}, {"evse_state": 11}, {"vehicle_connected": None}])
def test_a_reply_without_vehicle_connected_splits_nothing(gap: dict) -> None:
    state = ChargerState("c:80", "c")
    tracker = SessionTracker("c:80")
    closed: list[Session] = []
    for i in range(12):
        raw = gap if i == 6 else {**VITALS, "session_s": 600 + 5 * i,
                                  "session_energy_wh": 1000.0 + 10 * i}
        v = models.Vitals.from_json(raw)
        state.apply(PollSuccess("c:80", "vitals", v, 5000.0 + 5 * i, 0.01))
        closed += tracker.observe(5000.0 + 5 * i, v, v.power_w())
    kinds = [e.kind for e in state.log]
    assert "unplug" not in kinds and "plug" not in kinds and "charge_stop" not in kinds
    assert closed == [] and tracker.current is not None
    assert tracker.current.energy_wh == pytest.approx(1110.0)


# -- 20: back online counts from the last good answer -----------------------------------------


def test_back_online_counts_from_the_last_good_answer() -> None:
    from twc_tui.core.client import ReadTimeout

    state = ChargerState("c:80", "c")
    v = models.Vitals.from_json(VITALS)
    state.apply(PollSuccess("c:80", "vitals", v, 100.0, 0.01))
    for n, at in enumerate((120.0, 141.0, 164.0), start=1):  # 20 s timeouts, offline at 164
        state.apply(PollFailure("c:80", "vitals", ReadTimeout("slow"), at, n, n >= 3, 1.0))
    state.apply(PollSuccess("c:80", "vitals", v, 165.0, 0.01))
    back = [e.text for e in state.log if e.kind == "online"]
    assert back == ["Back online after 1m 05s offline"]


# -- 9: charging time across restarts ---------------------------------------------------------


def test_charging_time_adds_up_over_three_processes(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    t = 10_000.0
    for _run in range(3):
        store = Store.open(path)  # a new process each time: its own tracker and store
        tracker = SessionTracker("c:80")
        for _ in range(26):  # 25 intervals of 2 s charging per run
            v = models.Vitals.from_json({**VITALS, "session_s": int(t - 10_000.0 + 600)})
            tracker.observe(t, v, v.power_w())
            t += 2.0
            if tracker.current is not None and int(t) % 10 == 0:
                ids = store.write_batch(sessions=[tracker.current])
                tracker.current.id = ids.get(id(tracker.current), tracker.current.id)
        store.write_batch(sessions=[tracker.current])
        store.close()
        t += 4.0  # the restart
    rows = Store.open(path).sessions()
    assert len(rows) == 1
    assert rows[0].charging_s == pytest.approx(150.0, abs=4.0)


def test_two_processes_watching_at_once_still_count_once(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    a, b = Store.open(path), Store.open(path)
    ta, tb = SessionTracker("c:80"), SessionTracker("c:80")
    for i in range(30):
        v = models.Vitals.from_json({**VITALS, "session_s": 600 + 2 * i})
        for store, tracker in ((a, ta), (b, tb)):
            tracker.observe(20_000.0 + 2 * i, v, v.power_w())
            ids = store.write_batch(sessions=[tracker.current])
            tracker.current.id = ids.get(id(tracker.current), tracker.current.id)
    (row,) = Store.open(path).sessions()
    assert row.charging_s == pytest.approx(58.0, abs=2.1)


# -- 15: a full disk --------------------------------------------------------------------------


def test_a_full_disk_says_so_and_the_data_waits(tmp_path: Path) -> None:
    from twc_tui.engine.recorder import Recorder

    store = Store.open(tmp_path / "h.db")
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages}")
    samples = [Sample(f"c{i}:80", t, 1, {"grid_v": (240.0, 240.0, 240.0)})
               for i in range(40) for t in range(0, 2000, 10)]
    with pytest.raises(StoreError, match="disk is full") as caught:
        store.write_batch(samples)
    assert "rollback" not in str(caught.value)
    rec = Recorder(store, flush_every_s=0.0, wall=lambda: 0.0)
    v = models.Vitals.from_json(VITALS)
    for i in range(40):
        rec.feed(PollSuccess("c:80", "vitals", v, 100.0 + 10 * i, 0.01),
                 [LogEntry(100.0 + 10 * i, "c:80", "state", "x" * 2000)])
    rec.flush()
    assert "disk is full" in (rec.last_error or "")
    store.conn.execute("PRAGMA max_page_count = 1000000")
    rec._hold_until = 0.0  # the retry's backoff is the recorder's business, not this test's
    rec.flush(final=True)
    assert rec.last_error is None and store.count("events") == 40


# -- 14: a read-only database in a read-only directory ----------------------------------------


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_sessions_and_export_read_a_read_only_database(tmp_path: Path) -> None:
    import shutil
    import tempfile

    # Under /tmp itself: pytest's own directories are private to their owner.
    top = Path(tempfile.mkdtemp(prefix="twc-ro-"))
    top.chmod(0o755)
    shelf = top / "ro"
    shelf.mkdir()
    store = Store.open(shelf / "h.db")
    store.write_batch(events=[LogEntry(1000.0, "c:80", "plug", "Vehicle plugged in")],
                      sessions=[Session("c:80", 900.0, ended=1900.0, last_seen=1900.0,
                                        energy_wh=5000.0, saw_end=True)])
    store.close()
    assert not (shelf / "h.db-wal").exists()
    for p in (shelf / "h.db", shelf):
        p.chmod(0o555 if p.is_dir() else 0o444)
    env = base_env(top)
    prefix: list[str] = []
    if os.geteuid() == 0:  # root reads and writes anything: be somebody else
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        env["XDG_STATE_HOME"] = env["XDG_CONFIG_HOME"] = str(top / "nowhere")
        probe = subprocess.run([*prefix, sys.executable, "-c", "import twc_tui"],
                               capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
        if probe.returncode != 0:  # a checkout under a private directory (mktemp -d: 0700)
            shutil.rmtree(top, ignore_errors=True)
            pytest.skip("nobody (uid 65534) cannot read this checkout to run twc-tui: "
                        + probe.stderr.strip()[-120:])
    try:
        for args, needle in ((["sessions", "--csv"], "c:80"),
                             (["export", "events", "--csv"], "Vehicle plugged in")):
            done = subprocess.run([*prefix, sys.executable, "-m", "twc_tui", *args, "--db",
                                   str(shelf / "h.db")], capture_output=True, text=True,
                                  env=env, cwd=ROOT, timeout=60)
            assert done.returncode == 0, done.stderr
            assert needle in done.stdout
    finally:
        shelf.chmod(0o755)
        (shelf / "h.db").chmod(0o644)
        shutil.rmtree(top, ignore_errors=True)


# -- 16, 21: CSV output ---------------------------------------------------------------------


def test_csv_cells_that_look_like_formulas_are_neutralised(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    store = Store.open(db)
    evil = ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
            "\tTAB"]
    store.write_batch(events=[LogEntry(1000.0 + i, name, "plug", f"={name}")
                              for i, name in enumerate(evil)],
                      sessions=[Session(name, 900.0 + i, last_seen=1000.0)
                                for i, name in enumerate(evil)])
    store.close()
    for main, args in ((sessions_cmd.main, ["--csv"]), (export_cmd.main, ["events", "--csv"])):
        out = io.StringIO()
        assert main([*args, "--db", str(db)], out=out) == 0
        cells = [c for line in out.getvalue().splitlines()[1:] for c in line.split(",")]
        assert not [c for c in cells if c.lstrip('"').startswith(("=", "+", "-", "@", "\t"))]
        assert any(c.lstrip('"').startswith("'=") for c in cells)
    assert csv_cell(-3.5) == -3.5 and csv_cell("Garage") == "Garage"


@pytest.mark.parametrize("make", [
    lambda p: p.write_bytes(b"not a database at all"),
    lambda p: p.mkdir(),
    lambda p: None,  # missing, named with --db
])
def test_export_prints_nothing_to_stdout_when_the_database_fails(tmp_path: Path,
                                                                 make, capsys) -> None:
    db = tmp_path / "x.db"
    make(db)
    out = io.StringIO()
    assert export_cmd.main(["samples", "--csv", "--db", str(db)], out=out) == 2
    assert out.getvalue() == ""
    assert "twc-tui export:" in capsys.readouterr().err


# -- 17: config and flags ---------------------------------------------------------------------


@pytest.mark.parametrize(("text", "needle"), [
    ("[display]\ntheme = " + "[" * 3000 + "]" * 3000 + "\n", "nested too deeply"),
    ('[[chargers]]\nhost = "10.0.0.2"\nport = "8080"\n', "chargers[1].port: expected an integer"),
])
def test_config_gaps_are_one_line(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle.replace("[", r"\[")):
        parse_settings(text, tmp_path / "c.toml")


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "twc_tui", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=60)


def test_config_check_and_flags_refuse_what_cannot_work(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    conf = tmp_path / "c.toml"
    conf.write_text('[display]\ntheme = "solarised-drak"\n')
    done = run_cli("config", "check", "--config", str(conf), env=env)
    assert done.returncode == 2 and "unknown theme 'solarised-drak'" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    for flag in (["--interval", "inf"], ["--idle-interval", "nan"], ["--timeout", "-inf"]):
        done = run_cli(*flag, "127.0.0.1", env=env)
        assert done.returncode == 2, flag
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


# -- 18: one ASCII decision -------------------------------------------------------------------


def test_under_lang_c_status_and_the_charts_print_ascii(tmp_path: Path) -> None:
    env = base_env(tmp_path, LANG="C", LC_ALL="C")
    with simulator("--scenario", "charging") as host:
        done = run_cli("status", host, env=env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.isascii(), [c for c in done.stdout if not c.isascii()][:5]
        assert "+--" in done.stdout  # ASCII borders, not dropped ones
        with pty_app(["--no-history", host], env) as app:
            assert app.wait_output("kW", 15)
            assert app.wait_output("*", 10)
            time.sleep(1.5)
            assert "•" not in app.text()
    from twc_tui.core.charset import ascii_output

    assert ascii_output(io.TextIOWrapper(io.BytesIO(), encoding="latin-1"))
    assert ascii_output(forced=True)


# -- 19: invisible characters -----------------------------------------------------------------


@pytest.mark.parametrize(("sent", "shown"), [
    ("SN\u00ad123", "SN123"), ("\u115fWiFi\u3164", "WiFi"), ("a\u180eb", "ab"),
    ("Tag\U000e0054\U000e0041\U000e007f", "Tag"), ("x\ufe0e\ufe0fy", "xy"),
    ("\u206a\u206f1\ufff0", "1"), ("Z" + "\u0336" * 200, "Z" + "\u0336" * 3),
    ("Tiếng Việt", "Tiếng Việt"),
])
def test_invisible_characters_do_not_reach_the_screen(sent: str, shown: str) -> None:
    assert safe_text(sent, 1000) == shown


# -- 7: SIGTERM restores the terminal ---------------------------------------------------------


def test_sigterm_leaves_the_terminal_as_it_found_it(tmp_path: Path) -> None:
    with simulator("--scenario", "charging") as host, \
            pty_app(["--no-history", host], base_env(tmp_path)) as app:
        assert app.wait_output("kW", 15)
        mark = app.mark()
        app.kill(signal.SIGTERM)
        assert app.wait_exit(6.0)
        tail = app.text(mark)
        assert "\x1b[?1049l" in tail  # left the alternate screen
        assert "\x1b[?1000l" in tail  # mouse reporting off
        assert "Traceback" not in app.text()
        assert app.returncode == 143


# -- 12: after SIGTSTP and fg, everything is drawn again --------------------------------------


def test_after_sigcont_the_whole_screen_is_drawn_again(tmp_path: Path) -> None:
    with simulator("--scenario", "charging") as host, \
            pty_app(["--no-history", host], base_env(tmp_path)) as app:
        assert app.wait_output("Vitals", 15)
        app.wait_quiet()
        app.kill(signal.SIGTSTP)
        time.sleep(0.5)
        mark = app.mark()
        app.kill(signal.SIGCONT)
        # Labels and headings that do not change between polls come back without a key.
        assert app.wait_output("Vitals", 5, since=mark), app.text(mark)[-500:]
        assert app.wait_output("Temperatures", 5, since=mark)
