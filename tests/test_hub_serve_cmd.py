"""``twc-tui serve`` as a user runs it: a real process against simulated chargers, the hub
file it writes and removes, and one clear line with exit 2 for bad input."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import stat
import sys
from pathlib import Path

import httpx
import pytest

from tests.hub_rig import sim
from twc_tui.core.targets import ChargerConfig
from twc_tui.hub.ids import hub_ids, slug
from twc_tui.hub.locate import read_local_hub, remove_local_hub, write_local_hub

TWC = [sys.executable, "-m", "twc_tui"]


@pytest.fixture(autouse=True)
def _runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.delenv("TWC_HUB_TOKEN", raising=False)
    return tmp_path / "run"


async def _run(*args: str, timeout: float = 30) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(*TWC, *args, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_serve_runs_writes_its_hub_file_and_removes_it_at_sigterm(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("t0ken\n")
    async with sim() as charger:
        proc = await asyncio.create_subprocess_exec(
            *TWC, "serve", "--listen", "127.0.0.1:0", "--db", str(tmp_path / "h.db"),
            "--token-file", str(token), f"127.0.0.1:{charger.port}=Garage",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            url = None
            async with asyncio.timeout(30):
                while url is None:
                    line = (await proc.stdout.readline()).decode()  # type: ignore[union-attr]
                    assert line, "serve ended early"
                    if m := re.search(r"hub at (http://127\.0\.0\.1:\d+)", line):
                        url = m.group(1)
            hub_file = Path(os.environ["XDG_RUNTIME_DIR"]) / "twc-tui" / "hub.json"
            assert stat.S_IMODE(hub_file.stat().st_mode) == 0o600
            assert json.loads(hub_file.read_text()) == {
                "url": url, "pid": proc.pid, "chargers": [f"127.0.0.1:{charger.port}"],
                "token": True}
            found = read_local_hub()
            assert found is not None and found.url == url and found.token is True
            async with httpx.AsyncClient(base_url=url, trust_env=False) as client:
                assert (await client.get("/healthz")).status_code == 401
                async with asyncio.timeout(10):
                    while True:
                        doc = (await client.get("/api/chargers", headers={
                            "Authorization": "Bearer t0ken"})).json()
                        if doc["chargers"][0]["online"]:
                            break
                        await asyncio.sleep(0.1)
            proc.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(proc.communicate(), 30)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    assert proc.returncode == 0, err.decode()
    assert "stopped; history flushed" in out.decode()
    assert not hub_file.exists()
    assert "Traceback" not in err.decode()


@pytest.mark.parametrize(("args", "message"), [
    (["--listen", "127.0.0.1:99999", "127.0.0.1:1"], "port must be between 1 and 65535"),
    (["--listen", "no such host!", "127.0.0.1:1"], "not a host name"),
    (["--proxy-ports", "65535", "127.0.0.1:1", "127.0.0.1:2"], "out of range"),
    (["--token-file", "/nonexistent/token", "127.0.0.1:1"], "cannot read the token file"),
    (["--config", "/nonexistent.toml"], "no such config file"),
    ([], "no chargers given"),
])
async def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    code, _, err = await _run("serve", *args)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


async def test_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    async with sim() as charger:  # its port is taken
        code, _, err = await _run("serve", "--db", str(tmp_path / "h.db"), "--listen",
                                  f"127.0.0.1:{charger.port}", f"127.0.0.1:{charger.port}")
    assert code == 2 and "cannot listen on 127.0.0.1" in err, err
    assert "Traceback" not in err


async def test_an_address_beyond_loopback_says_who_can_read_it(tmp_path: Path) -> None:
    # 192.0.2.1 (TEST-NET-1) is not on this machine: binding fails, nothing is sent.
    code, _, err = await _run("serve", "--db", str(tmp_path / "h.db"), "--listen",
                              "192.0.2.1:0", "127.0.0.1:1")
    assert "anyone who can reach this machine on port 0 can read your chargers' data" in err
    assert "no token required" in err
    assert code == 2 and "cannot listen on 192.0.2.1" in err


def test_hub_ids_are_slugs_of_names_else_host_and_port() -> None:
    chargers = [ChargerConfig("127.0.0.1", 8080, "Garage"), ChargerConfig("127.0.0.1", 8081),
                ChargerConfig("10.0.0.2", 80, "Garáž / Nord"), ChargerConfig("::1", 81, "garage"),
                ChargerConfig("127.0.0.1", 82, "☃")]
    assert list(hub_ids(chargers)) == ["garage", "127-0-0-1-8081", "garaz-nord", "garage-2",
                                       "127-0-0-1-82"]
    assert slug("  Car port 2 ") == "car-port-2"


def test_the_hub_file_of_a_dead_hub_is_ignored(tmp_path: Path) -> None:
    path = write_local_hub("http://127.0.0.1:8743", ["127.0.0.1:80"], False)
    assert read_local_hub() is not None
    doc = json.loads(path.read_text())
    path.write_text(json.dumps({**doc, "pid": 2**22 + 12345}))  # no such process
    assert read_local_hub() is None
    remove_local_hub()  # not ours any more: left alone
    assert path.exists()
    path.write_text("{not json")
    assert read_local_hub() is None
