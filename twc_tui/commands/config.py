"""``twc-tui config path|init|check``: where the config file lives, a commented starter, and a
strict check of it.

``path`` prints only the location on stdout so scripts can use ``$(twc-tui config path)``;
remarks go to stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from twc_tui.commands.args import Parser
from twc_tui.core.config import ConfigError, default_config_path, load_settings
from twc_tui.core.config_example import EXAMPLE

EPILOG = """\
The file lives in the user config directory ($XDG_CONFIG_HOME/twc-tui/config.toml, usually
~/.config/twc-tui/config.toml); --config PATH uses another file. Flags given to the other
commands override what the file says.

examples:
  twc-tui config path                 where the file is (or would be)
  twc-tui config init                 write a commented example there
  twc-tui config init --force         overwrite an existing file with the example
  twc-tui config check                validate it and list the chargers
  $EDITOR "$(twc-tui config path)"
"""


def build_parser() -> argparse.ArgumentParser:
    # --config is accepted before and after the action; SUPPRESS keeps the sub-parser's
    # absent flag from overwriting the one given before it.
    common = Parser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS,
                        help="use this file instead of the default location")
    parser = Parser(
        prog="twc-tui config", parents=[common],
        description="Find, create and check the twc-tui config file.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("path", parents=[common], help="print the config file's location",
                       description="Print the config file's location (it may not exist yet).")
    init = actions.add_parser("init", parents=[common], help="write a commented example file",
                              description="Write a commented example config file, creating "
                              "its directory. Refuses to overwrite without --force.")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    actions.add_parser("check", parents=[common], help="validate the file and summarise it",
                       description="Validate the config file strictly; exit 2 naming the "
                       "file, line and key of the first problem.")
    return parser


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    given = getattr(args, "config", None)
    path = Path(given).expanduser() if given else default_config_path()
    if args.action == "path":
        print(path)
        if not path.exists():
            print("(no file there yet; `twc-tui config init` writes one)", file=sys.stderr)
        return 0
    if args.action == "init":
        return _init(path, args.force)
    return _check(path)


def _init(path: Path, force: bool) -> int:
    if path.exists() and not force:
        print(f"twc-tui config init: {path} already exists; use --force to overwrite it",
              file=sys.stderr)
        return 2
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, EXAMPLE)
    except OSError as error:
        print(f"twc-tui config init: cannot write {path}: {error.strerror or error}",
              file=sys.stderr)
        return 2
    print(f"wrote {path}")
    print("edit the [[chargers]] host to your Wall Connector's IP address, then run: twc-tui")
    return 0


def _write_atomically(path: Path, text: str) -> None:
    """Write beside the target and rename, so an interrupted init never leaves half a file
    (which the strict loader would then reject)."""
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def theme_problem(theme: str) -> str | None:
    """Why ``theme`` cannot be used, or None. Here and not in core/config.py: the names are
    Textual's, and core never imports Textual."""
    from textual.theme import BUILTIN_THEMES

    if theme in BUILTIN_THEMES:
        return None
    return f"unknown theme {theme!r} (known: {', '.join(sorted(BUILTIN_THEMES))})"


def _check(path: Path) -> int:
    try:
        settings = load_settings(path)
    except ConfigError as error:
        print(f"twc-tui config check: {error}", file=sys.stderr)
        return 2
    problem = theme_problem(settings.theme)
    if problem:
        print(f"twc-tui config check: {path}: display.theme: {problem}", file=sys.stderr)
        return 2
    print(f"{path}: OK")
    if not settings.chargers:
        print("  no [[chargers]] listed")
    for charger in settings.chargers:
        extras = [f"phase_mode {charger.phase_mode}"]
        if charger.max_current_a is not None:
            extras.append(f"max {charger.max_current_a:g} A")
        name = charger.name or "(no name)"
        print(f"  charger {name!r} at {charger.id} ({', '.join(extras)})")
    poll, t = settings.poll, settings.timeouts
    print(f"  polling: vitals every {poll.vitals_active_s:g} s plugged in, "
          f"{poll.vitals_idle_s:g} s idle; timeouts {t.connect:g} s connect, {t.read:g} s read")
    return 0
