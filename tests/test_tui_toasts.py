"""Alert toasts as the user sees them: one toast per charger per burst, one row per alert,
so a charger listing four alert codes does not bury an 80x24 screen under four toasts."""

from __future__ import annotations

from tests.test_tui_keys import screen_text, toast_text
from tests.test_tui_live import wait_for
from twc_tui.core.config import Settings
from twc_tui.core.targets import ChargerConfig
from twc_tui.engine.alert_rules import Notification
from twc_tui.sim.charger import SimulatedCharger, SimulatorFarm
from twc_tui.sim.faults import Faults
from twc_tui.tui.app import TwcApp
from twc_tui.tui.notices import alert_toast


async def test_a_charger_with_four_alert_codes_gets_one_toast_at_80x24() -> None:
    sims = [SimulatedCharger("na", scenario="charging", faults=Faults(hostile=True, seed=1),
                             name="evil-na"),
            SimulatedCharger("na", scenario="charging", name="Good")]
    async with SimulatorFarm(sims) as farm:
        app = TwcApp([ChargerConfig("127.0.0.1", s.port, name=s.name) for s in farm.chargers],
                     Settings())
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await wait_for(pilot, lambda: "evil-na: 4 alerts" in screen_text(app), 10.0)
            text = screen_text(app)
            lines = text.splitlines()
            assert text.count("Alert ") == 3, text  # three shown, one counted
            assert "and 1 more in the log" in text, text
            assert len(toast_text(app).splitlines()) <= 7, text  # title, 3, count, padding
            assert "charger alert" not in text  # not four titles, one per toast
            assert "\x1b" not in text and "[b]bold[/]" in text  # literal, never markup
            assert "Good" in lines[6]  # the second card is still in sight


async def test_a_burst_of_firing_and_resolving_says_both_in_one_title() -> None:
    app = TwcApp([ChargerConfig("127.0.0.1", 9, name="Garage")], Settings())
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.app.workers.wait_for_complete()
        toast = alert_toast(app)
        common = dict(charger="127.0.0.1:9", name="Garage", time=0.0)
        toast(Notification("handle hot", "warning", kind="handle_temp",
                           text="Handle at 71.0 °C (limit 70 °C)", **common))
        toast(Notification("grid voltage", "warning", kind="grid_voltage",
                           text="Grid at 208 V", resolved=True, **common))
        await wait_for(pilot, lambda: "Garage: 1 alert, 1 resolved" in screen_text(app), 3.0)
        text = screen_text(app)
        assert "Handle at 71.0 °C" in text and "Resolved: Grid at 208 V" in text, text
        # A lone notification keeps its own title.
        toast(Notification("reboot", "warning", kind="reboot", text="Rebooted", **common))
        await wait_for(pilot, lambda: "Garage: reboot" in screen_text(app), 3.0)


def _border_colour(app, title: str) -> object:  # type: ignore[no-untyped-def]
    """The colour of the left border on the row of the toast titled ``title``: what tells
    the user its severity at a glance."""
    for strip in app.screen._compositor.render_strips():
        text = "".join(segment.text for segment in strip)
        if title in text:
            return next(s.style.color for s in strip if s.text.startswith("▌"))
    raise AssertionError(f"no toast titled {title!r}")


async def test_a_merged_toast_takes_the_colour_of_its_worst_alert() -> None:
    app = TwcApp([ChargerConfig("127.0.0.1", 9, name="Garage")], Settings())
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        toast = alert_toast(app)

        def say(rule: str, severity: str, name: str = "Garage", resolved: bool = False,
                ) -> None:
            toast(Notification(rule, severity, f"{name}:9", name, "handle_temp",
                               f"{rule} happened", 0.0, resolved=resolved))

        say("hot", "critical", name="A")
        say("warm", "warning", name="B")
        say("over", "warning", name="C", resolved=True)
        await wait_for(pilot, lambda: "C: over" in screen_text(app), 3.0)
        critical, warning = _border_colour(app, "A: hot"), _border_colour(app, "B: warm")
        assert critical != warning
        resolved = _border_colour(app, "C: over")
        app.clear_notifications()
        say("warm", "warning")
        say("hot", "critical")
        say("over", "warning", resolved=True)
        say("cool", "info")
        await wait_for(pilot, lambda: "Garage: 3 alerts, 1 resolved" in screen_text(app), 3.0)
        assert _border_colour(app, "Garage: 3 alerts") == critical
        assert toast_text(app).index("hot happened") < toast_text(app).index("warm happened")
        app.clear_notifications()
        say("over", "warning", resolved=True)
        say("gone", "critical", resolved=True)
        await wait_for(pilot, lambda: "Garage: 2 resolved" in screen_text(app), 3.0)
        assert _border_colour(app, "Garage: 2 resolved") == resolved
