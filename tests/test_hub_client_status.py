"""``status`` and the Sessions screen attached to a hub, and finding a hub on this machine:
real processes and real loopback sockets."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

import pytest

from tests.hub_rig import HubRig, frozen
from tests.test_tui_keys import screen_text
from tests.test_tui_live import wait_for
from twc_tui.core.config import Settings
from twc_tui.engine.engine import Engine
from twc_tui.engine.replay import replay
from twc_tui.engine.store import Store
from twc_tui.hub.locate import write_local_hub
from twc_tui.hub.remote import RemoteEngine
from twc_tui.sim.backfill import readings
from twc_tui.sim.charger import SimulatedCharger
from twc_tui.tui.app import TwcApp
from twc_tui.tui.screens.session_list import SessionsScreen


async def twc(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "twc_tui", *args, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env={**os.environ, **(env or {})})
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(), err.decode()


async def ready(rig: HubRig) -> None:
    assert rig.engine is not None
    await rig.wait_for(lambda: all(len(s.updated) == 4 for s in rig.engine.states.values()),
                       what="every endpoint of every charger at the hub")


async def test_status_hub_json_is_the_direct_document() -> None:
    sims = [SimulatedCharger("na", scenario="charging", name="garage", seed=3),
            SimulatedCharger("eu", scenario="idle", name="drive", seed=4)]
    async with HubRig(sims, proxies=False) as rig:
        for sim in sims:
            frozen(sim)
        await ready(rig)
        hosts = [f"127.0.0.1:{s.port}={s.name}" for s in sims]
        direct = await twc("status", "--json", "--direct", *hosts)
        via_hub = await twc("status", "--hub", rig.url, "--json")
        assert via_hub[0] == direct[0] and via_hub[2] == direct[2] == ""
        assert json.loads(via_hub[1]) == json.loads(direct[1])
        human = await twc("status", "--hub", rig.url)
        assert human[1].startswith(f"via hub {rig.url}\n") and "garage" in human[1]


async def test_status_hub_unreachable_is_one_line_and_exit_3() -> None:
    code, out, err = await twc("status", "--hub", "http://127.0.0.1:9", "--json")
    assert (code, out) == (3, "")
    assert err == "twc-tui status: hub unreachable at http://127.0.0.1:9: connection refused\n"


async def test_plain_status_finds_the_local_hub_and_direct_does_not(tmp_path: Path) -> None:
    sims = [SimulatedCharger("na", scenario="charging", name="garage")]
    async with HubRig(sims, proxies=False) as rig:
        await ready(rig)
        runtime = {"XDG_RUNTIME_DIR": str(tmp_path)}
        os.environ.update(runtime)  # for write_local_hub; the autouse fixture's env is ours
        try:
            write_local_hub(rig.url, [c.id for c in rig.chargers], token=False)
        finally:
            del os.environ["XDG_RUNTIME_DIR"]
        before = len(sims[0].log)
        code, out, err = await twc("status", env=runtime)
        assert code in (0, 1) and err == ""
        assert out.startswith(f"via hub {rig.url} (found on this machine; --direct asks")
        host = f"127.0.0.1:{sims[0].port}"
        code, out, err = await twc("status", host, env=runtime)  # a host the hub polls
        assert out.startswith("via hub ") and host in out
        hub_polls = len(sims[0].log) - before
        assert hub_polls <= 12  # the hub's own cadence over a few seconds, no extra round
        code, out, err = await twc("status", "--direct", "--json", host, env=runtime)
        assert json.loads(out)["chargers"][0]["reachable"] is True  # asked the charger
        code, out, err = await twc("status", "--json", "127.0.0.1:9", env=runtime)
        assert json.loads(out)["chargers"][0]["reachable"] is False  # not the hub's: direct


async def test_sessions_screen_attached_shows_the_hubs_sessions(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    settings = dataclasses.replace(Settings(), db_path=str(db))
    sim = SimulatedCharger("na", scenario="day", name="garage", seed=5)
    recorded: list[int] = []

    def a_week_recorded(engine: Engine) -> None:
        store = Store.open(db)
        try:
            replay(store, engine.chargers, {engine.chargers[0].id: readings(sim, time.time())},
                   now=time.time())
            recorded.append(len(store.sessions()))
        finally:
            store.close()

    async with HubRig([sim], settings=settings, prefill=a_week_recorded,
                      proxies=False) as rig:
        await ready(rig)
        remote = RemoteEngine(rig.url, Settings())
        await remote.load()
        app = TwcApp(remote.chargers, Settings(), engine=remote)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("s")
            assert isinstance(app.screen, SessionsScreen)
            await wait_for(pilot, lambda: "sessions," in screen_text(app), 5.0)
            text = screen_text(app)
            assert recorded[0] > 3 and f"{recorded[0]} sessions" in text
            assert "garage" in text and "no history database" not in text


def test_direct_never_attaches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from twc_tui.hub.attach import choose_hub

    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    write_local_hub("http://127.0.0.1:9", [], token=False)
    assert choose_hub(Settings(), [], hub=None, direct=False, hosts_given=False) is not None
    assert choose_hub(Settings(), [], hub=None, direct=True, hosts_given=False) is None
