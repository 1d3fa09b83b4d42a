"""The real ``twc-tui web`` command in a subprocess, over simulated chargers on loopback, and
what the browser tests need to read the page's terminal."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from twc_tui.sim.charger import SimulatedCharger

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
"""Playwright gives each launch a fresh --user-data-dir of its own."""

# textual.js builds its terminal in a closure; the object sets ``websocket_url`` on itself
# first, and a setter on Object.prototype sees that assignment with the object as ``this``.
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, 'websocket_url', {
  configurable: true,
  set(value) {
    Object.defineProperty(this, 'websocket_url',
                          {value, writable: true, configurable: true, enumerable: true});
    (window.__twcTerminals ||= []).push(this);
  },
});
"""
READ_TERMINAL = """() => {
  const session = (window.__twcTerminals || [])[0];
  if (!session || !session.terminal) return '';
  const term = session.terminal, buffer = term.buffer.active, rows = [];
  for (let i = 0; i < term.rows; i++) {
    const line = buffer.getLine(buffer.viewportY + i);
    rows.push(line ? line.translateToString(true) : '');
  }
  return rows.join('\\n');
}"""
URL_LINE = re.compile(rb"the monitor at (http://127\.0\.0\.1:\d+/)")


async def watch_terminal(page) -> None:  # type: ignore[no-untyped-def]
    await page.add_init_script(CATCH_TERMINAL)


async def screen_text(page) -> str:  # type: ignore[no-untyped-def]
    """What the page's terminal shows, row by row."""
    return str(await page.evaluate(READ_TERMINAL))


def children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (zombies are dead: not counted)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def write_config(path: Path, sims: Sequence[SimulatedCharger], names: Sequence[str]) -> Path:
    tables = "".join(f'[[chargers]]\nname = "{name}"\nhost = "127.0.0.1"\nport = {sim.port}\n\n'
                     for sim, name in zip(sims, names, strict=True))
    path.write_text(tables + "[history]\nenabled = false\n", encoding="utf-8")
    return path


class WebCommand:
    """``twc-tui web`` with its own hub for ``sims``; ``url`` once it serves."""

    def __init__(self, tmp: Path, sims: Sequence[SimulatedCharger], names: Sequence[str],
                 *args: str) -> None:
        self.tmp, self.sims, self.names, self.args = tmp, list(sims), list(names), args
        self.process: asyncio.subprocess.Process | None = None
        self.url = ""
        self.returncode: int | None = None
        self.lines: list[str] = []
        self._started = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def __aenter__(self) -> WebCommand:
        for sim in self.sims:
            await sim.start()
        config = write_config(self.tmp / "config.toml", self.sims, self.names)
        runtime = self.tmp / "run"
        runtime.mkdir(mode=0o700, exist_ok=True)
        env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}  # no other hub to find
        env.pop("TWC_HUB_TOKEN", None)
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "twc_tui", "web", "--config", str(config),
            "--listen", "127.0.0.1:0", *self.args, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=(self.tmp / "web.err").open("wb"))
        self._reader = asyncio.create_task(self._read())
        try:
            await asyncio.wait_for(self._started.wait(), 30)
        except TimeoutError:
            pass
        if not self.url:
            await self.__aexit__(None, None, None)
            raise AssertionError(f"twc-tui web did not start: {self.lines!r} "
                                 f"{(self.tmp / 'web.err').read_text(errors='replace')}")
        return self

    async def _read(self) -> None:
        """Its stdout: the hub's journal, and the line saying where it serves."""
        assert self.process is not None and self.process.stdout is not None
        async for line in self.process.stdout:
            self.lines.append(line.decode(errors="replace"))
            match = URL_LINE.search(line)
            if match is not None and not self.url:
                self.url = match.group(1).decode()
                self._started.set()

    async def stop(self) -> int:
        process = self.process
        assert process is not None
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()
        self.returncode = process.returncode
        if self._reader is not None:
            await self._reader
        return process.returncode

    async def __aexit__(self, *exc: object) -> None:
        try:
            if self.process is not None:
                await self.stop()
        finally:
            for sim in self.sims:
                await sim.stop()


async def wait_for_screen(page, wanted, timeout: float = 10.0) -> str:  # type: ignore[no-untyped-def]
    """The terminal's text once ``wanted(text)`` holds; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = await screen_text(page)
        if wanted(text):
            return text
        await asyncio.sleep(0.2)
    raise AssertionError(f"not on screen within {timeout:.0f} s:\n{text}")
