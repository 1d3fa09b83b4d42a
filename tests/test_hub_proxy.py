"""Proxy ports answer like a charger, for tools that take only a host: the four endpoints at
the root, 500/404/405 like the device, no token; and the library Home Assistant uses reads
through one the same values it reads from a charger directly."""

from __future__ import annotations

import aiohttp
import httpx
from tesla_wall_connector import WallConnector

from tests.hub_rig import HubRig, sim
from twc_tui.core.clock import FixedClock
from twc_tui.core.paths import BROKEN_PATHS


async def test_a_proxy_port_answers_like_the_device() -> None:
    async with HubRig([sim(), sim(seed=2)], ["Garage"], token="s3cret") as rig:
        await rig.answered()
        async with httpx.AsyncClient(base_url=rig.proxy_url(1), trust_env=False) as plain:
            vitals = await plain.get("/api/1/vitals")  # no token: tools cannot send one
            assert vitals.status_code == 200
            state = rig.engine.states[rig.chargers[1].id]
            assert vitals.json() == dict(state.raw["vitals"])
            assert "Age" in vitals.headers and "X-TWC-Fetched-At" in vitals.headers
            head = await plain.head("/api/1/lifetime")
            assert head.status_code == 200 and head.content == b""
            for path in sorted(BROKEN_PATHS):
                assert (await plain.get(path)).status_code == 500, path
            for path in ("/", "/api/2/vitals", "/tedapi/v1", "/api/1/vitals/x", "/metrics",
                         "/api/chargers"):
                assert (await plain.get(path)).status_code == 404, path
            for method in ("POST", "PUT", "DELETE", "PATCH"):
                answer = await plain.request(method, "/api/1/vitals")
                assert answer.status_code == 405, method
                assert "GET" in answer.headers["Allow"]
        # Each port is its own charger.
        async with httpx.AsyncClient(trust_env=False) as plain:
            garage = (await plain.get(rig.proxy_url(0) + "/api/1/vitals")).json()
        assert garage == dict(rig.engine.states[rig.chargers[0].id].raw["vitals"])


async def _read_all(host: str) -> dict[str, object]:
    async with aiohttp.ClientSession() as session:
        charger = WallConnector(host, session=session, split_phase=True)
        vitals = await charger.async_get_vitals()
        lifetime = await charger.async_get_lifetime()
        wifi = await charger.async_get_wifi_status()
        version = await charger.async_get_version()
    return {"vitals": vitals.raw_data, "lifetime": lifetime.raw_data, "wifi": wifi.raw_data,
            "version": version.raw_data, "power": vitals.total_power_w,
            "ssid": wifi.wifi_ssid, "serial": version.serial_number,
            "state": vitals.evse_state, "energy": lifetime.energy_wh}


async def test_the_tesla_wall_connector_library_reads_the_same_through_a_proxy_port() -> None:
    """Two identical simulators (same seed, time standing still): the hub polls one, the
    library reads the other directly, in the order the hub asked (vitals first), so both
    answers are the same draw. Then the library reads the hub's proxy port."""
    frozen = FixedClock()
    twin = sim(seed=7, clock=frozen)
    await twin.start()
    try:
        direct = await _read_all(f"127.0.0.1:{twin.port}")
    finally:
        await twin.stop()
    async with HubRig([sim(seed=7, clock=frozen)], ["Garage"], clock=FixedClock()) as rig:
        await rig.answered()
        proxied = await _read_all(rig.proxy_url(0).removeprefix("http://"))
    assert proxied == direct
    assert direct["power"] > 1000 and direct["serial"]
