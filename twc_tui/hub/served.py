"""What the hub's handlers need of the server object, typed here so that ``routes`` and
``sse`` never import ``server`` (which imports them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from twc_tui.engine.engine import Engine, Subscription
from twc_tui.hub.limits import Limits
from twc_tui.hub.metrics import HubCollector


class Served(Protocol):
    engine: Engine
    limits: Limits
    ids: dict[str, str]
    """Hub id to engine id, in config order."""
    hub_id_of: dict[str, str]
    metrics: HubCollector
    health_checks: dict[str, Callable[[], dict[str, Any]]]
    sse_clients: int
    subscriptions: set[Subscription]
