"""Keys and screens, driven with Pilot over scripted state (no network, fixed clock)."""

from __future__ import annotations

from textual.widgets import Static

from tests.tui_scenario import HOSTILE, NA_VITALS, NOW, make_app, success
from twc_tui.tui.screens.detail import DetailScreen
from twc_tui.tui.screens.help import HelpScreen
from twc_tui.tui.screens.overview import OverviewScreen
from twc_tui.tui.widgets.charger_card import ChargerCard


def screen_text(app) -> str:  # type: ignore[no-untyped-def]
    """Everything on screen as plain text."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def toast_text(app) -> str:  # type: ignore[no-untyped-def]
    """What the toasts on screen say: the rows behind a toast's left border ("▌")."""
    return "\n".join(line.split("▌", 1)[1] for line in screen_text(app).splitlines()
                     if "▌" in line)


async def test_overview_is_default_with_several_chargers_and_detail_with_one() -> None:
    async with make_app(3).run_test(size=(80, 24)) as pilot:
        assert isinstance(pilot.app.screen, OverviewScreen)
        assert len(pilot.app.screen.query(ChargerCard)) == 3
    async with make_app(1).run_test(size=(80, 24)) as pilot:
        assert isinstance(pilot.app.screen, DetailScreen)


async def test_enter_escape_tab_and_number_keys() -> None:
    app = make_app(3)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen) and app.screen.index == 0
        assert "Garage" in screen_text(app)
        await pilot.press("tab")
        assert app.screen.index == 1 and "Driveway" in screen_text(app)
        await pilot.press("3")
        assert app.screen.index == 2 and "OFFLINE" in screen_text(app)
        await pilot.press("shift+tab")
        assert app.screen.index == 1
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)
        await pilot.press("2")
        assert isinstance(app.screen, DetailScreen) and app.screen.index == 1


async def test_pause_freezes_the_display_but_not_the_state() -> None:
    app = make_app(1)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("p")
        assert app.paused and "PAUSED" in app.sub_title
        charger = next(iter(app.states))
        app.apply_event(success(charger, "vitals", {**NA_VITALS, "vehicle_current_a": 12.3},
                                NOW + 1))
        await pilot.pause()
        assert app.states[charger].vitals.vehicle_current_a == 12.3  # collected
        assert "12.3 A" not in screen_text(app)  # not shown
        await pilot.press("space")
        await pilot.pause()
        assert not app.paused and "12.3 A" in screen_text(app)


async def test_t_cycles_the_time_range() -> None:
    app = make_app(1)
    async with app.run_test(size=(120, 40)) as pilot:
        seen = []
        for _ in range(3):
            await pilot.press("t")
            seen.append(app.time_range)
        assert seen == ["1h", "24h", "5m"]
        assert "range 5m" in app.sub_title


async def test_help_opens_and_closes() -> None:
    app = make_app(3)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one(Static).render())
        assert "Power sharing" in text and "config.toml" in text and "verified" in text
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)


async def test_q_quits() -> None:
    app = make_app(1)
    async with app.run_test() as pilot:
        await pilot.press("q")
    assert app.return_code == 0


async def test_hostile_strings_render_literally_on_every_screen() -> None:
    app = make_app(3, hostile=True)
    async with app.run_test(size=(160, 50)) as pilot:
        for keys in ([], ["enter"], ["question_mark"]):
            for key in keys:
                await pilot.press(key)
            await pilot.pause()
            text = screen_text(app)
            assert "\x1b" not in text and "\x07" not in text and "\x00" not in text
        await pilot.press("escape")
        await pilot.pause()
        text = screen_text(app)
        assert "[b]bold[/]" in text  # markup shown as typed, not parsed
        assert "␛" in text  # ESC made visible
        assert "A" * 200 not in text  # 400 A's were cut with an ellipsis
        assert app.is_running  # [@click=app.quit] did not quit
        assert HOSTILE not in text
