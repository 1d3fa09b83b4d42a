"""Where in a config file a key is: the ``path:line: table.key`` an error starts with, so the
user can go straight to the line (best effort: TOML's parser gives values, not positions)."""

from __future__ import annotations

import re
from pathlib import Path

INDEXED = ("chargers", "alerts", "notify", "tariffs")
"""The ``[[...]]`` tables: errors name the entry, e.g. ``alerts[2].cooldown``."""


def where(path: Path, text: str, key: str, table: str | None = None, index: int = 0) -> str:
    if key:
        line = _line_of(text, key, table, index)
    elif table:  # the table itself: its header, or a top-level ``name = ...``
        line = _line_of(text, "", table, index) or _line_of(text, table, None)
    else:
        line = None
    dotted = f"{table}.{key}" if table and key else (table or key)
    if table in INDEXED:
        dotted = f"{table}[{index + 1}].{key}" if key else f"{table}[{index + 1}]"
    return f"{path}" + (f":{line}" if line else "") + f": {dotted}"


def _line_of(text: str, key: str, table: str | None, index: int = 0) -> int | None:
    """Best-effort line number of ``key`` inside ``table`` (the ``index``-th if it repeats)."""
    current: str | None = None
    seen = -1
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?", stripped)
        if header:
            current = header.group(1)
            if current == table:
                seen += 1
            if key == "" and current == table and seen == index:
                return number
            continue
        if current == table and (table not in INDEXED or seen == index) and re.match(
            rf"^[\"']?{re.escape(key)}[\"']?\s*=", stripped
        ):
            return number
    return None
