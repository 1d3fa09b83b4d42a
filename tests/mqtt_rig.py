"""A real Mosquitto on a free loopback port, and a subscriber that keeps what it receives.

The broker runs from a temporary config (``listener PORT 127.0.0.1``), anonymous or with a
password file, and can be stopped, restarted on the same port, or frozen with SIGSTOP (a
broker that accepts but never reads).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

MOSQUITTO = shutil.which("mosquitto") or (
    "/usr/sbin/mosquitto" if os.path.exists("/usr/sbin/mosquitto") else None)
needs_mosquitto = pytest.mark.skipif(MOSQUITTO is None,
                                     reason="needs Debian's mosquitto (.ci/run installs it)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """One mosquitto process; ``users`` switches anonymous access off."""

    def __init__(self, tmp: Path, users: dict[str, str] | None = None) -> None:
        self.dir = tmp
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        # Run as root, mosquitto drops to its own user, which cannot read our temp files.
        lines = [f"listener {self.port} 127.0.0.1", "persistence false",
                 f"user {pwd.getpwuid(os.getuid()).pw_name}",
                 f"log_dest file {tmp / 'mosquitto.log'}"]
        if users:
            pw = tmp / "passwd"
            pw.write_text("")
            for user, password in users.items():
                subprocess.run([shutil.which("mosquitto_passwd") or "mosquitto_passwd", "-b",
                                str(pw), user, password], check=True, capture_output=True)
            pw.chmod(0o600)
            lines += ["allow_anonymous false", f"password_file {pw}"]
        else:
            lines.append("allow_anonymous true")
        self.conf = tmp / "mosquitto.conf"
        self.conf.write_text("\n".join(lines) + "\n")

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        assert MOSQUITTO is not None
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(
                    ("127.0.0.1", self.port), timeout=0.2):
                return
            time.sleep(0.05)
        raise AssertionError("mosquitto did not start")

    def stop(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            self.proc = None

    def freeze(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def __enter__(self) -> Broker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Subscriber:
    """Everything published under ``#``: ``last[topic]`` (retained state as a newcomer
    would see it), and every message in order in ``seen``."""

    def __init__(self, port: int, topic: str = "#") -> None:
        self.port = port
        self.topic = topic
        self.seen: list[tuple[str, bytes, bool]] = []
        self.last: dict[str, bytes] = {}
        self.by_topic: dict[str, list[bytes]] = defaultdict(list)
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def _run(self) -> None:
        import aiomqtt

        async with aiomqtt.Client("127.0.0.1", self.port, identifier=None) as client:
            await client.subscribe(self.topic, qos=1)
            self._ready.set()
            async for message in client.messages:
                payload = bytes(message.payload or b"")
                topic = str(message.topic)
                self.seen.append((topic, payload, bool(message.retain)))
                self.by_topic[topic].append(payload)
                if payload:
                    self.last[topic] = payload
                else:
                    self.last.pop(topic, None)

    async def __aenter__(self) -> Subscriber:
        self._task = asyncio.create_task(self._run())
        async with asyncio.timeout(10):
            await self._ready.wait()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(BaseException):
            await self._task

    def json(self, topic: str) -> Any:
        return json.loads(self.last[topic])

    async def wait_for(self, condition: Any, seconds: float, what: str = "") -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                if condition():
                    return
            except (KeyError, ValueError, IndexError, TypeError):
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"not within {seconds:g} s: {what}; "
                                     f"topics {sorted(self.last)}")
            await asyncio.sleep(0.02)


def hub_script(broker_url: str, db: Path) -> list[str]:
    """A hub in a process of its own (for SIGKILL): one simulated charger, an engine, the
    bridge; prints READY once started."""
    import sys

    code = f"""
import asyncio
from pathlib import Path
from twc_tui.core.config import Settings
from twc_tui.core.mqtt_settings import MqttSettings
from twc_tui.core.targets import ChargerConfig
from twc_tui.engine.engine import Engine
from twc_tui.hub.mqtt import MqttBridge
from twc_tui.sim.charger import SimulatedCharger

async def main():
    sim = SimulatedCharger("na", scenario="charging", name="Killed")
    await sim.start()
    engine = Engine([ChargerConfig("127.0.0.1", sim.port, name="Killed")], Settings(),
                    history=True, db=Path({str(db)!r}))
    await engine.start()
    await MqttBridge(engine, MqttSettings(url={broker_url!r}, client_id="killed-hub")).start()
    print("READY", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""
    return [sys.executable, "-c", code]
