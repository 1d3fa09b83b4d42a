"""Terminals as users have them: NO_COLOR, 16 colours, a C locale, resizing, TERM=dumb, pipes.

Each test runs ``twc-tui HOST`` in a pty against a simulator in another process and reads
the bytes the app wrote, as a terminal would receive them.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pty_harness import ROOT, PtyApp, base_env, pty_app, simulator

SGR = re.compile(r"\x1b\[([0-9;:]*)m")
MOVE = re.compile(r"\x1b\[(\d+);(\d+)H")
BRAILLE = re.compile("[\u2800-\u28ff]")
BLOCKS = re.compile("[\u2580-\u259f]")  # ▀▁▂...█▉...░▒▓
GREYS_256 = {16, 231, 59, 102, 145, 188, *range(232, 256)}
"""Palette entries with red = green = blue."""


@pytest.fixture(scope="module")
def host() -> Iterator[str]:
    with simulator("--scenario", "charging", "--speed", "10") as address:
        yield address


def settle(app: PtyApp, needle: str = "kW", seconds: float = 0.8) -> str:
    assert app.wait_output(needle, 15), app.text()[-2000:]
    time.sleep(seconds)  # a few redraws with data, charts and cards
    return app.text()


def quit_app(app: PtyApp) -> None:
    app.write(b"q")
    assert app.wait_exit(5)


def colour_codes(text: str) -> list[tuple[str, int | tuple[int, ...]]]:
    """Every colour an SGR sequence sets, as ("fg"|"bg", 16-colour code or (kind, ...))."""
    out: list[tuple[str, int | tuple[int, ...]]] = []
    for match in SGR.finditer(text):
        parts = [int(p) for p in re.split("[;:]", match.group(1)) if p]
        i = 0
        while i < len(parts):
            p = parts[i]
            if p in (38, 48) and i + 1 < len(parts):
                where = "fg" if p == 38 else "bg"
                if parts[i + 1] == 5:
                    out.append((where, (5, parts[i + 2])))
                    i += 3
                    continue
                if parts[i + 1] == 2:
                    out.append((where, (2, *parts[i + 2 : i + 5])))
                    i += 5
                    continue
            if 30 <= p <= 37 or 90 <= p <= 97:
                out.append(("fg", p))
            elif 40 <= p <= 47 or 100 <= p <= 107:
                out.append(("bg", p))
            i += 1
    return out


def test_no_color_sends_no_colour_codes_at_all(host: str, tmp_path: Path) -> None:
    with pty_app([host], base_env(tmp_path, NO_COLOR="1")) as app:
        text = settle(app)
        quit_app(app)
    assert colour_codes(text) == []
    assert "\x1b[7" in text or ";7;" in text or "\x1b[1" in text  # still bold/reverse


def test_sixteen_colour_xterm_is_readable(host: str, tmp_path: Path) -> None:
    """TERM=xterm without COLORTERM: only the 16 ANSI colours, and no text drawn in its own
    background colour (the one way a downsampled theme becomes unreadable)."""
    with pty_app([host], base_env(tmp_path, TERM="xterm")) as app:
        text = settle(app)
        quit_app(app)
    colours = colour_codes(text)
    assert colours and all(isinstance(code, int) for _, code in colours), [
        c for c in colours if not isinstance(c[1], int)][:5]
    fg = bg = None
    invisible = []
    for chunk in re.split(r"(\x1b\[[0-9;?<>=]*[A-Za-z])", text):
        if chunk.startswith("\x1b["):
            if chunk.endswith("m"):
                for where, code in colour_codes(chunk) or [("reset", 0)]:
                    if where == "reset" or chunk == "\x1b[0m":
                        fg = bg = None
                    elif where == "fg":
                        fg = code % 10 + (8 if code >= 90 else 0)  # type: ignore[operator]
                    else:
                        bg = code % 10 + (8 if code >= 100 else 0)  # type: ignore[operator]
            continue
        if fg is not None and fg == bg and re.search(r"[0-9A-Za-z]", chunk):
            invisible.append(chunk)
    assert not invisible, invisible[:5]
    assert "kW" in text and "Charging" in text


def textual_chrome(text: str, cols: int) -> str:
    """``text`` without Textual's own block glyphs, which our ASCII switch does not reach:
    the scrollbar thumb in the last two columns and the footer's "▏" before ^p."""
    text = SGR.sub("", text)
    text = re.sub(rf"\x1b\[\d+;({cols - 1}|{cols})H[\u2580-\u259f]+", "", text)
    return text.replace("\u258f^p", "^p")


def test_a_c_locale_switches_charts_and_bars_to_ascii(host: str, tmp_path: Path) -> None:
    env = base_env(tmp_path, LANG="C", LC_ALL="C")
    with pty_app([host], env) as app:
        text = settle(app, seconds=1.0)
        app.write(b"\r")  # the detail screen too: charts, signal bar
        time.sleep(1.0)
        text = app.text()
        quit_app(app)
    assert "Current (A)" in text  # the charts are there...
    assert not BRAILLE.findall(text), set(BRAILLE.findall(text))  # ...in ASCII
    ours = textual_chrome(text, cols=120)
    assert not BLOCKS.findall(ours), set(BLOCKS.findall(ours))


def test_a_utf8_locale_keeps_the_unicode_charts(host: str, tmp_path: Path) -> None:
    """The other side of the switch: the same run in C.UTF-8 draws braille charts."""
    with pty_app([host], base_env(tmp_path)) as app:
        settle(app, seconds=1.0)
        app.write(b"\r")
        time.sleep(1.0)
        text = app.text()
        quit_app(app)
    assert BRAILLE.search(text)


def test_resizing_down_to_80x24_and_back(host: str, tmp_path: Path) -> None:
    with pty_app([host], base_env(tmp_path), cols=160, rows=50) as app:
        settle(app, seconds=0.5)
        # The 1 s vitals cadence redraws every second; quiet means between two redraws.
        assert app.wait_quiet(0.3)
        mark = app.mark()
        app.resize(80, 24)
        # A poll can redraw at the old size between the kernel's resize and the app seeing
        # SIGWINCH, and a loaded machine can delay the new frame past any fixed sleep; what
        # the user is left with is the last complete frame, which must fit.
        deadline = time.monotonic() + 15
        while True:
            assert app.alive()
            frames = [f for f in app.text(mark).split("\x1b[?2026h") if MOVE.search(f)]
            moves = [(int(r), int(c)) for r, c in MOVE.findall(frames[-1])] if frames else []
            fits = bool(moves) and max(r for r, _ in moves) <= 24 and max(
                c for _, c in moves) <= 80
            if fits and app.wait_quiet(0.3):
                frames = [f for f in app.text(mark).split("\x1b[?2026h") if MOVE.search(f)]
                moves = [(int(r), int(c)) for r, c in MOVE.findall(frames[-1])]
                break
            assert time.monotonic() < deadline, "no frame that fits 80x24 after shrinking"
            time.sleep(0.1)
        assert max(r for r, _ in moves) <= 24 and max(c for _, c in moves) <= 80
        mark = app.mark()
        app.resize(160, 50)
        time.sleep(1.0)
        big = app.text(mark)
        assert app.alive()
        assert max(int(r) for r, _ in MOVE.findall(big)) > 24  # redrawn at full size
        quit_app(app)
        assert "Traceback" not in app.text()


def test_term_dumb_gives_the_one_shot_report(host: str, tmp_path: Path) -> None:
    with pty_app([host], base_env(tmp_path, TERM="dumb")) as app:
        assert app.wait_exit(20)
        text = app.text()
    assert app.returncode == 0  # charging, all well: the status command's exit 0
    assert "\x1b[?1049h" not in text  # never entered the full-screen mode
    assert "Charging (11)" in text and "0 unreachable; exit 0" in text


def test_stdout_not_a_terminal_gives_the_one_shot_report(host: str, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "twc_tui", host], cwd=ROOT,
                          capture_output=True, text=True, timeout=30,
                          env=base_env(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout
    assert "Charging (11)" in proc.stdout and "Traceback" not in proc.stderr


def test_an_unreachable_charger_without_a_terminal_exits_3(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "twc_tui", "--timeout", "0.5", "127.0.0.1:9"],
                          cwd=ROOT, capture_output=True, text=True, timeout=30,
                          env=base_env(tmp_path, TERM="dumb"))
    assert proc.returncode == 3
    assert "connection refused" in proc.stdout
