"""With a token, every path of the hub's main port needs ``Authorization: Bearer``; without
one it answers 401 and says what to send."""

from __future__ import annotations

import httpx

from tests.hub_rig import HubRig, sim

PATHS = ("/", "/api/chargers", "/api/chargers?full=1", "/api/events", "/api/sessions",
         "/c/garage/api/1/vitals", "/c/garage/history?range=1h", "/metrics", "/healthz",
         "/no/such/path")


async def test_every_path_needs_the_token() -> None:
    async with HubRig([sim()], ["Garage"], token="s3cret-t0ken", proxies=False) as rig:
        await rig.answered(["vitals"])
        async with httpx.AsyncClient(base_url=rig.url, trust_env=False) as anonymous:
            for path in PATHS:
                for headers in ({}, {"Authorization": "Bearer wrong"},
                                {"Authorization": "Basic s3cret-t0ken"},
                                {"Authorization": "Bearer s3cret-t0ke"}):
                    answer = await anonymous.get(path, headers=headers)
                    assert answer.status_code == 401, (path, headers)
                    assert answer.headers["WWW-Authenticate"] == "Bearer"
                    assert "Authorization: Bearer" in answer.json()["error"]
            ok = await anonymous.get("/api/chargers",
                                     headers={"Authorization": "Bearer s3cret-t0ken"})
            assert ok.status_code == 200 and ok.json()["chargers"][0]["id"] == "garage"
            assert (await anonymous.get("/metrics", headers={
                "Authorization": "bearer s3cret-t0ken"})).status_code == 200


async def test_without_a_token_nothing_asks_for_one() -> None:
    async with HubRig([sim()], ["Garage"], proxies=False) as rig:
        await rig.answered(["vitals"])
        assert (await rig.http.get("/api/chargers")).status_code == 200
