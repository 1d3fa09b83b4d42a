"""Simulated chargers in a process of their own, so their CPU is measured apart from both the
program under test and the bench.

Parent side: ``FarmProcess(specs)`` starts ``python bench/farm.py`` (one ``SimulatorFarm``,
one loopback port per charger), ``.targets()``, ``.records()`` (every request each charger
saw, with ``time.monotonic()`` stamps: CLOCK_MONOTONIC is one clock for every process of the
machine, so the bench compares them with its own windows), ``.pid`` for its CPU, ``.stop()``.

Child side (``__main__``): reads the specs as JSON on argv, prints the ports as one JSON line,
then answers ``dump PATH`` lines on stdin by writing the request logs to PATH; EOF stops it.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Spec:
    name: str
    profile: str = "na"
    scenario: str = "charging"
    start_at_s: float = 0.0
    seed: int = 0
    speed: float = 1.0


@dataclass(frozen=True)
class Record:
    path: str
    method: str
    status: int
    started: float
    ended: float


class FarmProcess:
    def __init__(self, specs: list[Spec]) -> None:
        self.specs = specs
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()),
             json.dumps([asdict(s) for s in specs])],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the simulator farm did not start")
        self.ports: list[int] = json.loads(line)["ports"]
        self.max_in_flight: dict[str, int] = {}
        """Per charger, the most requests it ever had in flight at once (at the last dump)."""

    @property
    def pid(self) -> int:
        return self.proc.pid

    def targets(self) -> list[str]:
        return [f"127.0.0.1:{p}={s.name}" for p, s in zip(self.ports, self.specs, strict=True)]

    def records(self) -> dict[str, list[Record]]:
        """Every request each charger saw so far, by charger name."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        with tempfile.NamedTemporaryFile(prefix="twc-farm-", suffix=".json") as f:
            self.proc.stdin.write(f"dump {f.name}\n")
            self.proc.stdin.flush()
            if self.proc.stdout.readline().strip() != "ok":
                raise RuntimeError("the simulator farm did not dump its logs")
            raw = json.loads(Path(f.name).read_text())
        self.max_in_flight = raw["max_in_flight"]
        return {name: [Record(*r) for r in rows] for name, rows in raw["log"].items()}

    def stop(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def __enter__(self) -> FarmProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


async def _child(specs: list[dict[str, object]]) -> None:
    sys.path.insert(0, str(HERE.parent))
    from twc_tui.sim.charger import SimulatedCharger, SimulatorFarm

    sims = [SimulatedCharger(s["profile"], scenario=s["scenario"], name=s["name"],  # type: ignore[arg-type]
                             start_at_s=s["start_at_s"], seed=s["seed"],  # type: ignore[arg-type]
                             speed=s["speed"])  # type: ignore[arg-type]
            for s in specs]
    farm = SimulatorFarm(sims)
    await farm.start()
    print(json.dumps({"ports": [s.port for s in sims]}), flush=True)
    loop = asyncio.get_running_loop()
    try:
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            if line.startswith("dump "):
                out = {"log": {s.name: [(r.path, r.method, r.status, r.started, r.ended)
                                        for r in list(s.log)] for s in sims},
                       "max_in_flight": {s.name: s.max_in_flight for s in sims}}
                Path(line[5:].strip()).write_text(json.dumps(out))
                print("ok", flush=True)
    finally:
        await farm.stop()


if __name__ == "__main__":
    asyncio.run(_child(json.loads(sys.argv[1])))
