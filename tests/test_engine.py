"""The engine's promises to its consumers: one path for every poll outcome, bounded queues
that drop rather than wait, and no consumer able to break another or the poller."""

from __future__ import annotations

import asyncio

from twc_tui.core.config import Settings
from twc_tui.core.models import parse
from twc_tui.core.targets import ChargerConfig
from twc_tui.engine.engine import Engine, Update
from twc_tui.engine.poller import PollSuccess

PLUGGED = {"vehicle_connected": True, "contactor_closed": False, "evse_state": 4,
           "grid_v": 240.0, "vehicle_current_a": 0.0, "uptime_s": 10}


def engine() -> Engine:
    return Engine([ChargerConfig("127.0.0.1", 9, "Garage")], Settings(), history=False)


def vitals(at: float, **changes: object) -> PollSuccess:
    raw = {**PLUGGED, **changes}
    return PollSuccess("127.0.0.1:9", "vitals", parse("vitals", raw), at, 0.01, raw)


async def test_every_consumer_sees_the_same_update_with_its_log_entries() -> None:
    e = engine()
    seen: list[Update] = []
    e.listen(seen.append)
    sub = e.subscribe()
    e.apply(vitals(1.0))
    e.apply(vitals(2.0, vehicle_connected=False))
    got = [await sub.get(), await sub.get()]
    assert [u.event.at for u in got] == [1.0, 2.0] == [u.event.at for u in seen]
    assert [x.text for x in got[1].entries] == [x.text for x in seen[1].entries]
    assert any("unplugged" in x.text for x in got[1].entries)
    assert e.states["127.0.0.1:9"].raw["vitals"]["vehicle_connected"] is False


async def test_a_subscriber_that_never_reads_costs_a_fixed_queue_and_drops_its_oldest() -> None:
    e = engine()
    slow = e.subscribe(maxsize=5)
    for i in range(1000):
        e.apply(vitals(float(i)))
    assert slow.dropped == 995
    assert [(await slow.get()).event.at for _ in range(5)] == [995.0, 996.0, 997.0, 998.0, 999.0]
    assert await slow.get_within(0.01) is None


async def test_a_failing_listener_does_not_stop_the_others() -> None:
    e = engine()

    def broken(update: Update) -> None:
        raise RuntimeError("consumer bug")

    seen: list[float] = []
    e.listen(broken)
    e.listen(lambda u: seen.append(u.event.at))
    e.apply(vitals(5.0))
    assert seen == [5.0]


async def test_closed_subscriptions_are_forgotten_and_wake_their_reader() -> None:
    e = engine()
    sub = e.subscribe()
    reader = asyncio.create_task(sub.get())
    await asyncio.sleep(0)
    sub.close()
    try:
        await reader
    except EOFError:
        pass
    else:  # pragma: no cover - the check must be able to fail
        raise AssertionError("a closed subscription kept its reader waiting")
    assert e.subscriber_count == 0
