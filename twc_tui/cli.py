"""Entry point: dispatch a subcommand, or run the monitor.

Subcommands live in ``twc_tui.commands.<name>`` and are imported only when used, so
``twc-tui status`` never pays for importing Textual.
"""

from __future__ import annotations

import importlib
import sys

COMMANDS: dict[str, str] = {
    "simulate": "twc_tui.commands.simulate",
    "status": "twc_tui.commands.status",
    "config": "twc_tui.commands.config",
    "discover": "twc_tui.commands.discover",
    "record": "twc_tui.commands.record",
    "sessions": "twc_tui.commands.sessions",
    "export": "twc_tui.commands.export",
}
"""Subcommand name to the module whose ``main(argv) -> int`` runs it."""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        if args and args[0] in COMMANDS:
            module = importlib.import_module(COMMANDS[args[0]])
            return int(module.main(args[1:]) or 0)
        from twc_tui.commands import monitor

        return int(monitor.main(args) or 0)
    except KeyboardInterrupt:
        return 130
