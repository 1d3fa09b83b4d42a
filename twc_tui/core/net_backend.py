"""httpcore's network backend on asyncio's own streams, under the one httpx client.

httpcore's default backend goes through anyio, whose cancel scope around every read and write
cost 0.18 ms of CPU per request here (0.62 -> 0.45 ms a GET on loopback, bench/RESULTS.md):
at a hub's 50 to 80 GETs a second, 1 to 1.5 % of a core for nothing the chargers need. HTTP
itself stays httpcore's and h11's; this only moves bytes, with ``asyncio.timeout`` for the
deadlines and httpcore's own exceptions, so httpx maps every failure as it did before.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Coroutine, Iterable
from typing import Any

import httpcore

SOCKET_ERRORS = (OSError, asyncio.IncompleteReadError)
"""What a socket may raise besides a timeout; ``gaierror`` and ``ConnectionRefusedError`` are
``OSError`` and stay reachable as the cause, where the client's messages look for them."""


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One TCP connection as httpcore wants it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)  # b"" at the end, as httpcore expects
        except TimeoutError:
            raise httpcore.ReadTimeout(f"no data within {timeout} s") from None
        except SOCKET_ERRORS as error:
            raise httpcore.ReadError(str(error) or type(error).__name__) from error

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            async with asyncio.timeout(timeout):
                if self._writer.is_closing():
                    raise ConnectionResetError("the connection is closed")
                self._writer.write(buffer)
                await self._writer.drain()
        except TimeoutError:
            raise httpcore.WriteTimeout(f"could not send within {timeout} s") from None
        except SOCKET_ERRORS as error:
            raise httpcore.WriteError(str(error) or type(error).__name__) from error

    async def aclose(self) -> None:
        # Closing is enough: waiting for the peer to acknowledge could hang on a charger
        # that has gone away, and nothing is sent after this.
        self._writer.close()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError:
            self._writer.close()
            raise httpcore.ConnectTimeout(f"no TLS handshake within {timeout} s") from None
        except (*SOCKET_ERRORS, ssl.SSLError) as error:
            self._writer.close()
            raise httpcore.ConnectError(str(error) or type(error).__name__) from error
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            # httpcore asks before reusing an idle keep-alive connection: the charger closed
            # it (end of stream seen), reset it (an error kept by the reader: at_eof() stays
            # False), or sent something unasked. asyncio reads the socket as data arrives, so
            # the reader and the transport know, not the socket.
            reader = self._reader
            return (self._writer.is_closing() or reader.exception() is not None
                    or reader.at_eof() or bool(getattr(reader, "_buffer", b"")))
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        if info == "socket":
            return self._writer.get_extra_info("socket")
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None,
                          ) -> httpcore.AsyncNetworkStream:
        # Staggered attempts over a name's addresses, as anyio made them: one address that
        # drops packets must not use up the whole connect timeout.
        stream = await _connected(asyncio.open_connection(
            host, port, local_addr=(local_address, 0) if local_address else None,
            happy_eyeballs_delay=0.25), timeout)
        sock = stream.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return stream

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None,
                                  ) -> httpcore.AsyncNetworkStream:
        return await _connected(asyncio.open_unix_connection(path), timeout)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def _connected(opening: Coroutine[Any, Any, tuple[asyncio.StreamReader,
                                                        asyncio.StreamWriter]],
                     timeout: float | None) -> AsyncioStream:
    """The connection ``opening`` makes, its failures as httpcore's."""
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await opening
    except TimeoutError:
        raise httpcore.ConnectTimeout(f"no connection within {timeout} s") from None
    except SOCKET_ERRORS as error:
        raise httpcore.ConnectError(str(error) or type(error).__name__) from error
    return AsyncioStream(reader, writer)
