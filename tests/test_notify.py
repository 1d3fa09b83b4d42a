"""The sinks over real sockets: ntfy's publish format, the webhook's JSON, retries and giving
up, a command sink without a shell, and a hanging sink that never delays polling."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from tests.test_alert_kit import Receiver, engine_for
from twc_tui.core.cadence import PollSettings
from twc_tui.core.clock import ScaledClock
from twc_tui.core.sink_config import Sink
from twc_tui.engine.alert_rules import Notification
from twc_tui.engine.notify import Dispatcher
from twc_tui.sim.charger import SimulatedCharger

HOSTILE = "[b]Garage[/b]\x1b]0;pwned\x07 ünïcode"


def note(**kw: object) -> Notification:
    base: dict[str, object] = dict(rule="handle hot", severity="warning", charger="127.0.0.1:80",
                                   name="Garage", kind="handle_temp",
                                   text="Handle at 71.2 °C (limit 70 °C)", time=1_795_000_000.0,
                                   values={"handle_c": 71.2, "limit_c": 70.0})
    base.update(kw)
    return Notification(**base)  # type: ignore[arg-type]


async def deliver_all(sinks: list[Sink], notes: list[Notification], until, backoff_s=0.01,
                      gave_up: list | None = None) -> Dispatcher:  # type: ignore[no-untyped-def]
    dispatcher = Dispatcher(sinks, (lambda n, s, why: gave_up.append((n, s, why)))
                            if gave_up is not None else None, backoff_s=backoff_s)
    dispatcher.start()
    try:
        for n in notes:
            dispatcher.submit(n)
        async with asyncio.timeout(10):
            while not until(dispatcher):
                await asyncio.sleep(0.01)
    finally:
        await dispatcher.stop()
    return dispatcher


async def test_ntfy_publish_format_with_token() -> None:
    async with Receiver() as rx:
        sink = Sink("phone", "ntfy", url=rx.url("/twc-garage"), token="tk_secret")
        await deliver_all([sink], [note(), note(resolved=True, severity="critical")],
                          lambda d: d.delivered == 2)
    first, second = rx.received
    assert first.path == "/twc-garage"
    assert first.text == "Handle at 71.2 °C (limit 70 °C)"  # the text is the body
    assert first.headers["Title"] == "Garage: handle hot"
    assert first.headers["Priority"] == "4" and first.headers["Tags"] == "warning,electric_plug"
    assert first.headers["Authorization"] == "Bearer tk_secret"
    assert second.headers["Title"] == "Resolved: Garage: handle hot"
    assert second.headers["Tags"].startswith("white_check_mark")


async def test_ntfy_title_with_non_ascii_name_is_rfc2047_encoded() -> None:
    from email.header import decode_header, make_header

    async with Receiver() as rx:
        sink = Sink("phone", "ntfy", url=rx.url())
        await deliver_all([sink], [note(name="Garáge")], lambda d: d.delivered == 1)
    title = rx.received[0].headers["Title"]
    assert title.startswith("=?utf-8?")
    assert str(make_header(decode_header(title))) == "Garáge: handle hot"


async def test_webhook_json_has_exactly_the_issue_fields_and_headers() -> None:
    async with Receiver() as rx:
        sink = Sink("hook", "webhook", url=rx.url("/hook"), headers={"X-Key": "k1"})
        await deliver_all([sink], [note()], lambda d: d.delivered == 1)
    got = rx.received[0]
    assert got.headers["X-Key"] == "k1"
    body = got.json
    assert set(body) == {"rule", "severity", "charger", "name", "kind", "text", "time",
                         "resolved", "values"}
    assert body["rule"] == "handle hot" and body["resolved"] is False
    assert body["values"] == {"handle_c": 71.2, "limit_c": 70.0}
    assert body["time"].startswith("2026-11-18T")  # ISO 8601 with its offset


async def test_retries_with_backoff_then_gives_up_once() -> None:
    gave_up: list = []
    async with Receiver() as rx:
        rx.fail_next = 2
        sink = Sink("hook", "webhook", url=rx.url(), retries=3)
        await deliver_all([sink], [note()], lambda d: d.delivered == 1)
        assert rx.attempts == 3 and len(rx.received) == 1  # two 500s, then delivered
        rx.fail_next = 100
        rx.attempts = 0
        sink = Sink("hook", "webhook", url=rx.url(), retries=2)
        await deliver_all([sink], [note()], lambda d: d.failed == 1, gave_up=gave_up)
        assert rx.attempts == 3
    (_, s, why), = gave_up
    assert s.name == "hook" and "HTTP 500" in why and "3 attempts" in why


async def test_command_sink_gets_env_and_json_without_a_shell(tmp_path: Path) -> None:
    out = tmp_path / "got.json"
    script = ("import json, os, sys; d = json.load(sys.stdin); "
              "d['env'] = {k: v for k, v in os.environ.items() if k.startswith('TWC_')}; "
              f"open({str(out)!r}, 'w').write(json.dumps(d))")
    # A name with shell syntax in it reaches the program as plain data.
    sink = Sink("cmd", "command", command=(sys.executable, "-c", script), timeout_s=10)
    await deliver_all([sink], [note(name=HOSTILE + "; rm -rf /")], lambda d: d.delivered == 1)
    got = json.loads(out.read_text())
    assert got["rule"] == "handle hot" and got["name"] == HOSTILE + "; rm -rf /"
    assert got["env"]["TWC_RULE"] == "handle hot" and got["env"]["TWC_RESOLVED"] == "false"
    assert json.loads(got["env"]["TWC_VALUES"]) == {"handle_c": 71.2, "limit_c": 70.0}


async def test_command_sink_is_killed_at_its_time_limit(tmp_path: Path) -> None:
    marker = tmp_path / "still-running"
    script = f"import time; time.sleep(30); open({str(marker)!r}, 'w').write('x')"
    sink = Sink("slow", "command", command=(sys.executable, "-c", script), timeout_s=0.5,
                retries=0)
    gave_up: list = []
    await deliver_all([sink], [note()], lambda d: d.failed == 1, gave_up=gave_up)
    assert "no answer within 0.5 s" in gave_up[0][2]
    await asyncio.sleep(0.2)
    assert not marker.exists()


async def test_a_sink_that_hangs_60_s_never_delays_polling() -> None:
    speed = 20.0
    clock = ScaledClock(speed)
    poll = PollSettings(vitals_active_s=2, vitals_idle_s=2)
    async with Receiver() as rx:
        rx.hang_s = 60.0
        sim = SimulatedCharger("na", scenario="charging", seed=1, clock=clock, name="Garage")
        await sim.start()
        hook = Sink("stuck", "webhook", url=rx.url(), timeout_s=30, retries=3)
        engine = engine_for([sim], clock, (hook,), poll)
        try:
            await engine.start()
            await asyncio.sleep(0.5)
            assert engine.alerts is not None
            for i in range(20):  # a backlog, all stuck behind the first
                engine.alerts.emit(note(charger=engine.chargers[0].id, rule=f"r{i}"))
            start = len(sim.log)
            await asyncio.sleep(2.0)  # 40 simulated seconds: about 20 vitals polls
            vitals = [r for r in list(sim.log)[start:] if r.path == "/api/1/vitals"]
            assert rx.attempts >= 1 and not rx.received  # the sink is hanging
            # The cadence held: one poll per 2 simulated s, give or take latency.
            assert len(vitals) >= 15
        finally:
            await engine.stop()
            await sim.stop()
