"""Argument types shared by the subcommands: one readable line per bad value (argparse turns a
raised ``ArgumentTypeError`` into that line plus usage, and exit code 2)."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable


def number(
    low: float | None = None,
    high: float | None = None,
    *,
    what: str = "value",
    unit: str = "",
    low_inclusive: bool = True,
) -> Callable[[str], float]:
    """A float within [low, high] (or (low, high] with ``low_inclusive=False``)."""
    suffix = f" {unit}" if unit else ""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a number, not {text!r}") from None
        if not math.isfinite(value):  # float() takes "inf" and "nan"; no option means them
            raise argparse.ArgumentTypeError(f"{what} must be a finite number, not {text}")
        too_low = low is not None and (value < low if low_inclusive else value <= low)
        if too_low or (high is not None and value > high) or value != value:
            bounds = f"between {low:g} and {high:g}" if low is not None and high is not None \
                else f"at least {low:g}" if low is not None else f"at most {high:g}"
            if not low_inclusive:
                bounds = bounds.replace("between", "above").replace(" and ", " and at most ")
            raise argparse.ArgumentTypeError(f"{what} must be {bounds}{suffix}, not {text}")
        return value

    return parse


def interval(text: str) -> float:
    """A polling interval: the charger's web server must not be asked more than once a second."""
    value = number(high=86400, what="interval", unit="s")(text)
    if value < 1.0:
        raise argparse.ArgumentTypeError(
            f"{value:g} s is too fast: the charger's web server must not be polled more than "
            "once per second"
        )
    return value


timeout = number(0.1, 120, what="timeout", unit="s")
"""A connect timeout in seconds; reads wait three times as long."""


class Parser(argparse.ArgumentParser):
    """Every subcommand's parser: a usage error is one line on stderr and exit 2, without
    argparse's usage block (its subparsers are made of this class too)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"{self.prog}: {message} ({self.prog} --help shows the options)", file=sys.stderr)
        sys.exit(2)


def hub_options(parser: argparse.ArgumentParser, *, hub: str, direct: str) -> None:
    """``--hub URL``, ``--direct`` and ``--token-file PATH``, as ``hub.attach.choose_hub``
    reads them; ``hub`` and ``direct`` say what they mean for this command."""
    parser.add_argument("--hub", metavar="URL", help=hub)
    parser.add_argument("--direct", action="store_true", help=direct)
    parser.add_argument("--token-file", metavar="PATH",
                        help="the hub's token (default: $TWC_HUB_TOKEN, else [hub] token_file)")
