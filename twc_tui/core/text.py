"""The one sanitising path for text that comes from the network.

Every string a charger sends (SSID, firmware, serial, alert values, unknown field names and
values, error excerpts) passes through :func:`safe_text` before anything shows it. Markup is a
separate concern, handled by the UI showing text as ``Content``/``Text`` and never parsing it;
this module removes what would reach the terminal as escape sequences or garble the layout.
"""

from __future__ import annotations

import re
import unicodedata

ELLIPSIS = "…"

# C0 controls map onto the Unicode "control pictures" block (U+2400 + code), so ESC shows as ␛
# rather than vanishing: a user comparing with curl output can see what was there.
_C0 = {code: chr(0x2400 + code) for code in range(0x20)}
_C0[0x7F] = "\u2421"  # ␡
_DANGEROUS = re.compile(
    "[\x00-\x1f\x7f"  # C0 controls and DEL: ESC, BEL, NUL, CR...
    "\x80-\x9f"  # C1 controls: 0x9b is a one-byte CSI on some terminals
    "\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069"  # zero-width, line breaks, bidi
    "\ud800-\udfff"  # lone surrogates (from errors="surrogateescape") cannot be encoded
    "\ufeff]"
)
# Default_Ignorable_Code_Point (Unicode DerivedCoreProperties) outside category Cf, which is
# tested separately: fillers that render as blanks (U+115F, U+3164), variation selectors,
# and the reserved ranges terminals draw as nothing. unicodedata has no such property.
_IGNORABLE = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0"
    "\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
MAX_MARKS = 3
"""Combining marks kept after one base character: Vietnamese stacks two, a "Zalgo" serial
stacks hundreds that spill over the lines above and below."""
DEFAULT_MAX_LEN = 120
"""Longest string shown anywhere; a 10 000-character serial must not push the layout around."""


def _stand_in(match: re.Match[str]) -> str:
    return _C0.get(ord(match.group()), "\ufffd")


def _visible(text: str) -> str:
    """Drop what a terminal shows as nothing (format characters and the other default
    ignorables), so a serial or SSID cannot look like another, and cap combining marks.
    The bidi and zero-width characters matched above are already visible stand-ins."""
    out: list[str] = []
    marks = 0
    for ch in text:
        if ch.isascii():
            marks = 0
            out.append(ch)
            continue
        category = unicodedata.category(ch)
        if category == "Cf" or _IGNORABLE.match(ch):
            continue
        if category[0] == "M":
            marks += 1
            if marks > MAX_MARKS:
                continue
        else:
            marks = 0
        out.append(ch)
    return "".join(out)


def safe_text(value: object, max_len: int = DEFAULT_MAX_LEN, *, ascii_only: bool = False) -> str:
    """Return ``value`` as a string that is safe to put on a terminal.

    Control, bidi and zero-width characters become visible stand-ins, other invisible ones
    (Unicode format characters, default ignorables) are dropped, combining marks are capped
    per character, and strings longer than ``max_len`` are cut with an ellipsis. ``None``
    becomes the empty string. With ``ascii_only`` (a non-UTF-8 locale) every non-ASCII
    character becomes ``?``.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    ellipsis = "~" if ascii_only else ELLIPSIS
    if len(text) > max_len:
        # Cut before cleaning so a hostile 1 MiB string costs no more than a short one.
        text = text[: max_len - 1] + ellipsis
    text = _DANGEROUS.sub(_stand_in, text)
    if not text.isascii():
        text = _visible(text)
    if ascii_only:
        text = text.encode("ascii", "replace").decode("ascii")
    return text


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection")."""


def csv_cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text: a string starting like a formula gets a
    leading ``'``, as OWASP recommends. Numbers pass as they are (``-3.2`` is a reading)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
