"""Entry point: dispatch a subcommand, or run the monitor.

Subcommands live in ``twc_tui.commands.<name>`` and are imported only when used, so
``twc-tui status`` never pays for importing Textual.
"""

from __future__ import annotations

import difflib
import importlib
import sys

COMMANDS: dict[str, str] = {
    "simulate": "twc_tui.commands.simulate",
    "status": "twc_tui.commands.status",
    "config": "twc_tui.commands.config",
    "discover": "twc_tui.commands.discover",
    "record": "twc_tui.commands.record",
    "serve": "twc_tui.commands.serve",
    "sessions": "twc_tui.commands.sessions",
    "export": "twc_tui.commands.export",
    "alerts": "twc_tui.commands.alerts",
    "web": "twc_tui.commands.web",
}
"""Subcommand name to the module whose ``main(argv) -> int`` runs it."""


def _typo(word: str) -> str | None:
    """The command ``word`` was probably meant to be. Host names contain dots, and an IP or
    ``host:port`` never looks like a command, so only bare words close to a name count."""
    if word.startswith("-") or any(c in word for c in ".:=[/"):
        return None
    match = difflib.get_close_matches(word.lower(), COMMANDS, n=1, cutoff=0.75)
    return match[0] if match else None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        if args and args[0] in COMMANDS:
            try:
                module = importlib.import_module(COMMANDS[args[0]])
            except ModuleNotFoundError as error:
                if error.name != COMMANDS[args[0]]:
                    raise
                print(f"twc-tui: the {args[0]!r} command is not available in this version",
                      file=sys.stderr)
                return 2
            return int(module.main(args[1:]) or 0)
        if args and (meant := _typo(args[0])) is not None:
            print(f"twc-tui: unknown command {args[0]!r}; did you mean {meant!r}? "
                  "(twc-tui --help lists the commands)", file=sys.stderr)
            return 2
        from twc_tui.commands import monitor

        return int(monitor.main(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `twc-tui status | head -1`: the reader left; say nothing more, and stop Python
        # from complaining about the unflushed stdout at exit.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
