"""``/api/events``: what an event-stream client receives, and what happens to one that falls
behind, never reads, or comes one too many."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator

import httpx

from tests.fixture_data import decoded
from tests.hub_rig import HubRig, sim
from twc_tui.core.clock import VirtualClock
from twc_tui.core.models import parse
from twc_tui.engine.poller import PollSuccess
from twc_tui.hub.limits import Limits


async def events(client: httpx.AsyncClient) -> AsyncIterator[tuple[str, str]]:
    """(event, data) per message; a comment line is ("comment", text)."""
    async with client.stream("GET", "/api/events") as stream:
        assert stream.status_code == 200
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        kind, data = "message", []
        async for line in stream.aiter_lines():
            if line.startswith(":"):
                yield "comment", line[1:].strip()
            elif line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
            elif not line and data:
                yield kind, "\n".join(data)
                kind, data = "message", []


async def collect(client: httpx.AsyncClient, until, within: float = 10.0  # type: ignore[no-untyped-def]
                  ) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    async with asyncio.timeout(within):
        async for item in events(client):
            seen.append(item)
            if until(seen):
                return seen
    return seen


async def test_updates_arrive_as_poll_and_log_events_with_heartbeats() -> None:
    async with HubRig([sim()], ["Garage"], limits=Limits(heartbeat_s=0.3),
                      proxies=False) as rig:
        seen = await collect(rig.http, lambda s: any(k == "comment" for k, _ in s)
                             and sum(k == "poll" for k, _ in s) >= 2)
    polls = [json.loads(d) for k, d in seen if k == "poll"]
    assert {p["charger"] for p in polls} == {"garage"}
    assert all(p["ok"] is True and p["raw"] for p in polls)
    assert ("comment", "ping") in seen
    logs = [json.loads(d) for k, d in seen if k == "log"]
    if logs:  # the first answer logs "First answer"; it may come before we connected
        assert logs[0]["charger"] == "garage"


async def test_a_log_event_follows_its_poll() -> None:
    async with HubRig([sim()], ["Garage"], start_engine=False, proxies=False) as rig:
        cid = rig.chargers[0].id
        raw = decoded("vitals_na_charging_40a.json")

        async def later() -> None:
            while rig.server.sse_clients == 0:
                await asyncio.sleep(0.02)
            rig.engine.apply(PollSuccess(cid, "vitals", parse("vitals", raw), 1.0, 0.0, raw))

        task = asyncio.create_task(later())
        seen = await collect(rig.http, lambda s: any(k == "log" for k, _ in s))
        await task
    kinds = [k for k, _ in seen if k != "comment"]
    assert kinds == ["poll", "log"]
    assert json.loads(seen[-1][1])["text"].startswith("First answer")


async def test_a_client_that_falls_behind_is_told_to_resync() -> None:
    async with HubRig([sim()], ["Garage"], start_engine=False, proxies=False,
                      limits=Limits(sse_queue=4)) as rig:
        cid = rig.chargers[0].id
        raw = decoded("vitals_na_charging_40a.json")

        async def burst() -> None:
            while rig.server.sse_clients == 0:
                await asyncio.sleep(0.02)
            for n in range(50):  # in one go: more than the client's queue holds
                rig.engine.apply(PollSuccess(cid, "vitals", parse("vitals", raw), n, 0.0, raw))

        task = asyncio.create_task(burst())
        seen = await collect(rig.http, lambda s: any(k == "resync" for k, _ in s))
        await task
    assert json.loads(seen[-1][1])["dropped"] > 0


async def test_one_client_too_many_gets_503_and_a_client_that_never_reads_is_dropped() -> None:
    limits = Limits(max_sse_clients=1, send_timeout_s=0.5, heartbeat_s=0.2)
    async with HubRig([sim()], ["Garage"], start_engine=False, proxies=False,
                      limits=limits) as rig:
        host, port = rig.url.removeprefix("http://").split(":")
        stuck = socket.socket()
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.connect((host, int(port)))
        stuck.sendall(b"GET /api/events HTTP/1.1\r\nHost: hub\r\n\r\n")  # and never reads
        async with asyncio.timeout(5):
            while rig.server.sse_clients == 0:
                await asyncio.sleep(0.02)
        second = await rig.http.get("/api/events")
        assert second.status_code == 503 and "at most 1" in second.json()["error"]
        # Fill what the kernel buffers for it; the stalled send times out and drops it.
        cid, raw = rig.chargers[0].id, decoded("vitals_na_charging_40a.json")
        async with asyncio.timeout(30):
            while rig.server.sse_clients:
                for n in range(200):
                    rig.engine.apply(PollSuccess(cid, "vitals", parse("vitals", raw), n, 0.0,
                                                 raw))
                await asyncio.sleep(0.05)
        seen = await collect(rig.http, lambda s: any(k == "comment" for k, _ in s))
        assert ("comment", "ping") in seen  # the slot is free again
        stuck.close()


async def test_updates_close_together_reach_a_client_in_one_read() -> None:
    """A hub of 50 chargers at 1 s sent each client 50 small writes a second. An update
    after a quiet spell still goes at once; those that follow within ``sse_batch_s`` wait
    for it to end and arrive together, in one read of the socket."""
    clock = VirtualClock()
    async with HubRig([sim()], ["Garage"], clock=clock, start_engine=False, proxies=False,
                      limits=Limits(sse_batch_s=0.25)) as rig:
        cid, raw = rig.chargers[0].id, decoded("vitals_na_charging_40a.json")

        def poll(n: int) -> None:
            rig.engine.apply(PollSuccess(cid, "vitals", parse("vitals", raw), n, 0.0, raw))

        reader, writer = await asyncio.open_connection("127.0.0.1", rig.port)
        writer.write(b"GET /api/events HTTP/1.1\r\nHost: hub\r\n\r\n")
        async with asyncio.timeout(10):
            await reader.readuntil(b"\r\n\r\n")
            while rig.server.sse_clients == 0:
                await asyncio.sleep(0.01)
            poll(0)
            first = await reader.read(1 << 20)
            assert first.count(b"event: poll") == 1  # at once
            for n in range(1, 11):
                poll(n)
            with contextlib.suppress(TimeoutError):  # nothing before the window ends
                async with asyncio.timeout(0.3):
                    early = await reader.read(1 << 20)
                    raise AssertionError(f"sent before the window ended: {early[:200]!r}")
            await clock.run_for(0.25)
            together = await reader.read(1 << 20)
        writer.close()
    assert together.count(b"event: poll") == 10
    sent = [json.loads(line[5:]) for line in together.split(b"\n") if line.startswith(b"data:")]
    assert [d["charger"] for d in sent if "endpoint" in d] == ["garage"] * 10
