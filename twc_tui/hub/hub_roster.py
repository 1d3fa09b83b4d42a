"""The hub's ``/api/chargers`` list, checked: which chargers, under which ids and names.

Both the remote monitor and ``status --hub`` read it. A hub is untrusted: an id must be safe
in a URL path, a host must parse as a charger address, names are sanitised, and a list
longer than any home has is cut.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from twc_tui.core.models import PHASE_MODES
from twc_tui.core.targets import ChargerConfig, parse_target
from twc_tui.core.text import safe_text

log = logging.getLogger("twc_tui.hub.roster")

MAX_CHARGERS = 1000
"""A bound on what an untrusted hub can make a monitor hold; a building has hundreds."""
_HUB_ID = re.compile(r"[A-Za-z0-9._~-]{1,100}")
"""URL-safe without quoting (RFC 3986 unreserved), as the hub promises its ids are."""


@dataclass(frozen=True)
class HubCharger:
    """One charger as the hub names it, and as the monitor keys it."""

    hub_id: str
    """The hub's URL-safe id, for ``/c/<id>/...``."""
    config: ChargerConfig

    @property
    def key(self) -> str:
        """``host:port``: the same key a monitor polling the charger itself would use."""
        return self.config.id


def read_roster(doc: Mapping[str, Any], local: Mapping[str, ChargerConfig],
                only: set[str] | frozenset[str] = frozenset()
                ) -> Iterator[tuple[HubCharger, Mapping[str, Any]]]:
    """Each usable charger of a roster with its document, in the hub's order. ``local`` is
    the user's own config by id (its breaker size sets a chart's scale); ``only`` keeps
    those ids alone."""
    items = doc.get("chargers")
    if not isinstance(items, list):
        log.warning("the hub's roster has no list of chargers")
        return
    seen: set[str] = set()
    if len(items) > MAX_CHARGERS:
        log.warning("the hub lists %d chargers; showing the first %d", len(items),
                    MAX_CHARGERS)
    for item in items[:MAX_CHARGERS]:
        if not isinstance(item, dict):
            continue
        hub_id, host = item.get("id"), item.get("host")
        if not isinstance(hub_id, str) or not _HUB_ID.fullmatch(hub_id):
            log.warning("skipped a charger whose hub id is not URL-safe: %s",
                        safe_text(hub_id, 40))
            continue
        try:
            target = parse_target(host) if isinstance(host, str) else None
        except ValueError:
            target = None
        if target is None or "=" in host:
            log.warning("skipped charger %s: its host is not HOST:PORT", hub_id)
            continue
        if target.id in seen or (only and target.id not in only):
            continue
        seen.add(target.id)
        mine = local.get(target.id)
        name = safe_text(item.get("name"), 60) if isinstance(item.get("name"), str) else ""
        phase = item.get("phase_mode_setting")
        if phase not in PHASE_MODES:
            phase = mine.phase_mode if mine is not None else "auto"
        config = ChargerConfig(
            host=target.host, port=target.port,
            name=name if name and name != target.id else None, phase_mode=phase,
            max_current_a=mine.max_current_a if mine is not None else None)
        yield HubCharger(hub_id, config), item
