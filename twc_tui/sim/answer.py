"""What the simulated charger answers to one request, with any injected fault applied.

Precedence follows what a client would meet first: a forced status, then the method and the
path, then a random 500, then what happens to the body (a page that is not JSON, then changes
to the JSON's content and shape, then truncation). A reset or an oversize body is decided
here and carried out on the wire by :func:`twc_tui.sim.http_wire.send_answer`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from twc_tui.core.paths import BROKEN_PATHS, ENDPOINT_PATHS
from twc_tui.sim import faults as sim_faults
from twc_tui.sim import render as sim_render
from twc_tui.sim.faults import Faults

OVERSIZE_BYTES = 1024 * 1024 + 512 * 1024

Answer = tuple[int, str | None, bytes, str | None]
"""(status, content type, body, name of the fault that shaped it)."""


def answer(method: str, path: str, faults: Faults, rng: random.Random,
           payload: Callable[[str], dict[str, Any]]) -> Answer:
    """The answer to ``method path``; ``payload(endpoint)`` gives the honest JSON."""
    text = "text/plain"
    if faults.status is not None:
        return faults.status, text, f"{faults.status}\n".encode(), "status"
    if method != "GET":
        return 405, text, b"Method Not Allowed\n", None
    endpoint = ENDPOINT_PATHS.get(path)
    if endpoint is None:
        if path in BROKEN_PATHS:
            return 500, text, b"Internal Server Error\n", None
        return 404, text, b"Not Found\n", None
    if faults.error_rate and rng.random() < faults.error_rate:
        return 500, text, b"Internal Server Error\n", "error_rate"
    reset = bool(faults.reset_rate) and rng.random() < faults.reset_rate
    status, ctype, body, fault = _body(endpoint, faults, rng, payload)
    return status, ctype, body, "reset" if reset else fault


def _body(endpoint: str, faults: Faults, rng: random.Random,
          payload: Callable[[str], dict[str, Any]]) -> Answer:
    json_type = "application/json"
    if faults.html:
        return 200, "text/html", sim_faults.HTML_PAGE, "html"
    if faults.empty:
        return 200, json_type, b"", "empty"
    if faults.garbage:
        return 200, json_type, sim_faults.garbage(rng), "garbage"
    if faults.oversize:
        return 200, json_type, b'{"pad":"' + b"x" * OVERSIZE_BYTES + b'"}', "oversize"
    data: Any = sim_faults.physical(endpoint, payload(endpoint), faults)
    fault = None
    changes: tuple[tuple[bool, Callable[[dict[str, Any]], dict[str, Any]]], ...] = (
        (faults.hostile, lambda d: sim_faults.hostile_strings(endpoint, d)),
        (faults.extra_fields, sim_faults.extra_fields),
        (faults.missing_fields, sim_faults.missing_fields),
        (faults.wrong_types, sim_faults.wrong_types),
    )
    for on, change in changes:
        if on:
            data, fault = change(data), "content"
    if faults.wrong_shape == "array":
        data, fault = [data], "wrong_shape"
    elif faults.wrong_shape == "string":
        data, fault = endpoint, "wrong_shape"
    body = sim_render.encode(data)
    if faults.truncate_rate and body.endswith(b"}") and rng.random() < faults.truncate_rate:
        body, fault = body[:-1], "truncate"
    return 200, json_type, body, fault
