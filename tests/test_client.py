"""ChargerClient against the simulator over real loopback sockets: one test per fault mode.

Every failure must come out as a typed ChargerError with a readable sentence, and every
body that decodes must go through the models without an exception.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest

from twc_tui.core import models
from twc_tui.core.client import (
    ENDPOINTS,
    ChargerClient,
    ConnectTimeout,
    DecodeError,
    HttpStatus,
    ReadTimeout,
    Timeouts,
    Unreachable,
    make_http_client,
)
from twc_tui.core.json_repair import tolerant_json
from twc_tui.sim.charger import SimulatedCharger
from twc_tui.sim.faults import Faults

FAST = Timeouts(connect=0.5, read=0.5)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    client = make_http_client(FAST)
    yield client
    await client.aclose()


@pytest.fixture
async def sim() -> AsyncIterator[SimulatedCharger]:
    charger = SimulatedCharger("na", scenario="charging", seed=1, faults=Faults(seed=1))
    await charger.start()
    yield charger
    await charger.stop()


def client_for(http: httpx.AsyncClient, sim: SimulatedCharger) -> ChargerClient:
    return ChargerClient(http, "127.0.0.1", sim.port, FAST)


# --- tolerant_json ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a":nan}', {"a": None}),
        ('{"a":-nan,"b":1}', {"a": None, "b": 1}),
        ('{"a":inf}', {"a": None}),
        ('{"a":Infinity,"b":-Infinity}', {"a": None, "b": None}),
        ('{"a": NaN}', {"a": None}),
        ('{"a":"nan","b":"inf Infinity"}', {"a": "nan", "b": "inf Infinity"}),
        ('{"a":"say \\"nan\\"","b":nan}', {"a": 'say "nan"', "b": None}),
        ('{"a":1,"b":[1,2]', {"a": 1, "b": [1, 2]}),
        ('{"avg_startup_temp":nan,"energy_wh":270093', {"avg_startup_temp": None,
                                                          "energy_wh": 270093}),
        ("[1,2]", [1, 2]),
        ('"text"', "text"),
    ],
)
def test_tolerant_json_repairs(text: str, expected: object) -> None:
    assert tolerant_json(text) == expected


@pytest.mark.parametrize("text", ["", "<html></html>", '{"a":', '{"a" 1}', "nan nan", "{]}",
                                  "[" * 100_000 + "]" * 100_000, '{"a":' + "[" * 100_000])
def test_tolerant_json_rejects_garbage(text: str) -> None:
    with pytest.raises(ValueError):
        tolerant_json(text)


# --- the happy path ---------------------------------------------------------------------


async def test_all_endpoints_over_one_kept_alive_connection(
    http: httpx.AsyncClient, sim: SimulatedCharger
) -> None:
    client = client_for(http, sim)
    for endpoint in ENDPOINTS:
        payload = models.parse(endpoint, await client.fetch(endpoint))
        assert payload.notes == ()
    assert len({record.peer for record in sim.log}) == 1  # httpx reused the connection


# --- cannot connect ---------------------------------------------------------------------


async def test_connection_refused(http: httpx.AsyncClient) -> None:
    charger = SimulatedCharger()
    await charger.start()
    port = charger.port
    await charger.stop()
    with pytest.raises(Unreachable, match=f"connection refused by 127.0.0.1:{port}"):
        await ChargerClient(http, "127.0.0.1", port, FAST).fetch("vitals")


async def test_unresolvable_host_name(http: httpx.AsyncClient,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # .invalid never resolves (RFC 6761); answering for the resolver keeps this test from
    # sending a DNS query off the box.
    real = socket.getaddrinfo

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if isinstance(host, str | bytes) and str(host).rstrip(".'").endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(Unreachable, match=r"nonexistent\.invalid") as caught:
        await ChargerClient(http, "nonexistent.invalid", 80, FAST).fetch("vitals")
    assert "resolve" in str(caught.value)


async def test_connect_timeout_against_a_full_backlog(http: httpx.AsyncClient) -> None:
    # A listener that never accepts, with its backlog filled: Linux drops further SYNs, so
    # the next connect hangs until the connect timeout.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    try:
        for _ in range(8):
            filler = socket.socket()
            filler.setblocking(False)
            try:
                filler.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            fillers.append(filler)
        await asyncio.sleep(0.05)
        timeouts = Timeouts(connect=0.3, read=0.3)
        with pytest.raises(ConnectTimeout, match=r"timed out after 0\.3 s connecting"):
            await ChargerClient(http, "127.0.0.1", port, timeouts).fetch("vitals")
    finally:
        for filler in fillers:
            filler.close()
        server.close()


async def test_read_timeout_on_a_stall(http: httpx.AsyncClient,
                                       sim: SimulatedCharger) -> None:
    sim.faults.stall_s = 1.0
    with pytest.raises(ReadTimeout, match="waiting for /api/1/vitals"):
        await client_for(http, sim).fetch("vitals")


async def test_latency_below_the_read_timeout_is_fine(http: httpx.AsyncClient,
                                                      sim: SimulatedCharger) -> None:
    sim.faults.latency_s = 0.1
    assert isinstance(await client_for(http, sim).fetch("vitals"), dict)
    record = sim.log[-1]
    assert record.ended - record.started >= 0.1


# --- HTTP errors ------------------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 500, 503])
async def test_http_status(http: httpx.AsyncClient, sim: SimulatedCharger, status: int) -> None:
    sim.faults.status = status
    with pytest.raises(HttpStatus, match=f"HTTP {status} from /api/1/vitals") as caught:
        await client_for(http, sim).fetch("vitals")
    assert caught.value.status == status


async def test_error_rate(http: httpx.AsyncClient, sim: SimulatedCharger) -> None:
    sim.faults = Faults(error_rate=0.5, seed=3)
    outcomes = []
    for _ in range(20):
        try:
            await client_for(http, sim).fetch("vitals")
            outcomes.append(200)
        except HttpStatus as error:
            outcomes.append(error.status)
    assert set(outcomes) == {200, 500}


# --- bodies that are not JSON -----------------------------------------------------------


async def test_html_body(http: httpx.AsyncClient, sim: SimulatedCharger) -> None:
    sim.faults.html = True
    with pytest.raises(DecodeError, match="invalid JSON") as caught:
        await client_for(http, sim).fetch("vitals")
    assert caught.value.excerpt.startswith("<!DOCTYPE html>")


async def test_empty_body(http: httpx.AsyncClient, sim: SimulatedCharger) -> None:
    sim.faults.empty = True
    with pytest.raises(DecodeError, match="an empty body from /api/1/vitals") as caught:
        await client_for(http, sim).fetch("vitals")
    assert caught.value.excerpt == ""


async def test_garbage_bytes(http: httpx.AsyncClient, sim: SimulatedCharger) -> None:
    sim.faults.garbage = True
    with pytest.raises(DecodeError, match="invalid JSON") as caught:
        await client_for(http, sim).fetch("vitals")
    assert caught.value.excerpt  # the replacement characters of the raw bytes
    assert len(caught.value.excerpt) <= 120


async def test_truncated_json_is_repaired(http: httpx.AsyncClient,
                                          sim: SimulatedCharger) -> None:
    sim.faults.truncate_rate = 1.0
    raw = await client_for(http, sim).fetch("vitals")
    assert sim.log[-1].fault == "truncate"
    vitals = models.Vitals.from_json(raw)
    assert vitals.notes == () and vitals.evse_state == 11


async def test_oversize_body_hits_the_cap(http: httpx.AsyncClient,
                                          sim: SimulatedCharger) -> None:
    sim.faults.oversize = True
    with pytest.raises(DecodeError, match="256 KiB cap"):
        await client_for(http, sim).fetch("vitals")


# --- JSON of the wrong shape ------------------------------------------------------------


@pytest.mark.parametrize(("shape", "kind"), [("array", list), ("string", str)])
async def test_json_that_is_not_an_object(http: httpx.AsyncClient, sim: SimulatedCharger,
                                          shape: str, kind: type) -> None:
    sim.faults.wrong_shape = shape
    for endpoint in ENDPOINTS:
        raw = await client_for(http, sim).fetch(endpoint)
        assert isinstance(raw, kind)
        payload = models.parse(endpoint, raw)
        assert payload.notes == (f"expected a JSON object, got {kind.__name__}",)


async def test_wrong_types_become_none_with_notes(http: httpx.AsyncClient,
                                                  sim: SimulatedCharger) -> None:
    sim.faults.wrong_types = True
    for endpoint in ENDPOINTS:
        payload = models.parse(endpoint, await client_for(http, sim).fetch(endpoint))
        assert payload.notes, endpoint
    vitals = models.Vitals.from_json(await client_for(http, sim).fetch("vitals"))
    assert vitals.grid_v is None and vitals.contactor_closed is None
    assert vitals.power_w("split") is None
    assert any("grid_v: expected float, got str" in note for note in vitals.notes)


async def test_missing_fields_become_none(http: httpx.AsyncClient,
                                          sim: SimulatedCharger) -> None:
    sim.faults.missing_fields = True
    vitals = models.Vitals.from_json(await client_for(http, sim).fetch("vitals"))
    assert vitals.notes == ()
    assert vitals.contactor_closed is True and vitals.vehicle_connected is None
    missing = [key for key in models.Vitals.FIELDS if getattr(vitals, key) is None]
    assert len(missing) >= 12


async def test_extra_fields_are_kept(http: httpx.AsyncClient, sim: SimulatedCharger) -> None:
    sim.faults.extra_fields = True
    for endpoint in ENDPOINTS:
        payload = models.parse(endpoint, await client_for(http, sim).fetch(endpoint))
        assert payload.notes == ()
        assert payload.extra["evse_future_mode"] == 3


async def test_hostile_strings_decode_without_harm(http: httpx.AsyncClient,
                                                   sim: SimulatedCharger) -> None:
    sim.faults.hostile = True
    client = client_for(http, sim)
    version = models.Version.from_json(await client.fetch("version"))
    assert "[@click=app.quit]" in (version.firmware_version or "")
    assert "\x1b]0;" in (version.firmware_version or "")
    assert len(version.serial_number or "") == 10_000
    wifi = models.WifiStatus.from_json(await client.fetch("wifi_status"))
    assert wifi.ssid_decoded is None and wifi.ssid == wifi.wifi_ssid  # invalid UTF-8 inside
    vitals = models.Vitals.from_json(await client.fetch("vitals"))
    assert 40 in (vitals.current_alerts or ())
    assert any(isinstance(a, str) and "\x1b" in a for a in vitals.current_alerts or ())
    assert any("\x1b[2J" in key for key in vitals.extra)
    assert any("\x00" in str(value) for value in vitals.extra.values())


async def test_reset_mid_body(http: httpx.AsyncClient, sim: SimulatedCharger) -> None:
    sim.faults.reset_rate = 1.0
    with pytest.raises(Unreachable, match="dropped during /api/1/vitals"):
        await client_for(http, sim).fetch("vitals")
    sim.faults.reset_rate = 0.0
    assert isinstance(await client_for(http, sim).fetch("vitals"), dict)  # pool recovers


# --- the charger's own life -------------------------------------------------------------


async def test_offline_then_back(http: httpx.AsyncClient, sim: SimulatedCharger) -> None:
    client = client_for(http, sim)
    await client.fetch("vitals")
    await sim.go_offline(0.3)
    with pytest.raises(Unreachable, match=r"refused|dropped"):
        await client.fetch("vitals")
    await asyncio.sleep(0.5)
    assert isinstance(await client.fetch("vitals"), dict)


async def test_reboot_shows_as_an_uptime_drop(http: httpx.AsyncClient,
                                              sim: SimulatedCharger) -> None:
    client = client_for(http, sim)
    before = models.Vitals.from_json(await client.fetch("vitals"))
    sim.reboot()
    after = models.Vitals.from_json(await client.fetch("vitals"))
    assert before.uptime_s is not None and after.uptime_s is not None
    assert after.uptime_s < 5 < before.uptime_s
    assert after.session_s is not None and after.session_s < 5
    assert after.session_energy_wh == 0.0 < (before.session_energy_wh or 0)


async def test_handle_sentinel_is_dropped(http: httpx.AsyncClient) -> None:
    # "plugin" plugs in 30 simulated seconds after start; at 29 s the state change is near.
    charger = SimulatedCharger("na", scenario="plugin", start_at_s=30.5, speed=1,
                               faults=Faults(sentinel_rate=1.0, seed=1))
    async with charger:
        vitals = models.Vitals.from_json(await client_for(http, charger).fetch("vitals"))
    assert vitals.evse_state == 7
    assert vitals.handle_temp_c is None and vitals.sentinels == ("handle_temp_c",)


async def _answer_then_close(reset: bool, connections: list[int]):  # type: ignore[no-untyped-def]
    """A charger that answers one request per connection (keep-alive, as it says nothing),
    then closes: with a FIN, or with a reset (SO_LINGER 0), as a rebooting unit does."""
    import struct

    body = b'{"evse_state": 1}'

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            await writer.drain()
            await asyncio.sleep(0.05)
            if reset:
                writer.get_extra_info("socket").setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        finally:
            writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
async def test_a_keep_alive_the_charger_dropped_is_not_reused(http: httpx.AsyncClient,
                                                              reset: bool) -> None:
    connections: list[int] = []
    server = await _answer_then_close(reset, connections)
    port = server.sockets[0].getsockname()[1]
    client = ChargerClient(http, "127.0.0.1", port, FAST)
    try:
        for _ in range(3):
            assert await client.fetch("vitals") == {"evse_state": 1}
            await asyncio.sleep(0.3)  # the poller's floor is 1 s; the close has landed
    finally:
        server.close()
    assert len(connections) == 3  # a new connection each time, never a failed poll


async def test_a_fetch_after_the_client_closed_fails_as_unreachable(sim: SimulatedCharger,
                                                                    ) -> None:
    http = make_http_client(FAST)
    client = ChargerClient(http, "127.0.0.1", sim.port, FAST)
    assert await client.fetch("vitals")
    await http.aclose()
    with pytest.raises(Unreachable, match="closed"):
        await client.fetch("vitals")
