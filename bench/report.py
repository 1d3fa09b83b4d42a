"""Printing bench/run.py's figures, and writing them to bench/RESULTS.md.

Everything in RESULTS.md from the ANALYSIS marker on is written by hand (the profiles behind
each MISS) and is carried over when the file is regenerated.
"""

from __future__ import annotations

import math
import os
import platform
import subprocess
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ANALYSIS = "<!-- analysis: written by hand, kept when bench/run.py rewrites this file -->"


@dataclass(frozen=True)
class Check:
    """One target: ``value`` must be at most ``target``."""

    scenario: str
    what: str
    value: float
    target: float
    unit: str

    @property
    def passed(self) -> bool:
        return not math.isnan(self.value) and self.value <= self.target

    def line(self) -> str:
        verdict = "PASS" if self.passed else "MISS"
        over = ""
        if not self.passed and self.target and math.isfinite(self.value):
            excess = self.value - self.target
            over = f" (by {excess:.3g} {self.unit}, x{self.value / self.target:.2f})"
        return (f"{verdict}  ({self.scenario}) {self.what}: {fmt(self.value)} {self.unit}"
                f" (target <= {self.target:g} {self.unit}){over}")


def fmt(x: object, digits: int = 2) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        if math.isnan(x):
            return "n/a"
        if math.isinf(x):
            return "never"
        return f"{x:.{digits}f}"
    return str(x)


def _windows(res: dict[str, object]) -> list[tuple[str, object]]:
    # Duck-typed: run.py may be __main__, so its Window class is not importable as run.Window.
    return [(k, res[k]) for k in ("a", "b", "c", "f") if hasattr(res.get(k), "cpu_pct")]


def figures_table(res: dict[str, object]) -> list[str]:
    rows = ["| scenario | CPU % of one core | terminal output | RSS | first live frame |"
            " other processes' CPU | load avg |",
            "|---|---:|---:|---:|---:|---:|---|"]
    for key, w in _windows(res):
        rows.append(f"| ({key}) | {w.cpu_pct:.2f} % | {w.bytes_per_s / 1024:.2f} KB/s | "  # type: ignore[attr-defined]
                    f"{w.rss_mb:.1f} MB | {fmt(w.first_frame_s)} s | "  # type: ignore[attr-defined]
                    f"{w.others_pct:.0f} % | {w.load} |")  # type: ignore[attr-defined]
    e = res.get("e")
    if isinstance(e, dict):
        rows.append(f"| (e) | {e['cpu_pct']:.1f} % | {e['bytes_per_s'] / 1024:.2f} KB/s | "
                    f"{e['rss_start_mb']:.1f} → {e['rss_end_mb']:.1f} MB | "
                    f"{fmt(e['first_frame_s'])} s | {e['others_pct']:.0f} % | {e['load']} |")
    return rows


def lateness_summary(res: dict[str, object]) -> list[str]:
    out = []
    for key, w in _windows(res):
        late = [x for x in w.extra.get("lateness", []) if x.polls]  # type: ignore[attr-defined]
        if not late:
            continue
        p50 = sorted(x.p50_ms for x in late)[len(late) // 2]
        worst = max(late, key=lambda x: x.p99_ms)
        out.append(f"({key}) poll lateness over {len(late)} live charger(s): median p50 "
                   f"{p50:.1f} ms; worst p99 {worst.p99_ms:.1f} ms ({worst.charger}, "
                   f"{worst.polls} polls); worst single gap {max(x.max_ms for x in late):.1f} ms")
    return out


def extras(res: dict[str, object]) -> list[str]:
    out = []
    for key in ("ff1", "ff8"):
        times = res.get(key)
        if isinstance(times, list):
            out.append(f"({key}) first live frame per start: "
                       + ", ".join(fmt(t) for t in times) + " s")
    d = res.get("d")
    if isinstance(d, dict):
        out.append(f"(d) status: median {d['median_s']:.3f} s over {d['runs']} runs "
                   f"(min {d['min_s']:.3f}, max {d['max_s']:.3f}), exit codes {d['exit_codes']}, "
                   f"{d['modules']} modules imported, textual: "
                   f"{', '.join(d['textual_modules']) or 'none'}, rich: "
                   f"{'yes' if d['rich'] else 'no'}")
    e = res.get("e")
    if isinstance(e, dict):
        out.append(f"(e) {e['hours']:g} simulated h at x{e['scale']:g} in {e['real_s']:.0f} s: "
                   f"RSS {e['rss_start_mb']:.1f} MB after warm-up → {e['rss_end_mb']:.1f} MB "
                   f"(max {e['rss_max_mb']:.1f}, VmHWM {e['hwm_mb']:.1f}); "
                   f"{e['vitals_polls']} vitals polls ({e['nominal_polls']} in a real day of "
                   f"the same script at 1 s/5 s), {e['requests']} requests in all")
    a, f = res.get("a"), res.get("f")
    if isinstance(f, str):
        out.append(f"(f) {f}")
    elif f is not None and a is not None and hasattr(a, "cpu_pct"):
        ratio = a.cpu_pct / f.cpu_pct if f.cpu_pct else math.nan  # type: ignore[attr-defined]
        out.append(f"(f) baseline {f.cpu_pct:.2f} % CPU; a/f = {ratio:.2f} "  # type: ignore[attr-defined]
                   f"(the issue asks for below 1/3)")
    for key in ("a", "b", "c", "d", "e", "f", "ff1", "ff8"):
        if isinstance(res.get(key), str) and key != "f":
            out.append(f"({key}) {res[key]}")
    import hub_report  # here: it imports this module's Check

    return out + hub_report.lines(res)


def print_results(res: dict[str, object], checks: list[Check]) -> None:
    print()
    for row in figures_table(res):
        print(row)
    print()
    for line in lateness_summary(res) + extras(res):
        print(line)
    print()
    for check in checks:
        print(check.line())


def _versions() -> str:
    parts = []
    for name in ("textual", "textual-plotext", "plotext", "httpx", "rich"):
        try:
            parts.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            parts.append(f"{name} ?")
    return ", ".join(parts)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True, cwd=Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return head


def write_results(path: Path, res: dict[str, object], checks: list[Check]) -> None:
    kept = ""
    if path.exists():
        old = path.read_text(encoding="utf-8")
        if ANALYSIS in old:
            kept = old[old.index(ANALYSIS):]
    plan = res["plan"]
    when = time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(res["started"]))  # type: ignore[arg-type]
    lines = [
        "# Performance budget: results",
        "",
        "Written by `python bench/run.py`"
        + (" --quick" if res.get("quick") else "") + "; see bench/README.md for the method.",
        "",
        f"- Machine: {_cpu_model()}, {os.cpu_count()} cores, Linux {platform.release()}",
        f"- Python {platform.python_version()}; {_versions()}",
        f"- Date: {when}; twc-tui at commit {_commit()} (plus uncommitted work in the tree)",
        f"- Load average (1/5/15 min) before: {res['load_before']}, after: {res['load_after']}",
        f"- Windows: {plan.warmup:g} s warm-up then {plan.seconds:g} s measured; pty "  # type: ignore[attr-defined]
        "160x50, TERM=xterm-256color, COLORTERM unset",
        "",
        "## Targets",
        "",
        "| | scenario | what | measured | target |",
        "|---|---|---|---:|---:|",
    ]
    for c in checks:
        verdict = "PASS" if c.passed else "**MISS**"
        lines.append(f"| {verdict} | ({c.scenario}) | {c.what} | {fmt(c.value)} {c.unit} | "
                     f"≤ {c.target:g} {c.unit} |")
    lines += ["", "## Figures", "", *figures_table(res), "",
              "\"Other processes' CPU\" is the machine's busy time in the window minus twc-tui "
              "and the bench itself (simulators included): other work on this shared machine. "
              "A scenario is run again when it is above 30 % of one core.", ""]
    lines += [f"- {line}" for line in lateness_summary(res) + extras(res)]
    lines += _lateness_tables(res) + _rss_timeline(res)
    lines += ["", kept or ANALYSIS + "\n\n## Analysis\n\n(none yet)\n"]
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")


def _lateness_tables(res: dict[str, object]) -> list[str]:
    out: list[str] = []
    for key, w in _windows(res):
        late = w.extra.get("lateness", [])  # type: ignore[attr-defined]
        if key != "c" or not late:
            continue
        out += ["", "<details><summary>(c) poll lateness per charger (ms; gap between "
                "consecutive vitals requests minus 2 s)</summary>", "",
                "| charger | polls | p50 | p99 | max |", "|---|---:|---:|---:|---:|"]
        out += [f"| {x.charger} | {x.polls} | {fmt(x.p50_ms, 1)} | {fmt(x.p99_ms, 1)} | "
                f"{fmt(x.max_ms, 1)} |" for x in late]
        out += ["", "</details>"]
    return out


def _rss_timeline(res: dict[str, object]) -> list[str]:
    e = res.get("e")
    if not isinstance(e, dict):
        return []
    samples = e["samples"]
    step = max(1, len(samples) // 12)
    picked = samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else [])
    return ["", "(e) RSS over simulated time: "
            + ", ".join(f"{h:.1f} h {mb:.1f} MB" for h, mb in picked)]
