"""Decoding a Wall Connector's JSON, with the two repairs real firmware needs.

Apart from the client because the repair is pure text work that the simulator's backfill and
the tests call too, and because its cost must stay linear in the body whatever a hostile
device sends (issue 11: a quadratic regex froze the loop for 26 s on 80 KB).
"""

from __future__ import annotations

import json
import re
from typing import Any

# Outside strings: the next string's opening quote, or a bare non-finite token.
_OUTSIDE = re.compile(r'"|-?\b(?:Infinity|infinity|inf|NaN|nan)\b')
# The rest of a string after its opening quote, up to (not including) the closing quote.
# Matched once from a fixed start, it cannot backtrack: each step consumes a character.
_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*', re.DOTALL)


def _null_non_finite(text: str) -> str:
    """Replace bare non-finite tokens outside strings with null, in one pass over ``text``.

    A single regex over the whole text (string or token) retried its string branch from
    every quote of an unclosed string: quadratic, 26 s for 80 KB of ``\\"``. Here each
    character is looked at once, and an unclosed string ends the scan.
    """
    parts: list[str] = []
    kept = pos = 0
    end = len(text)
    while pos < end:
        found = _OUTSIDE.search(text, pos)
        if found is None:
            break
        if found.group() == '"':
            close = _STRING_REST.match(text, found.end()).end()  # type: ignore[union-attr]
            if close >= end:
                break  # an unclosed string runs to the end: nothing left to repair
            pos = close + 1
        else:
            parts += (text[kept:found.start()], "null")
            kept = pos = found.end()
    parts.append(text[kept:])
    return "".join(parts)


def _loads(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=lambda _: None)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def tolerant_json(text: str) -> Any:
    """Decode a charger's JSON, repairing the two quirks real firmware has.

    Bare ``nan``, ``-nan``, ``inf`` and ``Infinity`` outside strings become null, and a
    missing final ``}`` is added. Raises ``ValueError`` for anything else. Linear in the
    length of ``text``, whatever it holds.
    """
    try:
        return _loads(text)
    except ValueError as error:
        if str(error) == "JSON nested too deeply":
            raise
    cleaned = _null_non_finite(text).strip()
    try:
        return _loads(cleaned)
    except ValueError as error:
        # Firmware drops the final brace; the body may still end in "}" from a nested value.
        if cleaned.startswith("{") and str(error) != "JSON nested too deeply":
            return _loads(cleaned + "}")
        raise
