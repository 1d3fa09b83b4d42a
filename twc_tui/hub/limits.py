"""The hub's bounds: nothing a client does may cost unbounded memory, sockets or time, or
delay polling. Over a limit the answer is 503; a client too slow or too quiet is dropped."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_connections: int = 512
    """Open connections per port, idle ones included; a request over it gets 503."""
    max_sse_clients: int = 32
    sse_queue: int = 256
    """Updates kept for an event-stream client that falls behind; past it, the oldest are
    dropped and the client is told to re-read (``event: resync``)."""
    heartbeat_s: float = 15.0
    sse_batch_s: float = 0.25
    """At most one write this often to an event-stream client: what arrives in between goes
    out together, in as few TCP segments as it fills. An update after a quiet spell goes at
    once; 50 chargers at 1 s were 50 segments a second to each client."""
    send_timeout_s: float = 10.0
    """A client that does not take what is sent within this long is dropped."""
    idle_timeout_s: float = 15.0
    """A connection with no complete request within this long is closed: an idle socket, or
    a slowloris sending its headers a byte at a time."""
    client_max_size: int = 16 * 1024
    max_line_size: int = 4096
    """The request line, so the URL too."""
    max_field_size: int = 4096
    max_headers: int = 64
    backlog: int = 128

    def handler_args(self) -> dict[str, float | int]:
        """What aiohttp's connection handler takes of these."""
        return {"keepalive_timeout": self.idle_timeout_s, "max_line_size": self.max_line_size,
                "max_field_size": self.max_field_size, "max_headers": self.max_headers}
