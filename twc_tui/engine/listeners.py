"""In-process listeners of one kind of message (updates, notifications): added, removed, and
told in order, each in isolation, so one consumer's bug never stops the others or the loop
that tells them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Listeners(Generic[T]):
    def __init__(self, log: logging.Logger, what: str = "listener") -> None:
        self._log = log
        self._what = what
        self._items: list[Callable[[T], None]] = []

    def add(self, listener: Callable[[T], None]) -> Callable[[], None]:
        """Call ``listener`` with each message told; returns the function that stops it."""
        self._items.append(listener)
        return lambda: self._items.remove(listener) if listener in self._items else None

    def tell(self, message: T) -> None:
        for listener in list(self._items):  # a listener may remove itself meanwhile
            try:
                listener(message)
            except Exception:  # one consumer's bug must not stop the others
                self._log.exception("%s %r failed", self._what, listener)
