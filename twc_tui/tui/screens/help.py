"""Help: keys, what the states mean, the power-sharing limit, where the config lives."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from twc_tui.core.codes import STATES
from twc_tui.tui.look import safe


def _keys_display(keys: list[str]) -> str:
    """``1, 2, 3`` reads better as ``1-3``."""
    if len(keys) > 2 and all(k.isdigit() for k in keys):
        return f"{keys[0]}-{keys[-1]}"
    return ", ".join(keys)


def key_lines(screen: Screen, app: App) -> list[Content]:
    """One line per action that can act on ``screen``, from its real bindings (and the
    app's), the way Textual's own key panel builds its list: keys that cannot act there are
    left out (``check_action``), several keys for one thing share a line."""
    by_what: dict[str, tuple[list[str], str]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        # Ours only: a focused panel's scroll keys and Textual's defaults are not news.
        ours = active.node is app or active.node is screen
        if binding.system or not active.enabled or not ours or binding.id is None:
            continue
        what = binding.tooltip or binding.description
        keys, _ = by_what.setdefault(what, ([], what))
        key = app.get_key_display(binding)
        if key not in keys:
            keys.append(key)
    lines = [Content.assemble((f"  {_keys_display(keys):<16}", "bold"), what)
             for keys, what in by_what.values()]
    if app.ENABLE_COMMAND_PALETTE:
        key = app.COMMAND_PALETTE_BINDING
        lines.append(Content.assemble((f"  {key:<16}", "bold"),
                                      "command palette: every action, and the theme"))
    return lines


POWER_SHARING = (
    "With power sharing, only the leader joins your WiFi. Followers talk to the leader on a "
    "private 192.168.92.x network and cannot be polled, and the leader reports only its own "
    "data: no known local endpoint exposes the followers. Monitor the leader here; a "
    "follower's figures are only in Tesla's cloud (the Fleet API, used by services such as "
    "Tessie), which twc-tui does not use."
)


def help_content(config_path: str, history_note: str = "",
                 keys: list[Content] | None = None) -> Content:
    lines: list[Content] = [Content.styled("Keys", "bold $text-accent")]
    lines += keys or []
    lines += [Content(""), Content.styled("Charger states (evse_state)", "bold $text-accent")]
    for code, state in sorted(STATES.items()):
        mark = ("verified", "$text-success") if state.verified else ("unverified", "$text-muted")
        lines.append(
            Content.assemble(
                (f"  {code:>2} {state.label:<24}", "bold"), (f"{mark[0]:<11}", mark[1]),
                state.description,
            )
        )
    lines += [
        Content("  Badges say what matters: CHARGING means the contactor is closed and current "
                "flows; DERATED means charging with an alert (40: hot handle, current halved)."),
        Content(""),
        Content.styled("Power sharing", "bold $text-accent"),
        Content("  " + POWER_SHARING),
        Content(""),
        Content.styled("Files", "bold $text-accent"),
        Content.assemble("  Config: ", (config_path, "bold"),
                         "  (twc-tui config init writes a commented example)"),
        Content.assemble("  History: ", safe(history_note, 100)),
        Content(""),
        Content.styled("escape or ? closes this help", "$text-muted"),
    ]
    return Content("\n").join(lines)


class HelpScreen(ModalScreen[None]):
    """A scrollable help overlay."""

    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="close-help"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 96%; max-width: 110; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, config_path: str, history_note: str = "") -> None:
        super().__init__()
        self.config_path = config_path
        self.history_note = history_note
        # Read before this screen is pushed: the app's check_action asks which screen is
        # on top, and once help is, keys such as v (cards/table) would look unable to act.
        app = self.app
        self._keys = key_lines(app.screen, app) if app.screen_stack else []

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "twc-tui help"
            yield Static(help_content(self.config_path, self.history_note, self._keys))
