"""Snapshots of every screen at 80x24 and 160x50, from a fixed clock and scripted state.

Re-bless only on purpose, after looking at the SVGs: ``pytest --snapshot-update`` and then
open ``tests/__snapshots__/test_snapshots/*.svg``.
"""

from __future__ import annotations

import pytest

from tests.tui_scenario import make_app

SIZES = [(80, 24), (160, 50)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_overview(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(3), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_detail(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(1), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_detail_of_offline_charger(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(3), terminal_size=size, press=["3"])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(3), terminal_size=size, press=["question_mark"])
