"""``twc-tui web`` without a browser: its flags, the visit limit and its page, the page's
title and kiosk addresses, and a tab's process leaving when the server dies.

A visit is a websocket to ``/ws``, as textual.js opens it: the server starts the monitor for
it, which draws into the socket.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests.web_rig import WebCommand, children
from twc_tui.commands.web import page_title, visit_command
from twc_tui.commands.web_server import kiosk_from_query
from twc_tui.core.targets import ChargerConfig
from twc_tui.sim.charger import SimulatedCharger
from twc_tui.tui.kiosk import kiosk_index


def run_web(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_RUNTIME_DIR": str(tmp)}
    return subprocess.run([sys.executable, "-m", "twc_tui", "web", *args], env=env,
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize(("args", "says"), [
    (["--max-visits", "0"], "--max-visits must be between 1 and 100, not 0"),
    (["--listen", "127.0.0.1:99999"], "port"),
    (["--public-url", "ftp://x"], "--public-url"),
    (["--hub", "http://127.0.0.1:8743/?x=1"], "not a hub URL"),
    ([], "no hub to read and no chargers"),
])
def test_bad_usage_is_one_line_and_exit_2(args: list[str], says: str, tmp_path: Path) -> None:
    config = tmp_path / "empty.toml"
    config.write_text("", encoding="utf-8")
    result = run_web("--config", str(config), *args, tmp=tmp_path)
    assert result.returncode == 2, result
    assert says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_another_address_warns_in_one_line(tmp_path: Path) -> None:
    """Said before anything is bound; here the hub named does not answer, so nothing is."""
    result = run_web("--listen", "0.0.0.0:8744", "--hub", "http://127.0.0.1:1",
                     tmp=tmp_path)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 3
    assert lines[0].startswith("twc-tui web: listening on 0.0.0.0: anyone on that network "
                               "can open the monitor")
    assert "token" in lines[0] and "reverse proxy" in lines[0]
    assert lines[1].startswith("twc-tui web: the hub at http://127.0.0.1:1 does not answer: ")
    assert len(lines) == 2


def test_kiosk_addresses() -> None:
    assert kiosk_from_query({}, None) is None
    assert kiosk_from_query({}, "overview") == "overview"
    assert kiosk_from_query({"kiosk": "1"}, None) == "overview"
    assert kiosk_from_query({"kiosk": "0"}, "overview") is None
    assert kiosk_from_query({"kiosk": "garage"}, None) == "garage"
    assert kiosk_from_query({"charger": "1"}, None) == "1"
    assert kiosk_from_query({"charger": "127.0.0.1:8080"}, None) == "127.0.0.1:8080"
    for bad in ("$(reboot)", "a;b", "x" * 65, "<script>"):
        with pytest.raises(ValueError):
            kiosk_from_query({"charger": bad}, None)


def test_kiosk_names_a_charger_as_the_user_knows_it() -> None:
    chargers = [ChargerConfig("192.168.1.50", name="Garage"),
                ChargerConfig("192.168.1.51", 8080, name="Driveway")]
    assert kiosk_index(chargers, "overview") is None
    assert kiosk_index(chargers, "garage") == 0
    assert kiosk_index(chargers, "192.168.1.51:8080") == 1
    assert kiosk_index(chargers, "192.168.1.51") == 1
    assert kiosk_index(chargers, "2") == 1
    with pytest.raises(ValueError, match=r"no charger 'carport'.*Garage, Driveway"):
        kiosk_index(chargers, "carport")


def test_a_visit_runs_the_monitor_against_the_hub_only() -> None:
    command = visit_command("http://127.0.0.1:8743", kiosk="-rf Garage",
                            config="/tmp/my config;rm")
    assert command.startswith("exec ")
    argv = shlex.split(command[5:])
    assert argv[:5] == [sys.executable, "-m", "twc_tui", "--hub", "http://127.0.0.1:8743"]
    assert argv[5:] == ["--config", "/tmp/my config;rm", "--kiosk=-rf Garage"]


def test_the_title_names_the_chargers_safely() -> None:
    assert page_title(["Garage", "Driveway"]) == "twc-tui: Garage, Driveway"
    title = page_title(["\x1b]0;pwned\x07Gar\u202eage"])
    assert "\x1b" not in title and "\x07" not in title and "\u202e" not in title


async def _open_visit(url: str) -> tuple[aiohttp.ClientSession, aiohttp.ClientWebSocketResponse]:
    """A tab: the websocket, and the first frame the monitor drew into it."""
    session = aiohttp.ClientSession()
    ws = await session.ws_connect(f"{url.replace('http', 'ws', 1)}ws?width=100&height=30")
    message = await asyncio.wait_for(ws.receive(), 30)
    assert message.type == aiohttp.WSMsgType.BINARY
    return session, ws


async def _until(condition, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.1)
    return condition()


async def test_past_the_limit_a_short_page_says_so(tmp_path: Path) -> None:
    sims = [SimulatedCharger("na", scenario="idle", name="sim-limit")]
    async with WebCommand(tmp_path, sims, ["Garage </title><b>"], "--max-visits", "1") as web:
        async with aiohttp.ClientSession() as client:
            async with client.get(web.url) as page:
                body = await page.text()
                assert page.status == 200
            assert "<title>twc-tui: Garage &lt;/title&gt;&lt;b&gt;</title>" in body
            session, ws = await _open_visit(web.url)
            async with client.get(web.url) as page:
                assert page.status == 503
                assert page.headers["Retry-After"] == "30"
                text = await page.text()
            assert "twc-tui is busy" in text and "at most 1 browser tab(s)" in text
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await client.ws_connect(f"{web.url.replace('http', 'ws', 1)}ws")
            assert refused.value.status == 503
            await ws.close()
            await session.close()
            # The tab closed: its process is gone within seconds, and its place is free. The
            # place frees once the visit has reaped its process, a moment after it is gone:
            # the page is asked again until then, not once.
            assert await _until(lambda: children(web.pid) == [])
            deadline = time.monotonic() + 10
            while True:
                async with client.get(web.url) as page:
                    if page.status == 200:
                        break
                    assert page.status == 503, page.status
                assert time.monotonic() < deadline, "the closed tab's place was not freed"
                await asyncio.sleep(0.1)
        assert await web.stop() == 0


async def test_a_visit_leaves_when_the_server_dies(tmp_path: Path) -> None:
    """textual-serve killed outright: the tab's monitor sees its stdin close and exits."""
    sims = [SimulatedCharger("na", scenario="idle", name="sim-orphan")]
    async with WebCommand(tmp_path, sims, ["Garage"]) as web:
        session, _ws = await _open_visit(web.url)
        [visit] = children(web.pid)
        os.kill(web.pid, signal.SIGKILL)
        await web.stop()

        def gone() -> bool:
            try:
                state = Path(f"/proc/{visit}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                return True
            return state == "Z"

        assert await _until(gone), "the visit's monitor outlived the server"
        await session.close()
