"""Many consumers, one poller: with event streams (as attached monitors use), a status-like
client every second, the tesla-wall-connector library on a proxy port every 0.2 s and
scrapes every second, the simulator's log still shows one polite client."""

from __future__ import annotations

import asyncio
import itertools
import time

import aiohttp
from tesla_wall_connector import WallConnector

from tests.hub_rig import PATHS, HubRig, sim


async def test_every_consumer_at_once_leaves_the_charger_one_polite_poller() -> None:
    async with HubRig([sim(), sim(seed=2)], ["Garage"]) as rig:
        await rig.answered(["vitals"])
        start = [len(s.log) for s in rig.sims]
        began = time.monotonic()
        stop = asyncio.Event()
        counts = {"stream": 0, "status": 0, "library": 0, "scrape": 0}

        async def stream() -> None:
            async with rig.http.stream("GET", "/api/events") as events:
                async for line in events.aiter_lines():
                    counts["stream"] += line.startswith("event: poll")
                    if stop.is_set():
                        return

        async def every(period: float, what: str, call) -> None:  # type: ignore[no-untyped-def]
            while not stop.is_set():
                await call()
                counts[what] += 1
                await asyncio.sleep(period)

        async with aiohttp.ClientSession() as session:
            library = WallConnector(rig.proxy_url(0).removeprefix("http://"), session=session)
            tasks = [asyncio.create_task(stream()), asyncio.create_task(stream()),
                     asyncio.create_task(every(1.0, "status", lambda: rig.http.get(
                         "/api/chargers?full=1"))),
                     asyncio.create_task(every(0.2, "library", library.async_get_vitals)),
                     asyncio.create_task(every(1.0, "scrape", lambda: rig.http.get(
                         "/metrics")))]
            # Five seconds of it, and on until every consumer has been busy enough to judge
            # by (waited for, up to a minute: a loaded machine fits fewer rounds in 5 s).
            await asyncio.sleep(5.0)
            async with asyncio.timeout(60):
                while not (counts["library"] >= 15 and counts["scrape"] >= 4
                           and counts["stream"] >= 4):
                    await asyncio.sleep(0.1)
            stop.set()
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 10)
        logs = [list(charger.log)[first:] for charger, first in zip(rig.sims, start,
                                                                   strict=True)]
        window = time.monotonic() - began
        for charger, log in zip(rig.sims, logs, strict=True):
            assert charger.max_in_flight == 1
            assert {r.method for r in log} == {"GET"} and {r.path for r in log} <= PATHS
            for path in PATHS:
                times = [r.started for r in log if r.path == path]
                assert all(b - a >= 0.975 for a, b in itertools.pairwise(times)), path
            # One poller: vitals at most once a second of the time that actually passed,
            # not once per consumer.
            assert len([r for r in log if r.path == "/api/1/vitals"]) <= window / 0.975 + 1, window
