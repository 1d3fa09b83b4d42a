"""``--log FILE``: what a user reads in the file after a charger failed, came back, or hit a
bug; and a path that cannot be opened is one line and exit code 2 for every command."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_poller import make, run_for
from twc_tui import cli
from twc_tui.commands.log_file import start_log


@pytest.fixture
def log_path(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "twc.log"
    assert start_log(str(path)) is None
    root = logging.getLogger("twc_tui")
    added = root.handlers[-1]
    yield path
    root.removeHandler(added)
    added.close()
    root.setLevel(logging.NOTSET)


async def test_a_charger_going_offline_and_back_leaves_two_lines(log_path: Path) -> None:
    poller, client, _ = make(offline_after=3)
    client.down = True
    await run_for(poller, 60)
    client.down = False
    await run_for(poller, 120)
    lines = log_path.read_text().splitlines()
    offline = [line for line in lines if "offline after" in line]
    back = [line for line in lines if "answering again" in line]
    # One line each, however many polls failed meanwhile: a log kept for days stays small.
    assert len(offline) == 1 and "WARNING" in offline[0]
    assert "c1: offline after 3 failed polls: connection refused by 127.0.0.1:9" in offline[0]
    assert len(back) == 1 and "c1: answering again after" in back[0]


async def test_a_bug_leaves_its_traceback_once_per_run_of_failures(log_path: Path) -> None:
    poller, client, _ = make()
    client.boom = True
    await run_for(poller, 30)
    text = log_path.read_text()
    errors = [line for line in text.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and "internal error reading /api/1/vitals (a twc-tui bug)" in errors[0]
    assert text.count("Traceback (most recent call last):") == 1
    assert "RuntimeError: a bug in parsing" in text


def test_a_hostile_string_reaches_the_file_without_its_escape_sequences(log_path: Path) -> None:
    logging.getLogger("twc_tui.engine.poller").warning(
        "c1: offline: %s", "\x1b]0;owned\x07\x1b[2Jgone" + "x" * 50_000)
    line = log_path.read_text().splitlines()[-1]
    assert "\x1b" not in line and "\x07" not in line
    assert "␛]0;owned␇␛[2Jgone" in line
    assert len(line) <= 2000


@pytest.mark.parametrize("argv", [
    ["--direct", "--log", "{missing}/twc.log", "127.0.0.1:9"],
    ["record", "--log", "{missing}/twc.log", "127.0.0.1:9"],
    ["serve", "--log", "{missing}/twc.log", "127.0.0.1:9"],
])
def test_a_log_that_cannot_be_opened_is_one_line_and_exit_2(
        argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    code = cli.main([a.format(missing=missing) for a in argv])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "--log: No such file or directory:" in err and "twc.log" in err
