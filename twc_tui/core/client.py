"""The HTTP client for one Wall Connector: the four endpoints, gently.

One ``httpx.AsyncClient`` serves the whole process (building one costs about 30 ms, and a
shared pool keeps sockets to a minimum). It never retries: a retrying client multiplied sockets
against dead chargers and exhausted file descriptors in Home Assistant (field notes §2.1), so
backoff is the poller's job. Every failure becomes a :class:`ChargerError` with a sentence a
person can read; nothing else escapes :meth:`ChargerClient.fetch`.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
from dataclasses import dataclass
from typing import Any

import httpx

ENDPOINTS: tuple[str, ...] = ("vitals", "lifetime", "wifi_status", "version")
"""The only paths a Wall Connector answers usefully, under ``/api/1/``."""

MAX_BODY_BYTES = 1024 * 1024
"""A real answer is under 2 KB; anything past 1 MiB is not a Wall Connector talking."""

EXCERPT_CHARS = 120


@dataclass(frozen=True)
class Timeouts:
    """How long to wait for a charger."""

    connect: float = 5.0
    """Seconds to open the TCP connection."""
    read: float = 15.0
    """Seconds to wait for bytes once connected: the device can be slow to send its first."""


class ChargerError(Exception):
    """A request failed; ``str()`` is a sentence for a person."""

    def __init__(self, message: str, *, endpoint: str = "") -> None:
        super().__init__(message)
        self.endpoint = endpoint


class Unreachable(ChargerError):
    """Nothing answered: refused, no route, unknown host name, or the connection dropped."""


class ConnectTimeout(ChargerError):
    """The TCP connection did not open in time."""


class ReadTimeout(ChargerError):
    """Connected, but the answer did not come in time."""


class HttpStatus(ChargerError):
    """The charger answered with an HTTP error status."""

    def __init__(self, message: str, *, endpoint: str = "", status: int = 0) -> None:
        super().__init__(message, endpoint=endpoint)
        self.status = status


class DecodeError(ChargerError):
    """The body is not JSON we can repair. ``excerpt`` keeps the start of it."""

    def __init__(self, message: str, *, endpoint: str = "", excerpt: str = "") -> None:
        super().__init__(message, endpoint=endpoint)
        self.excerpt = excerpt


# A JSON string (kept as is) or a bare non-finite token outside strings (replaced by null).
_TOKENS = re.compile(r'("(?:[^"\\]|\\.)*")|(-?\b(?:Infinity|infinity|inf|NaN|nan)\b)')


def _null_non_finite(match: re.Match[str]) -> str:
    return match.group(1) if match.group(1) is not None else "null"


def tolerant_json(text: str) -> Any:
    """Decode a charger's JSON, repairing the two quirks real firmware has.

    Bare ``nan``, ``-nan``, ``inf`` and ``Infinity`` outside strings become null, and a
    missing final ``}`` is added. Raises ``ValueError`` for anything else.
    """
    cleaned = _TOKENS.sub(_null_non_finite, text).strip()
    try:
        return json.loads(cleaned, parse_constant=lambda _: None)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    except ValueError:
        # Firmware drops the final brace; the body may still end in "}" from a nested value.
        if cleaned.startswith("{"):
            try:
                return json.loads(cleaned + "}", parse_constant=lambda _: None)
            except RecursionError:
                raise ValueError("JSON nested too deeply") from None
        raise


def make_http_client(timeouts: Timeouts | None = None) -> httpx.AsyncClient:
    """The one shared client. ``trust_env=False``: a LAN device must not go through a proxy
    picked up from the environment."""
    t = timeouts or Timeouts()
    return httpx.AsyncClient(
        timeout=httpx.Timeout(connect=t.connect, read=t.read, write=t.connect, pool=t.connect),
        limits=httpx.Limits(max_connections=512, max_keepalive_connections=64,
                            keepalive_expiry=10.0),
        trust_env=False,
        follow_redirects=False,
        headers={"Accept": "application/json", "User-Agent": "twc-tui"},
    )


def format_host(host: str, port: int) -> str:
    """``host:port`` with IPv6 literals bracketed."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


class ChargerClient:
    """Fetches the four endpoints of one charger over a shared ``httpx.AsyncClient``."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        host: str,
        port: int = 80,
        timeouts: Timeouts | None = None,
    ) -> None:
        self.http = http
        self.host = host
        self.port = port
        self.timeouts = timeouts or Timeouts()
        self.address = format_host(host, port)
        self.base_url = f"http://{self.address}/api/1/"

    async def fetch(self, endpoint: str) -> Any:
        """GET ``/api/1/<endpoint>`` and return the decoded JSON.

        Raises only :class:`ChargerError` subclasses.
        """
        if endpoint not in ENDPOINTS:
            raise ValueError(f"not a Wall Connector endpoint: {endpoint!r}")
        path = f"/api/1/{endpoint}"
        t = self.timeouts
        try:
            # httpx's read timeout is per read: a body dripping a byte every 14 s would hold
            # the charger's single request slot forever without an overall deadline.
            async with asyncio.timeout(t.connect + t.read):
                body = await self._get(endpoint, path)
        except ChargerError:
            raise
        except TimeoutError:
            raise ReadTimeout(
                f"no complete answer to {path} within {t.connect + t.read:g} s",
                endpoint=endpoint,
            ) from None
        except httpx.ConnectTimeout:
            raise ConnectTimeout(
                f"timed out after {self.timeouts.connect:g} s connecting to {self.address}",
                endpoint=endpoint,
            ) from None
        except httpx.PoolTimeout:
            raise ConnectTimeout(
                f"timed out after {self.timeouts.connect:g} s waiting for a connection slot",
                endpoint=endpoint,
            ) from None
        except httpx.TimeoutException:
            raise ReadTimeout(
                f"timed out after {self.timeouts.read:g} s waiting for {path}",
                endpoint=endpoint,
            ) from None
        except httpx.ConnectError as error:
            raise Unreachable(self._connect_message(error), endpoint=endpoint) from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
            raise Unreachable(
                f"connection to {self.address} dropped during {path}", endpoint=endpoint
            ) from None
        except httpx.HTTPError as error:
            raise Unreachable(
                f"cannot talk to {self.address}: {error or 'connection failed'}",
                endpoint=endpoint,
            ) from None
        except OSError as error:
            raise Unreachable(f"{self.address}: {error.strerror or error}",
                              endpoint=endpoint) from None
        text = body.decode("utf-8", errors="replace")
        try:
            return tolerant_json(text)
        except ValueError:
            excerpt = text[:EXCERPT_CHARS]
            what = "an empty body" if not text.strip() else "invalid JSON"
            raise DecodeError(
                f"{what} from {path}" + (f": {excerpt!r}" if text.strip() else ""),
                endpoint=endpoint,
                excerpt=excerpt,
            ) from None

    async def _get(self, endpoint: str, path: str) -> bytes:
        t = self.timeouts
        # Per charger, so the messages quote the timeouts actually in force.
        timeout = httpx.Timeout(connect=t.connect, read=t.read, write=t.connect, pool=t.connect)
        async with self.http.stream("GET", self.base_url + endpoint, timeout=timeout) as response:
            if response.status_code != 200:
                # Drain a small error page so the connection can be reused: a fresh TCP
                # connection per failed poll is more work for the charger, not less.
                drained = 0
                async for chunk in response.aiter_bytes():
                    drained += len(chunk)
                    if drained > 64 * 1024:
                        break
                raise HttpStatus(
                    f"HTTP {response.status_code} from {path}",
                    endpoint=endpoint,
                    status=response.status_code,
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
                raise DecodeError(f"{path} sent {int(declared)} bytes, over the 1 MiB cap",
                                  endpoint=endpoint)
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise DecodeError(f"{path} sent more than the 1 MiB cap",
                                      endpoint=endpoint)
                chunks.append(chunk)
            return b"".join(chunks)

    def _connect_message(self, error: httpx.ConnectError) -> str:
        cause: BaseException | None = error
        while cause is not None:
            if isinstance(cause, socket.gaierror):
                return f"cannot resolve host name {self.host!r}"
            if isinstance(cause, ConnectionRefusedError):
                return f"connection refused by {self.address}"
            cause = cause.__cause__ or cause.__context__
        text = str(error)
        if "Name or service not known" in text or "nodename nor servname" in text or (
            "Temporary failure in name resolution" in text
        ):
            return f"cannot resolve host name {self.host!r}"
        if "refused" in text.lower():
            return f"connection refused by {self.address}"
        return f"cannot connect to {self.address}: {text or type(error).__name__}"
