"""Edges of the hub and its clients, as a user meets them: real ``twc-tui`` processes over
loopback against simulators in processes of their own.

- The request size limits of the hub's HTTP server (``twc_tui.hub.limits``), on its main
  port and on a proxy port: raw sockets sending a 6 KB request line, a 6 KB header and 80
  headers each get HTTP 400, and the hub serves other clients afterwards.
- ``[hub] url`` in a config file makes ``status`` read the hub; ``proxy_port`` in a
  ``[[chargers]]`` table and ``serve --proxy-ports BASE`` open the ports that answer as one
  charger.
- ``twc-tui --hub URL`` in a pseudo-terminal shows "via hub" and the hub's chargers.
- ``twc-tui web --hub URL`` against an outside ``serve``: the page, and in headless Chromium
  (when installed) the overview kiosk without a footer; ``twc-tui web`` binds 127.0.0.1 by
  default.

One ``serve`` (with two simulators: an NA unit called Garage and an EU unit called
Driveway) is shared by the module; what it logs is never asserted on.
"""

from __future__ import annotations

import asyncio
import random
import re
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.process_rig import TWC, running
from tests.pty_harness import ROOT, base_env, pty_app, simulator
from tests.web_rig import CHROMIUM, CHROMIUM_ARGS, screen_text, wait_for_screen, watch_terminal
from twc_tui.commands.web import DEFAULT_WEB_PORT

ENDPOINTS = {"vitals", "lifetime", "wifi_status", "version"}
KB6 = 6 * 1024
HUB_LINE = re.compile(r"^serve: hub at (http://127\.0\.0\.1:\d+)")
WEB_LINE = re.compile(r"^web: the monitor at (http://127\.0\.0\.1:(\d+))/ reading ")
# CSI (parameters, intermediates, final byte), OSC (ended by BEL or ST), other escapes.
ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[^\[\]]")


# -- processes ------------------------------------------------------------------------------
def user_env(home: Path) -> dict[str, str]:
    """A user's clean environment under ``home``: no config file, no hub file to find, no
    token in the environment."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "run").mkdir(mode=0o700, exist_ok=True)
    env = base_env(home, XDG_RUNTIME_DIR=str(home / "run"))
    env.pop("TWC_HUB_TOKEN", None)
    return env


def until(condition: Callable[[], object], timeout: float = 20.0, what: str = "") -> object:
    """``condition()`` once it is truthy (errors while waiting count as not yet)."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            if value := condition():
                return value
        except (httpx.HTTPError, OSError, ValueError) as error:
            last = error
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout:.0f} s: {what} (last: {last!r})")


def free_ports(count: int) -> int:
    """A base port with ``count`` consecutive free ports on 127.0.0.1, below the ephemeral
    range so that no connection the system opens meanwhile takes one of them."""
    for _ in range(200):
        base = random.randrange(20000, 32000 - count)
        probes: list[socket.socket] = []
        try:
            for port in range(base, base + count):
                probe = socket.socket()
                probes.append(probe)
                probe.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
    raise AssertionError("no free port range")


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    with socket.socket() as probe:  # nothing on another address of this port either
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def get(url: str, **kwargs: object) -> httpx.Response:
    return httpx.get(url, trust_env=False, timeout=10.0, **kwargs)  # type: ignore[arg-type]


def hub_ready(url: str, count: int) -> bool:
    """Every charger at the hub answered all four endpoints."""
    chargers = get(f"{url}/api/chargers").json()["chargers"]
    return len(chargers) == count and all(ENDPOINTS <= set(c["updated"]) for c in chargers)


# -- the shared hub -------------------------------------------------------------------------
@dataclass
class Hub:
    url: str
    port: int
    proxy_port: int
    """Garage's, from ``proxy_port`` in its ``[[chargers]]`` table."""
    garage: str
    driveway: str
    """``127.0.0.1:PORT`` of each simulator."""
    announced: str
    """serve's line saying where it serves."""
    home: Path


@pytest.fixture(scope="module")
def chargers() -> Iterator[tuple[str, str]]:
    """Two simulated chargers told apart by their profile: NA (60 Hz) and EU (50 Hz)."""
    with simulator("--scenario", "charging", "--profile", "na", "--seed", "1") as na, \
            simulator("--scenario", "charging", "--profile", "eu", "--seed", "2") as eu:
        yield na, eu


@pytest.fixture(scope="module")
def hub(chargers: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    garage, driveway = chargers
    home = tmp_path_factory.mktemp("hub-edges")
    proxy = free_ports(1)
    config = home / "hub.toml"
    config.write_text(
        f'[[chargers]]\nname = "Garage"\nhost = "127.0.0.1"\nport = {garage.split(":")[1]}\n'
        f"proxy_port = {proxy}\n\n"
        f'[[chargers]]\nname = "Driveway"\nhost = "127.0.0.1"\n'
        f"port = {driveway.split(':')[1]}\n", encoding="utf-8")
    with running(["serve", "--config", str(config), "--listen", "127.0.0.1:0", "--db",
                  str(home / "history.db")], user_env(home / "serve")) as serve:
        match = serve.wait_line(HUB_LINE)
        url = match.group(1)
        until(lambda: hub_ready(url, 2), what="both chargers at the hub")
        yield Hub(url, int(url.rsplit(":", 1)[1]), proxy, garage, driveway,
                  match.string, home)


# -- 1. request size limits -----------------------------------------------------------------
def _receive(port: int, request: bytes, timeout: float = 10.0) -> tuple[int, dict[str, str],
                                                                        bytes]:
    """Send ``request`` on a fresh connection; the answer's status, headers and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                lines = head.decode("latin-1").split("\r\n")
                headers = {k.strip().lower(): v.strip() for k, _, v in
                           (line.partition(":") for line in lines[1:])}
                length = int(headers.get("content-length", "-1"))
                if 0 <= length <= len(body):
                    return int(lines[0].split()[1]), headers, body[:length]
            try:
                chunk = s.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            data += chunk
    raise AssertionError(f"no complete answer: {data[:300]!r}")


def _request(path: str, *, url_pad: int = 0, header_pad: int = 0, headers: int = 0) -> bytes:
    extra = "".join(f"X-Many-{i}: v\r\n" for i in range(headers))
    big = f"X-Big: {'a' * header_pad}\r\n" if header_pad else ""
    target = path + ("?pad=" + "a" * url_pad if url_pad else "")
    return f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{big}{extra}\r\n".encode()


OVERSIZED = {
    "a 6 KB request line": {"url_pad": KB6},
    "a 6 KB header": {"header_pad": KB6},
    "80 headers": {"headers": 80},
}
INSIDE = {  # the same requests within the limits: served as usual
    "a 3 KB request line": {"url_pad": 3 * 1024},
    "a 3 KB header": {"header_pad": 3 * 1024},
    "50 headers": {"headers": 50},
}


@pytest.mark.parametrize("which", ["hub", "proxy"])
def test_oversized_requests_get_400_and_the_hub_serves_on(hub: Hub, which: str) -> None:
    port, path = (hub.port, "/healthz") if which == "hub" else (hub.proxy_port,
                                                                "/api/1/vitals")
    for what, shape in INSIDE.items():
        status, _, body = _receive(port, _request(path, **shape))
        assert status == 200, (what, body[:200])
    for what, shape in OVERSIZED.items():
        status, _, _ = _receive(port, _request(path, **shape))
        assert status == 400, what
        # Other clients are served as ever, on the port the bad request went to and on
        # the hub's own.
        answer = get(f"http://127.0.0.1:{port}{path}")
        assert answer.status_code == 200, (what, answer.text)
        assert isinstance(answer.json(), dict)
        assert get(f"{hub.url}/api/chargers").json()["chargers"][0]["name"] == "Garage"


# -- 2. config keys and proxy ports ---------------------------------------------------------
def test_hub_url_in_the_config_file_makes_status_read_the_hub(hub: Hub, tmp_path: Path
                                                              ) -> None:
    """The config names no charger: what status shows can only come from the hub (and no
    hub file is there to be found)."""
    config = tmp_path / "client.toml"
    config.write_text(f'[hub]\nurl = "{hub.url}/"\n', encoding="utf-8")
    result = subprocess.run([*TWC, "status", "--config", str(config)], cwd=ROOT,
                            env=user_env(tmp_path / "user"), capture_output=True, text=True,
                            timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == f"via hub {hub.url}"
    assert any(line.startswith("╭─ Garage  " + hub.garage) for line in lines), result.stdout
    assert any(line.startswith("╭─ Driveway  " + hub.driveway) for line in lines)
    assert lines[-1].startswith("2 chargers: 2 OK")


def _same_version(direct: str, at_hub: str) -> dict:
    """``/api/1/version`` from a proxy port, checked against the hub's own answer for that
    charger (version does not change, so the two are equal exactly)."""
    answer = get(f"{direct}/api/1/version")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(
        "application/json")
    assert answer.json() == get(at_hub).json()
    return answer.json()


def test_proxy_port_in_a_chargers_table_answers_as_that_charger(hub: Hub) -> None:
    proxy = f"http://127.0.0.1:{hub.proxy_port}"
    assert f"proxy ports: 127.0.0.1:{hub.garage.split(':')[1]} at {proxy}" in hub.announced
    assert "Driveway" not in hub.announced and hub.announced.count(" at http://") == 2
    vitals = get(f"{proxy}/api/1/vitals")
    assert vitals.status_code == 200
    assert vitals.headers["content-type"].startswith("application/json")
    doc = vitals.json()
    assert doc["evse_state"] == 11 and round(doc["grid_hz"]) == 60  # Garage: the NA unit
    _same_version(proxy, f"{hub.url}/c/garage/api/1/version")


def test_serve_proxy_ports_base_opens_base_plus_k_for_the_kth_charger(
        hub: Hub, tmp_path: Path) -> None:
    base = free_ports(2)
    with running(["serve", "--listen", "127.0.0.1:0", "--proxy-ports", str(base), "--db",
                  str(tmp_path / "h.db"), f"{hub.garage}=Garage", f"{hub.driveway}=Driveway"],
                 user_env(tmp_path / "serve")) as serve:
        match = serve.wait_line(HUB_LINE)
        url = match.group(1)
        assert f"at http://127.0.0.1:{base}" in match.string
        assert f"at http://127.0.0.1:{base + 1}" in match.string
        until(lambda: hub_ready(url, 2), what="both chargers at the second hub")
        garage = _same_version(f"http://127.0.0.1:{base}", f"{url}/c/garage/api/1/version")
        driveway = _same_version(f"http://127.0.0.1:{base + 1}",
                                 f"{url}/c/driveway/api/1/version")
        assert garage != driveway  # NA and EU units: each port is its own charger
        for port, hz in ((base, 60), (base + 1, 50)):
            answer = get(f"http://127.0.0.1:{port}/api/1/vitals")
            assert answer.status_code == 200 and round(answer.json()["grid_hz"]) == hz
        assert serve.stop() == 0


# -- 3. the monitor's --hub in a terminal ---------------------------------------------------
def screen(raw: str) -> str:
    return ESCAPES.sub("", raw)


def test_monitor_with_hub_flag_shows_via_hub_and_the_chargers(hub: Hub, tmp_path: Path
                                                               ) -> None:
    """No config and no hub file: the chargers the monitor shows are the hub's."""
    with pty_app(["--hub", hub.url], user_env(tmp_path), cols=120, rows=40) as app:
        wanted = [f"via hub 127.0.0.1:{hub.port}", "Garage", "Driveway", "Charging (11)",
                  " kW"]
        deadline = time.monotonic() + 30
        while not all(w in screen(app.text()) for w in wanted):
            assert app.alive(), screen(app.text())[-2000:]
            assert time.monotonic() < deadline, (wanted, screen(app.text())[-2000:])
            time.sleep(0.05)
        assert "Traceback" not in app.text()
        app.write(b"q")
        assert app.wait_exit(15), "the monitor did not quit"
        assert app.returncode == 0


# -- 4. twc-tui web --hub, against an outside serve -----------------------------------------
@dataclass
class Web:
    url: str
    """``http://127.0.0.1:PORT``, no slash."""
    port: int


@pytest.fixture(scope="module")
def web(hub: Hub) -> Iterator[Web]:
    with running(["web", "--hub", hub.url, "--listen", "127.0.0.1:0"],
                 user_env(hub.home / "web")) as process:
        match = process.wait_line(WEB_LINE)
        assert match.string.endswith(f"reading the hub at {hub.url}; at most 6 tabs at once")
        yield Web(match.group(1), int(match.group(2)))


def test_web_with_an_outside_hub_serves_the_textual_serve_page(web: Web) -> None:
    page = get(f"{web.url}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    # The names come from the outside hub: the web command was given no config.
    assert "<title>twc-tui: Garage, Driveway</title>" in page.text
    assert f'data-session-websocket-url="ws://127.0.0.1:{web.port}/ws"' in page.text
    script = f"{web.url}/static/js/textual.js"
    assert f'src="{script}"' in page.text
    assert get(script).status_code == 200


async def test_the_overview_kiosk_in_chromium_has_no_footer(web: Web, tmp_path: Path) -> None:
    """Against a plain tab of the same server: its footer's keys show as soon as it has
    focus; the kiosk, focused as well and redrawn twice since, shows none."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    async_api = pytest.importorskip("playwright.async_api",
                                    reason="playwright is not installed")

    def overview(text: str) -> bool:
        return "via hub" in text and "Garage" in text and "Driveway" in text and " kW" in text

    async with async_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            plain = await browser.new_page(viewport={"width": 1024, "height": 768})
            await watch_terminal(plain)
            await plain.goto(f"{web.url}/")
            await wait_for_screen(plain, overview, 20.0)
            await plain.locator("textarea.xterm-helper-textarea").focus()
            await wait_for_screen(plain, lambda t: "Quit" in t, 20.0)
            await plain.close()

            kiosk = await browser.new_page(viewport={"width": 1024, "height": 768})
            await watch_terminal(kiosk)
            await kiosk.goto(f"{web.url}/?kiosk=1")
            await wait_for_screen(kiosk, overview, 20.0)
            await kiosk.locator("textarea.xterm-helper-textarea").focus()
            frames = [await screen_text(kiosk)]
            deadline = time.monotonic() + 20
            while len(frames) < 3:  # the live data redrew it twice after the focus
                assert time.monotonic() < deadline, frames[-1]
                text = await screen_text(kiosk)
                if text != frames[-1]:
                    frames.append(text)
                await asyncio.sleep(0.05)
            await kiosk.screenshot(path=str(tmp_path / "kiosk-overview.png"))
            for text in frames:
                assert overview(text), text
                assert "Quit" not in text and "Help" not in text and "palette" not in text
        finally:
            await browser.close()


# -- 5. web binds 127.0.0.1 by default ------------------------------------------------------
def test_web_binds_loopback_by_default(hub: Hub, tmp_path: Path) -> None:
    """Without --listen (or, when its default port is taken here, with a port only) the
    server is on 127.0.0.1 and nowhere else: 127.0.0.2, another loopback address of this
    machine, is refused."""
    default = port_is_free(DEFAULT_WEB_PORT)
    args = [] if default else ["--listen", ":0"]
    with running(["web", "--hub", hub.url, *args], user_env(tmp_path)) as process:
        match = process.wait_line(WEB_LINE)
        port = int(match.group(2))
        if default:
            assert port == DEFAULT_WEB_PORT
        page = get(f"http://127.0.0.1:{port}/")
        assert page.status_code == 200 and "<title>twc-tui: Garage, Driveway</title>" in page.text
        with pytest.raises(ConnectionRefusedError), \
                socket.create_connection(("127.0.0.2", port), timeout=5):
            pass
        assert "anyone" not in process.stderr()
        assert process.stop() == 0

