"""Requests the hub cannot parse: each answered 400, and what the log holds of them is one
line a minute, not aiohttp's traceback per request (any client could fill the journal)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from tests.hub_rig import HubRig, sim
from twc_tui.hub.bad_requests import BadRequestFilter

MALFORMED = [
    b"GET /" + b"a" * 6000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",          # the request line
    b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 6000 + b"\r\n\r\n",  # one header
    b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(80)) + b"\r\n",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40,        # a TLS hello
]


async def _send(port: int, data: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(200), 5)
    writer.close()
    return answer


async def test_malformed_requests_get_400_and_one_log_line(caplog: pytest.LogCaptureFixture
                                                            ) -> None:
    caplog.set_level(logging.DEBUG, logger="aiohttp.server")
    async with HubRig([sim()], ["Garage"]) as rig:
        for data in MALFORMED * 3:
            answer = await _send(rig.port, data)
            assert answer.startswith(b"HTTP/1.") and b" 400 " in answer.split(b"\r\n")[0]
        good = await rig.http.get("/api/chargers")
        assert good.status_code == 200  # the hub goes on serving
    lines = [r for r in caplog.records if r.name == "aiohttp.server"]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    [line] = lines
    text = logging.Formatter("%(levelname)s %(message)s").format(line)
    assert text.startswith("WARNING Error handling request from 127.0.0.1: answered 400: ")
    assert "Traceback" not in text and "\n" not in text
    assert len(text) < 250


def test_after_a_minute_it_logs_again_with_the_count_held_back() -> None:
    now = [0.0]
    bad = BadRequestFilter(monotonic=lambda: now[0])
    from aiohttp.http_exceptions import LineTooLong

    def record() -> logging.LogRecord:
        try:
            raise LineTooLong("x" * 9000, "4096")
        except LineTooLong as error:
            return logging.LogRecord("aiohttp.server", logging.ERROR, __file__, 1,
                                     "Error handling request from %s", ("10.0.0.9",),
                                     (type(error), error, error.__traceback__))

    assert bad.filter(record())
    assert [bad.filter(record()) for _ in range(5)] == [False] * 5
    now[0] = 61.0
    again = record()
    assert bad.filter(again)
    assert again.getMessage().endswith("(5 more since the last line)")
    assert again.exc_info is None
    other = logging.LogRecord("aiohttp.server", logging.ERROR, __file__, 1, "other", (), None)
    assert bad.filter(other)  # what is not a malformed request passes as it is
