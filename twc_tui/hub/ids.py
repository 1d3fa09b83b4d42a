"""The hub's charger ids: stable, URL-safe names for the engine's ``host:port`` keys.

``/c/<id>/...``, the ``charger`` label of every metric and the ``charger`` field of every
event use them. One function makes them, so a URL, a metric and an event always agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from twc_tui.core.targets import ChargerConfig

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Lower-case ASCII letters and digits joined by single dashes ("Car port 2" ->
    "car-port-2"); accents are dropped, everything else separates."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")[:48].strip("-")


def hub_ids(chargers: Sequence[ChargerConfig]) -> dict[str, str]:
    """Hub id to engine id, in config/command-line order: the name as a slug, else the host
    and port (``127-0-0-1-8080``); a repeat gets ``-2``, ``-3``..."""
    ids: dict[str, str] = {}
    for charger in chargers:
        base = (slug(charger.name) if charger.name else "") or slug(charger.id) or "charger"
        candidate, n = base, 1
        while candidate in ids:
            n += 1
            candidate = f"{base}-{n}"
        ids[candidate] = charger.id
    return ids
