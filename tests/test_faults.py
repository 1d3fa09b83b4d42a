"""The fault matrix at the poller + state level, over real loopback sockets.

Each case breaks one charger while a healthy one is polled alongside it, then heals it. For
every case: the broken charger shows ERROR or OFFLINE with a reason a person can read, keeps
its last good data with its age, the healthy charger keeps its cadence, and the broken one
recovers within one backoff step of the fault clearing. Faults a real unit's quirks produce
(truncated JSON, wrong types, missing or extra fields) are tolerated: data, not failures.

The client's mapping of each fault to a typed error is covered in test_client.py; this file
is about what the monitor does with it over time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import socket
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import pytest

from tests.fault_rig import FAST, PATIENT, UNREADABLE, Rig
from twc_tui.core import units
from twc_tui.core.client import ChargerClient, Timeouts
from twc_tui.sim.faults import Faults

Step = Callable[[Rig], Awaitable[None]]

PATIENCE = 3600.0
"""Simulated seconds to wait for what must happen (3 real minutes at speed 20): a deadline
for a hang, not a measure of speed, which a loaded machine would fail."""


@contextlib.contextmanager
def full_backlog() -> Iterator[int]:
    """A port whose accept queue is full, so a SYN gets no answer: a connect timeout on
    loopback (Linux drops SYNs for a full queue rather than refusing them)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    try:
        yield port
    finally:
        for s in (*fillers, listener):
            s.close()


def faults(**kw: object) -> tuple[Step, Step]:
    async def on(rig: Rig) -> None:
        rig.subject.sim.faults = Faults(seed=3, **kw)  # type: ignore[arg-type]

    async def off(rig: Rig) -> None:
        rig.subject.sim.faults = Faults()

    return on, off


def redirect(host: str, port: Callable[[Rig], int] | None = None) -> tuple[Step, Step]:
    """Point the subject's poller at another address (a name that stops resolving, a host
    that stops answering SYNs), then back."""
    saved: dict[str, ChargerClient] = {}

    async def on(rig: Rig) -> None:
        poller = rig.subject.poller
        saved["client"] = poller.client
        poller.client = ChargerClient(rig.http, host, port(rig) if port else 80,  # type: ignore[arg-type]
                                      rig.timeouts)

    async def off(rig: Rig) -> None:
        rig.subject.poller.client = saved["client"]

    return on, off


async def _offline(rig: Rig) -> None:
    await rig.subject.sim.go_offline()


async def _back(rig: Rig) -> None:
    await rig.subject.sim.come_back()


@dataclass(frozen=True)
class Case:
    name: str
    steps: tuple[Step, Step]
    reason: str
    """Words the reason must contain."""
    timeouts: Timeouts = PATIENT
    """The subject's: short only where the case is a timeout."""


BACKLOG: dict[str, int] = {}

FAILING = [
    Case("connection refused", (_offline, _back), "connection refused"),
    Case("unresolvable host", redirect("nonexistent.invalid"), "cannot resolve host name"),
    Case("connect timeout", redirect("127.0.0.1", lambda rig: BACKLOG["port"]),
         "timed out after 0.25 s connecting", FAST),
    # "First byte after 20 s" against a 15 s read timeout, scaled: 0.6 s against 0.25 s.
    Case("read timeout", faults(stall_s=0.6), "timed out after 0.25 s waiting for /api/1/vitals",
         FAST),
    Case("HTTP 500", faults(status=500), "HTTP 500 from /api/1/vitals"),
    Case("HTTP 404", faults(status=404), "HTTP 404 from /api/1/vitals"),
    Case("HTTP 503", faults(status=503), "HTTP 503 from /api/1/vitals"),
    Case("HTML body", faults(html=True), "invalid JSON from /api/1/vitals"),
    Case("empty body", faults(empty=True), "an empty body from /api/1/vitals"),
    Case("garbage bytes", faults(garbage=True), "invalid JSON from /api/1/vitals"),
    Case("body over the cap", faults(oversize=True), "256 KiB cap"),
    Case("JSON array", faults(wrong_shape="array"), "not a JSON object"),
    Case("JSON string", faults(wrong_shape="string"), "not a JSON object"),
    Case("reset mid-body", faults(reset_rate=1.0), "dropped during /api/1/vitals"),
]


@pytest.mark.parametrize("case", FAILING, ids=[c.name for c in FAILING])
async def test_a_failing_charger_says_why_keeps_its_data_and_recovers(case: Case) -> None:
    with full_backlog() as port:
        BACKLOG["port"] = port
        async with Rig(timeouts=case.timeouts) as rig:
            await rig.settled()
            subject, healthy = rig.subject, rig.healthy
            broken_at = rig.now()
            await case.steps[0](rig)

            await rig.wait_for(lambda: subject.state.health == "offline", PATIENCE,
                               f"{case.name}: subject offline")
            offline_at = rig.now()
            await rig.run_for(3)
            state = subject.state
            # The truth, in words.
            assert state.health == "offline"
            reason = state.last_error or ""
            assert case.reason in reason, reason
            assert not UNREADABLE.search(reason), reason
            assert any(e.kind == "offline" and case.reason in e.text for e in state.log)
            # Last good data kept, with its age: the last answer before the first failure
            # (one under way as it broke may land a moment after broken_at).
            first_failure = subject.failures(broken_at)[0]
            kept = subject.successes()[-1]
            assert kept.at <= first_failure.at
            assert state.vitals is kept.payload and state.updated["vitals"] == kept.at
            now = rig.now()
            assert state.age(now) == pytest.approx(now - kept.at)
            assert state.age(now) >= now - first_failure.at
            # Only vitals probe a failing charger.
            assert {f.endpoint for f in subject.failures(broken_at)} == {"vitals"}
            # The healthy charger went on answering while the subject was offline, never
            # failing. (Its exact cadence is test_poller.py's; a count per scaled second
            # here would measure how loaded the machine is.)
            await rig.wait_for(lambda: len(healthy.successes(since=offline_at)) >= 3,
                               PATIENCE, "the healthy charger answering on")
            assert not healthy.failures()
            assert healthy.state.health == "online"

            healed_wall = rig.now()
            await case.steps[1](rig)
            await rig.wait_for(lambda: subject.state.health == "online", PATIENCE,
                               f"{case.name}: subject back online")
            # Recovery within one backoff step, checked on the poller's own schedule rather
            # than a tolerance on scaled real time (which a loaded machine stretches): at
            # most the attempt already under way fails, and the next one is answered after
            # waiting out the step in force, never over 60 s.
            first = subject.successes(since=healed_wall)[0]
            late = subject.failures(healed_wall)
            assert len(late) <= 1 and all(f.at <= first.at for f in late), late
            last = [f for f in subject.failures() if f.at <= first.at][-1]
            assert last.retry_in_s <= 60.0
            assert subject.sent_at(first) - subject.sent_at(last) >= last.retry_in_s
            assert state.last_error is None
            assert any(e.kind == "online" for e in state.log)
            # Recovery refetches the other endpoints at once: they are the very next
            # requests, ahead of the next vitals.
            await rig.wait_for(lambda: all(state.updated[e] > first.at for e in (
                "lifetime", "wifi_status", "version")), PATIENCE,
                "the rest refetched after recovery")
            after = subject.events[subject.events.index(first) + 1:][:3]
            assert {e.endpoint for e in after} == {"lifetime", "wifi_status", "version"}


TOLERATED = [
    Case("truncated JSON", faults(truncate_rate=1.0), ""),
    Case("wrong types", faults(wrong_types=True), ""),
    Case("missing fields", faults(missing_fields=True), ""),
    Case("extra fields", faults(extra_fields=True), ""),
]


@pytest.mark.parametrize("case", TOLERATED, ids=[c.name for c in TOLERATED])
async def test_quirky_answers_are_data_not_failures(case: Case) -> None:
    async with Rig() as rig:
        await rig.settled()
        subject = rig.subject
        since = rig.now()
        await case.steps[0](rig)
        await rig.run_for(8)
        # A few answers with the quirk in (waited for: on a loaded machine 8 scaled
        # seconds may hold none at the 5 s idle cadence).
        await rig.wait_for(lambda: len(subject.successes(since=since)) >= 2, PATIENCE,
                           f"{case.name}: answers with the quirk")
        assert not subject.failures(since), subject.failures(since)[0].error
        assert subject.state.health == "online"
        fresh = subject.successes(since=since)
        assert fresh  # missing or unreadable vehicle_connected: the idle cadence
        latest = fresh[-1].payload
        if case.name == "truncated JSON":
            assert latest.vehicle_current_a is not None  # repaired, every field there
        elif case.name == "extra fields":
            assert "evse_future_mode" in latest.extra
            assert latest.vehicle_current_a is not None
        elif case.name == "wrong types":
            assert latest.notes  # says what it could not read
        else:
            values = [getattr(latest, f.name) for f in dataclasses.fields(latest)]
            assert None in values and len([v for v in values if v is not None]) >= 10


async def test_a_reboot_is_noticed_and_the_session_counters_reset() -> None:
    async with Rig() as rig:
        await rig.settled()
        subject = rig.subject
        await rig.run_for(20)  # some uptime and session energy to lose
        before = subject.state.vitals
        assert before is not None and before.uptime_s and before.session_energy_wh
        version_requests = sum(r.path == "/api/1/version" for r in subject.sim.log)
        since = rig.now()
        subject.sim.reboot()
        await rig.wait_for(lambda: any(e.kind == "reboot" for e in subject.state.log),
                           PATIENCE, "reboot event")
        after = subject.state.vitals
        assert after.uptime_s < before.uptime_s
        assert after.session_energy_wh < before.session_energy_wh
        assert subject.state.health == "online" and not subject.failures(since)
        entry = next(e for e in subject.state.log if e.kind == "reboot")
        assert entry.level == "warning" and "rebooted" in entry.text
        # A reboot may bring new firmware: version is asked again at once, the request
        # right after the answer that showed the reboot (ahead of the next vitals).
        await rig.wait_for(lambda: sum(r.path == "/api/1/version" for r in subject.sim.log)
                           > version_requests and subject.state.updated["version"] > since,
                           PATIENCE, "version refetched after reboot")
        rebooted = next(e for e in subject.successes(since=since)
                        if e.payload.uptime_s < before.uptime_s)
        assert subject.events[subject.events.index(rebooted) + 1].endpoint == "version"
        assert not rig.healthy.failures()


async def test_gone_for_ten_minutes_then_back() -> None:
    async with Rig(speed=150, healthy_scenario="idle") as rig:
        await rig.settled()
        subject, healthy = rig.subject, rig.healthy
        went = rig.now()
        await subject.sim.go_offline()
        # Once a probe has failed nothing is left in flight (one request at a time), so what
        # it shows now is the last good data; an answer under way as it went may land after
        # go_offline() returns on a loaded machine.
        await rig.wait_for(lambda: subject.failures(went), PATIENCE, "the first failed probe")
        good = subject.state.vitals
        gone = rig.now()
        await rig.run_for(600)
        state = subject.state
        assert state.health == "offline" and state.vitals is good
        assert state.age(rig.now()) >= 590
        assert "connection refused" in (state.last_error or "")
        attempts = subject.failures(went)
        # Backoff 1, 1.6, 2.56 ... capped at 60 s, as the poller announced it, each step
        # waited out in full: about 15 attempts in 10 minutes, not 600, and never more
        # than that schedule fits in the time that actually passed (a loaded machine
        # stretches this scaled clock; the exact gaps are test_poller.py's).
        assert [f.retry_in_s for f in attempts] == pytest.approx(
            [min(60.0, 1.6 ** n) for n in range(len(attempts))]), attempts
        assert max(f.retry_in_s for f in attempts) == 60.0
        assert all(subject.sent_at(b) - subject.sent_at(a) >= a.retry_in_s
                   for a, b in itertools.pairwise(attempts))
        fits = sum(1 for t in itertools.accumulate(min(60.0, 1.6 ** n) for n in range(400))
                   if t <= rig.clock.monotonic() - subject.sent_at(attempts[0]))
        assert len(attempts) <= fits + 1, (len(attempts), fits)
        # The healthy (idle) charger went on at its 5 s cadence, never failing: 60
        # answers, half of ten minutes' worth, waited for rather than counted.
        await rig.wait_for(lambda: len(healthy.successes(since=gone)) >= 60, PATIENCE,
                           "the healthy charger answering on")
        assert not healthy.failures()

        since = state.offline_since
        assert since is not None
        last_good = state.updated["vitals"]
        healed = rig.now()
        await subject.sim.come_back()
        await rig.wait_for(lambda: state.health == "online", PATIENCE, "back after the outage")
        # Recovery within one backoff step, checked on the poller's own schedule rather than
        # a real-time tolerance (this rig runs on scaled real time, where a loaded machine
        # adds lag): the first probe after healing is answered, and it waited out the step
        # in force, never more than 60 s. The exact gaps are test_poller.py's, on a
        # VirtualClock.
        first = subject.successes(since=healed)[0]
        assert not subject.failures(healed), subject.failures(healed)
        last = subject.failures(gone)[-1]
        assert last.retry_in_s <= 60.0
        assert subject.sent_at(first) - subject.sent_at(last) >= last.retry_in_s
        back = next(e for e in state.log if e.kind == "online")
        # Offline from the third failure (~2.6 s after it went) until that first answer,
        # which came after the ten minutes it was gone. The message counts from the last
        # good answer, which is what the user went without.
        assert back.at == pytest.approx(first.at, abs=1e-6)
        assert back.at >= healed >= went + 600 and since < healed
        assert back.text == f"Back online after {units.duration(back.at - last_good)} offline"
