"""The hub rig itself (:mod:`tests.hub_rig`) and the index page: every charger is named by its
hub id, a given name or else its ``host:port``."""

from __future__ import annotations

from tests.hub_rig import HubRig, sim


async def test_index_names_every_charger_by_its_hub_id() -> None:
    async with HubRig([sim(), sim(seed=2)], ["Car port 2"]) as rig:
        answer = await rig.http.get("/")
        assert answer.status_code == 200
        assert answer.json()["chargers"] == ["car-port-2", f"127-0-0-1-{rig.sims[1].port}"]
        assert "/metrics" in answer.json()["endpoints"]
