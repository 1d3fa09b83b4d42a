"""Just enough hand-written HTTP/1.1 for the simulated charger.

Written by hand rather than with a framework so the simulator can misbehave at the byte
level the way real firmware does: stall before the first byte, reset halfway through a body,
send bytes that are not UTF-8 or a body with no length.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from dataclasses import dataclass
from http import HTTPStatus

from twc_tui.sim.answer import Answer

MAX_HEAD_BYTES = 16 * 1024
MAX_REQUEST_BODY = 64 * 1024


class BadRequest(Exception):
    """The client sent something that is not an HTTP request we can read."""


@dataclass(frozen=True)
class Request:
    """One parsed request."""

    method: str
    path: str
    """The target without its query string."""
    keep_alive: bool


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """Read one request head (and discard any body). None when the client closed cleanly."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if error.partial.strip():
            raise BadRequest("incomplete request head") from None
        return None
    except asyncio.LimitOverrunError:
        raise BadRequest("request head too large") from None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest(f"bad request line {lines[0][:80]!r}")
    method, target, version = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = headers.get("content-length", "0")
    if not length.isdigit() or int(length) > MAX_REQUEST_BODY:
        raise BadRequest("bad content-length")
    if int(length):
        await reader.readexactly(int(length))
    connection = headers.get("connection", "").lower()
    keep = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
    return Request(method, target.split("?", 1)[0], keep)


def head(status: int, *, content_type: str | None, length: int | None, keep_alive: bool,
         extra: tuple[tuple[str, str], ...] = ()) -> bytes:
    """A response head. ``length=None`` means chunked."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Status"
    lines = [f"HTTP/1.1 {status} {reason}"]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    if length is None:
        lines.append("Transfer-Encoding: chunked")
    else:
        lines.append(f"Content-Length: {length}")
    lines.extend(f"{k}: {v}" for k, v in extra)
    if not keep_alive:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def send_chunked(writer: asyncio.StreamWriter, body: bytes, chunk: int = 64 * 1024) -> None:
    """Send ``body`` with chunked transfer encoding, so no length is declared up front."""
    for i in range(0, len(body), chunk):
        part = body[i : i + chunk]
        writer.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
        await writer.drain()
    writer.write(b"0\r\n\r\n")
    await writer.drain()


async def send_answer(writer: asyncio.StreamWriter, request: Request, answer: Answer) -> bool:
    """Write ``answer``, carrying out its fault on the wire (a reset halfway through the body,
    or an oversize body with no length). False when the connection must close."""
    status, ctype, body, fault = answer
    keep = request.keep_alive and fault not in ("reset", "oversize")
    if fault == "reset":
        writer.write(head(status, content_type=ctype, length=len(body), keep_alive=True)
                     + body[: len(body) // 2])
        await writer.drain()
        reset(writer)
        return False
    if fault == "oversize":
        writer.write(head(status, content_type=ctype, length=None, keep_alive=False))
        await send_chunked(writer, body)
        return False
    extra = (("Allow", "GET"),) if status == 405 else ()
    writer.write(head(status, content_type=ctype, length=len(body), keep_alive=keep, extra=extra)
                 + (b"" if request.method == "HEAD" else body))
    await writer.drain()
    return keep


def reset(writer: asyncio.StreamWriter) -> None:
    """Drop the connection with a TCP RST, as a crashing embedded server does."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.transport.abort()
