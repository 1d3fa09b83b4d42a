"""A monitor attached to a hub (the terminal over SSH, every browser tab) runs no alerts of
its own: what the hub's alerts say must reach it. Over real loopback sockets: a rule firing
in the hub is a toast in the attached monitor, the hub's derate forecast is on its Detail
screen, and a line the hub logged of its own (a sink given up on) is in its event log."""

from __future__ import annotations

from tests.hub_rig import HubRig
from tests.test_alert_kit import Receiver
from tests.test_tui_keys import screen_text, toast_text
from tests.test_tui_live import wait_for
from twc_tui.core.alert_config import DEFAULT_RULES, Alerting
from twc_tui.core.config import Settings
from twc_tui.core.sink_config import Sink
from twc_tui.engine.charger_state import LogEntry
from twc_tui.hub.remote import RemoteEngine
from twc_tui.sim.charger import SimulatedCharger
from twc_tui.tui.app import TwcApp


async def _attached(rig: HubRig) -> TwcApp:
    remote = RemoteEngine(rig.url, Settings())
    await remote.load()
    return TwcApp(remote.chargers, Settings(), engine=remote)


async def test_the_hubs_alerts_reach_an_attached_monitor() -> None:
    async with Receiver() as rx:
        settings = Settings(alerting=Alerting(
            DEFAULT_RULES, (Sink("hook", "webhook", url=rx.url("/hook")),)))
        sim = SimulatedCharger("na", scenario="charging", name="Garage")
        async with HubRig([sim], settings=settings, proxies=False) as rig:
            hub_state = next(iter(rig.engine.states.values()))
            await rig.wait_for(lambda: hub_state.vitals is not None, what="the first poll")
            alerts = rig.engine.alerts
            assert alerts is not None
            # The forecast itself is test_alerts_edges' business; here, that the hub's
            # figure is what the attached Detail screen says.
            alerts.forecast_minutes = lambda charger: 12  # type: ignore[method-assign]
            app = await _attached(rig)
            async with app.run_test(size=(120, 90), notifications=True) as pilot:
                await wait_for(pilot, lambda: "derate in about 12 min" in screen_text(app), 6.0)
                sim.reboot()
                # Its toast: the reboot's own, or one shared with the session it stopped.
                await wait_for(pilot, lambda: "Charger rebooted" in toast_text(app), 10.0)
                await rx.wait_for(lambda: rx.attempts >= 1)  # and the hub's sink had it too
                rig.engine.note(LogEntry(rig.engine.clock.time(), hub_state.charger,
                                         "notify_failed", "Could not notify hook of 'x': down",
                                         "warning"))
                # The Detail screen's event log, below the charts (its lines cut to fit).
                await wait_for(pilot, lambda: "Could not notify" in screen_text(app), 5.0)
