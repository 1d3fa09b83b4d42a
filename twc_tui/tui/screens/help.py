"""Help: keys, what the states mean, the power-sharing limit, where the config lives."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from twc_tui.core.codes import STATES
from twc_tui.tui.look import safe

KEYS = [
    ("q, ctrl+c", "quit"),
    ("p, space", "pause the display (polling goes on; PAUSED shows in the title)"),
    ("r", "poll now (still never more than once per second per endpoint)"),
    ("t", "cycle the chart range: 5 min, 1 hour, 24 hours"),
    ("enter / escape", "open a charger's detail / back to the overview"),
    ("tab, 1-9", "switch charger"),
    ("s", "charging sessions from the history database"),
    ("?", "this help"),
    ("ctrl+p", "command palette: every action, and the theme"),
]

POWER_SHARING = (
    "With power sharing, only the leader joins your WiFi. Followers talk to the leader on a "
    "private 192.168.92.x network and cannot be polled, and the leader reports only its own "
    "data: no known local endpoint exposes the followers. Monitor the leader here; a "
    "follower's figures are only in Tesla's cloud (the Fleet API, used by services such as "
    "Tessie), which twc-tui does not use."
)


def help_content(config_path: str, history_note: str = "") -> Content:
    lines: list[Content] = [Content.styled("Keys", "bold $text-accent")]
    lines += [Content.assemble((f"  {k:<16}", "bold"), v) for k, v in KEYS]
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

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "twc-tui help"
            yield Static(help_content(self.config_path, self.history_note))
