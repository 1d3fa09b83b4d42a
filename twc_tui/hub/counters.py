"""How many requests the engine sent each charger, by endpoint and outcome, for
``twc_poll_requests_total``. Counted here from the engine's updates, so the poller stays a
poller and a scrape reads memory only."""

from __future__ import annotations

from collections import Counter

from twc_tui.core import client as charger_client
from twc_tui.engine.engine import Update
from twc_tui.engine.poller import PollSuccess

RESULTS: dict[type, str] = {
    charger_client.ConnectTimeout: "connect_timeout",
    charger_client.ReadTimeout: "read_timeout",
    charger_client.Unreachable: "unreachable",
    charger_client.HttpStatus: "http_error",
    charger_client.DecodeError: "bad_answer",
}
"""Failure class to the ``result`` label; any other failure is ``error``."""


def result_of(update: Update) -> str:
    event = update.event
    if isinstance(event, PollSuccess):
        return "ok"
    for cls in type(event.error).__mro__:
        if cls in RESULTS:
            return RESULTS[cls]
    return "error"


class PollCounter:
    """``counts[(engine id, endpoint, result)]``; feed it with ``engine.listen(counter)``."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str, str]] = Counter()

    def __call__(self, update: Update) -> None:
        if update.event is None:
            return  # an entry the engine logged of its own: no request was made
        self.counts[(update.charger, update.event.endpoint, result_of(update))] += 1
