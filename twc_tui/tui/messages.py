"""Messages from the pollers to the app."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from twc_tui.core.poller import PollEvent


@dataclass
class ChargerEvent(Message):
    """A poller reported an answer or a failure. Never coalesced: each one may be an event
    the log must show."""

    event: PollEvent
