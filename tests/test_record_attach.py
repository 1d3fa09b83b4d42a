"""`record` and a monitor on one machine poll each charger once: `record` is the hub on a free
loopback port, and the monitor and `status` started beside it attach to it by themselves.

The red-team found 81 of 82 vitals gaps under a second with the old `record` and a monitor
side by side; here the simulator's own log shows one poller's cadence.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import time
from pathlib import Path

from tests.pty_harness import ROOT, base_env, pty_app
from twc_tui.sim.charger import SimulatedCharger

CONTACT = ("/api/1/vitals", "/api/1/lifetime", "/api/1/wifi_status", "/api/1/version")


def watch_monitor(host: str, env: dict[str, str]) -> str:
    """A plain `twc-tui HOST` on a pty for a few seconds; what it drew."""
    with pty_app([host], env, cols=100, rows=30) as app:
        assert app.wait_output("via hub", 20), app.text()[-2000:]
        time.sleep(4.0)
        text = app.text()
        app.write(b"q")
        assert app.wait_exit(10)
    return text


async def test_record_and_a_monitor_poll_each_charger_once(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    async with SimulatedCharger("na", scenario="charging", speed=1.0) as sim:
        host = f"127.0.0.1:{sim.port}"
        record = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "twc_tui", "record", "--db", str(tmp_path / "h.db"),
            f"{host}=Garage", cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE)
        assert record.stdout is not None
        try:
            lines: list[str] = []
            while not any("hub at http://127.0.0.1:" in line for line in lines):
                line = (await asyncio.wait_for(record.stdout.readline(), 15)).decode()
                assert line, "record ended before serving"
                lines.append(line)
            monitor = asyncio.create_task(asyncio.to_thread(watch_monitor, host, env))
            reports = []
            for _ in range(3):
                status = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "twc_tui", "status", host, cwd=ROOT, env=env,
                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
                out, _ = await asyncio.wait_for(status.communicate(), 20)
                reports.append(out.decode())
                await asyncio.sleep(0.5)
            screen = await monitor
        finally:
            record.terminate()
            await asyncio.wait_for(record.communicate(), 15)
        log = list(sim.log)
    assert "Garage" in screen and "via hub" in screen
    assert all(r.startswith("via hub") or "via hub" in r.splitlines()[0] for r in reports)
    assert {r.method for r in log} == {"GET"} and {r.path for r in log} <= set(CONTACT)
    assert sim.max_in_flight == 1
    vitals = [r for r in log if r.path == "/api/1/vitals"]
    assert len(vitals) >= 5
    # One poller: each request starts at least a second after the previous one was answered
    # (the floor counts from the answer), less a scheduling slip of a few milliseconds.
    gaps = [b.started - a.ended for a, b in itertools.pairwise(vitals)]
    assert min(gaps) >= 0.95, gaps
    assert os.environ.get("XDG_RUNTIME_DIR")  # conftest keeps hub files private to the test
