"""safe_text: the one path network strings take to the screen."""

from __future__ import annotations

import unicodedata

import pytest

from twc_tui.core.text import DEFAULT_MAX_LEN, ELLIPSIS, safe_text

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Every character with the Unicode Bidi_Control property."""


def _terminal_safe(text: str) -> bool:
    """No C0/C1 control, DEL, bidi control or format character survives."""
    return not any(
        unicodedata.category(ch) in ("Cc", "Cf", "Cs") or ch in BIDI_CONTROLS for ch in text
    )


@pytest.mark.parametrize(
    "value",
    [
        "[bold red]Garage[/]",
        "[link=https://evil.example]click[/link]",
        "$var ${x} {{ x }} <b>x</b> *x* `x`",
        "\\[not escaped]",
        "My WiFi 🚗 Café",
        "Nordic: æøå ÆØÅ",
    ],
)
def test_printable_text_and_markup_pass_unchanged(value: str) -> None:
    # Markup is the UI's concern (it shows Content/Text, never parses); here it is just text.
    assert safe_text(value) == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("\x1b[2J\x1b[31mred", "␛[2J␛[31mred"),  # CSI clear screen, colour
        ("\x1b]0;owned\x07", "␛]0;owned␇"),  # OSC set title, BEL-terminated
        ("\x1b]8;;http://x\x1b\\link", "␛]8;;http://x␛\\link"),  # OSC 8 hyperlink, ST-terminated
        ("a\x00b", "a␀b"),  # NUL
        ("bell\x07", "bell␇"),
        ("line1\nline2\rx\ty", "line1␊line2␍x␉y"),  # layout breakers
        ("del\x7f", "del␡"),
    ],
)
def test_c0_controls_become_visible_control_pictures(value: str, expected: str) -> None:
    assert safe_text(value) == expected


@pytest.mark.parametrize("char", ["\x80", "\x85", "\x90", "\x9b", "\x9c", "\x9d", "\x9f"])
def test_c1_controls_are_replaced(char: str) -> None:
    # 0x9b is a one-byte CSI and 0x9d a one-byte OSC on some terminals.
    out = safe_text(f"a{char}31mb")
    assert char not in out
    assert out == "a\ufffd31mb"


@pytest.mark.parametrize("char", list(BIDI_CONTROLS))
def test_bidi_controls_are_replaced(char: str) -> None:
    out = safe_text(f"abc{char}def")
    assert char not in out
    assert out == "abc\ufffddef"


@pytest.mark.parametrize("char", ["\u200b", "\u200c", "\u200d", "\ufeff", "\ud800", "\udcff"])
def test_zero_width_and_lone_surrogates_are_replaced(char: str) -> None:
    out = safe_text(f"x{char}y")
    assert out == "x\ufffdy"
    out.encode("utf-8")  # a lone surrogate would make this raise


def test_every_control_codepoint_is_neutralised() -> None:
    hostile = "".join(chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]) + BIDI_CONTROLS
    out = safe_text(hostile, max_len=1000)
    assert _terminal_safe(out)
    assert len(out) == len(hostile)  # one visible stand-in per character


def test_long_string_is_cut_to_max_len_with_an_ellipsis() -> None:
    value = "S" * 10_000
    out = safe_text(value)
    assert len(out) == DEFAULT_MAX_LEN
    assert out.endswith(ELLIPSIS)
    assert out[:-1] == "S" * (DEFAULT_MAX_LEN - 1)
    assert len(safe_text(value, max_len=20)) == 20


def test_exactly_max_len_is_not_cut() -> None:
    assert safe_text("x" * 20, max_len=20) == "x" * 20
    assert safe_text("x" * 21, max_len=20) == "x" * 19 + ELLIPSIS


def test_long_hostile_string_is_cut_and_cleaned() -> None:
    out = safe_text("\x1b[2J" * 5000, max_len=40)
    assert len(out) == 40 and out.endswith(ELLIPSIS)
    assert "\x1b" not in out and _terminal_safe(out)


def test_ascii_only() -> None:
    assert safe_text("Café 🚗", ascii_only=True) == "Caf? ?"
    out = safe_text("é" * 500, max_len=10, ascii_only=True)
    assert out == "?" * 9 + "~"
    hostile = safe_text("\x1b]0;x\x07\u202e", ascii_only=True)
    assert hostile.isascii() and "\x1b" not in hostile and "\x07" not in hostile
    assert safe_text("plain [b]ascii[/b]", ascii_only=True) == "plain [b]ascii[/b]"


def test_none_and_non_strings() -> None:
    assert safe_text(None) == ""
    assert safe_text("") == ""
    assert safe_text(42) == "42"
    assert safe_text(-0.5) == "-0.5"
    assert safe_text(["a\x1b"]) == "['a\\x1b']"  # repr already escapes it
