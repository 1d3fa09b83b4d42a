"""Issue 17's targets and figure lines, from the results of hub_scenarios, hub_day and month."""

from __future__ import annotations

import math
from typing import Any

import harness
from report import Check, fmt


def _d(res: dict[str, object], key: str) -> dict[str, Any] | None:
    value = res.get(key)
    return value if isinstance(value, dict) else None


def checks(res: dict[str, object]) -> list[Check]:
    out: list[Check] = []
    a, f = res.get("a"), res.get("f")
    if hasattr(a, "cpu_pct") and hasattr(f, "cpu_pct") and f.cpu_pct > 0:  # type: ignore[union-attr]
        out.append(Check("a/f", "direct monitor's CPU over watch/curl/jq (issue 17)",
                         a.cpu_pct / f.cpu_pct, 0.33, "x"))  # type: ignore[union-attr]
        out.append(Check("a", "terminal output (issue 17)", a.bytes_per_s / 1024, 1.5,  # type: ignore[union-attr]
                         "KB/s"))
    g = _d(res, "hub50")
    if g and "hub" in g:
        cpu = g["hub"]["cpu"]
        out += [Check("hub50", "hub CPU", cpu["hub"], 5.0, "%"),
                Check("hub50", "hub RSS", g["hub"]["rss_mb"].get("hub", math.nan), 80.0, "MB"),
                Check("hub50", "/metrics scrape p99", g["scrapes"]["p99_ms"], 20.0, "ms"),
                Check("hub50", "poll lateness p99 (all 50)", g["lateness"]["p99_ms"], 100.0,
                      "ms")]
        both = cpu["monitor 1"] + cpu["monitor 2"]
        out.append(Check("hub50", "2 attached monitors over 1 direct (CPU)",
                         both / g["direct"]["cpu_pct"], 1.0, "x"))
    h = _d(res, "hub300")
    if h and "hub" in h:
        out += [Check("hub300", "hub CPU", h["hub"]["cpu"]["hub"], 10.0, "%"),
                Check("hub300", "hub RSS", h["hub"]["rss_mb"].get("hub", math.nan), 150.0,
                      "MB"),
                Check("hub300", "/metrics scrape p99", h["scrapes"]["p99_ms"], 50.0, "ms"),
                Check("hub300", "poll lateness p99 (all 297 live)", h["lateness"]["p99_ms"],
                      250.0, "ms")]
    if h and "fleet" in h:
        keys = h.get("keys") or {}
        out += [Check("fleet", "CPU", h["fleet"]["cpu_pct"], 5.0, "%"),
                Check("fleet", "terminal output", h["fleet"]["bytes_per_s"] / 1024, 3.0,
                      "KB/s")]
        for what in ("filter", "sort"):
            k = keys.get(what)
            if k:
                value = k["p99_ms"] if k["answered"] == k["presses"] else math.inf
                out.append(Check("fleet", f"{what}: key press to changed frame p99", value,
                                 100.0, "ms"))
    s = _d(res, "hubstart")
    if s:
        for key, label, target in (("attached_first_s", "first live frame attached (median)",
                                    0.5), ("healthz_s", "serve answers /healthz (median)", 1.0)):
            times = s.get(key) or []
            got = [t for t in times if t is not None]
            value = harness.median(got) if got and len(got) == len(times) else math.inf
            out.append(Check("hubstart", label, value, target, "s"))
        out.append(Check("hubstart", "status --hub wall time (median)", s["status"]["median_s"],
                         0.2, "s"))
    day = _d(res, "hubday")
    if day and "rss_growth_mb" in day:
        out.append(Check("hubday", f"hub RSS growth after warm-up, {day['hours']:g} simulated h",
                         day["rss_growth_mb"], 2.0, "MB"))
    return out


def _cpu_line(cpu: dict[str, float]) -> str:
    return ", ".join(f"{name} {pct:.2f} %" for name, pct in cpu.items())


def lines(res: dict[str, object]) -> list[str]:
    out: list[str] = []
    g = _d(res, "hub50")
    if g and "hub" in g:
        d, hub, late, sc = g["direct"], g["hub"], g["lateness"], g["scrapes"]
        out.append(f"(hub50) one direct monitor of the 50 (fleet table): {d['cpu_pct']:.2f} % "
                   f"CPU, {d['bytes_per_s'] / 1024:.2f} KB/s, {fmt(d['rss_mb'], 1)} MB; the "
                   f"simulators meanwhile {d['farm_pct']:.2f} %; load {d['load']}")
        out.append(f"(hub50) hub window {hub['seconds']:.0f} s, CPU: {_cpu_line(hub['cpu'])}; "
                   f"other processes {hub['others_pct']:.0f} %; load {hub['load']}")
        first = ", ".join(fmt(t) for t in g["attached_first_s"])
        out.append("(hub50) RSS: " + ", ".join(f"{k} {v:.1f} MB" for k, v in
                                               hub["rss_mb"].items())
                   + "; attached monitors' output " + ", ".join(
                       f"{b / 1024:.2f} KB/s" for b in hub["attached_bytes_per_s"])
                   + f"; first live frame attached {first} s")
        mqtt = hub.get("mqtt_msgs_per_s")
        out.append(f"(hub50) MQTT: {g['mqtt']}" + (
            f"; a subscriber to twc/# received {mqtt:.1f} messages/s" if mqtt is not None
            else ""))
        out.append(_scrape_line("hub50", sc))
        out.append(_late_line("hub50", late))
    h = _d(res, "hub300")
    if h and "hub" in h:
        out.append(f"(hub300) {h['chargers']} chargers, hub window {h['hub']['seconds']:.0f} s, "
                   f"CPU: {_cpu_line(h['hub']['cpu'])}; RSS "
                   + ", ".join(f"{k} {v:.1f} MB" for k, v in h["hub"]["rss_mb"].items())
                   + f"; other processes {h['hub']['others_pct']:.0f} %; load {h['hub']['load']}")
        out.append(_scrape_line("hub300", h["scrapes"]))
        out.append(_late_line("hub300", h["lateness"]))
        out.append(_late_line("hub300, the 30 charging at 1 s", h["lateness_charging"]))
    if h and "fleet" in h:
        fl = h["fleet"]
        out.append(f"(fleet) attached to the 300: {fl['cpu_pct']:.2f} % CPU, "
                   f"{fl['bytes_per_s'] / 1024:.2f} KB/s, {fmt(fl['rss_mb'], 1)} MB, first "
                   f"live frame {fmt(h['fleet_first_s'])} s; hub meanwhile {fl['hub_pct']:.2f} %; "
                   f"load {fl['load']}")
        keys = dict(h.get("keys") or {})
        missed = keys.pop("missed", [])
        for what, k in keys.items():
            out.append(f"(fleet) {what}: {k['answered']}/{k['presses']} presses answered, "
                       f"p50 {fmt(k['p50_ms'], 1)} ms, p99 {fmt(k['p99_ms'], 1)} ms, max "
                       f"{fmt(k['max_ms'], 1)} ms")
        for line in missed:  # the first unanswered press: what the terminal showed instead
            out.append(f"(fleet) unanswered {line}")
    s = _d(res, "hubstart")
    if s:
        st = s["status"]
        out.append("(hubstart) serve to /healthz: " + ", ".join(fmt(t) for t in s["healthz_s"])
                   + " s; first live frame attached: "
                   + ", ".join(fmt(t) for t in s["attached_first_s"]) + " s")
        out.append(f"(hubstart) status --hub: median {st['median_s']:.3f} s over "
                   f"{len(st['walls'])} runs (min {min(st['walls']):.3f}, max "
                   f"{max(st['walls']):.3f}), exit codes {st['codes']}, {st['modules']} modules "
                   f"imported, of which {', '.join(st['heavy']) or 'none'}")
    out += _day_lines(res) + _month_lines(res)
    for key in ("hub50", "hub300", "hubstart", "hubday", "month"):
        if isinstance(res.get(key), str):
            out.append(f"({key}) {res[key]}")
    return out


def _scrape_line(key: str, sc: dict[str, Any]) -> str:
    return (f"({key}) /metrics: {sc['count']} scrapes every 5 s, p50 {fmt(sc['p50_ms'], 1)} ms, "
            f"p99 {fmt(sc['p99_ms'], 1)} ms, max {fmt(sc['max_ms'], 1)} ms, "
            f"{sc['bytes'] / 1024:.0f} KB each" + (f"; errors: {sc['errors']}" if sc["errors"]
                                                   else ""))


def _late_line(key: str, late: dict[str, Any]) -> str:
    worst = late["worst"]
    rude = late["impolite"]
    return (f"({key}) poll lateness over {late['gaps']} vitals gaps: p50 "
            f"{fmt(late['p50_ms'], 1)} ms, p99 {fmt(late['p99_ms'], 1)} ms, max "
            f"{fmt(late['max_ms'], 1)} ms" + (f"; worst charger {worst.charger} p99 "
                                              f"{worst.p99_ms:.1f} ms" if worst else "")
            + ("; every charger saw one polite poller" if not rude else
               f"; NOT polite: {dict(list(rude.items())[:3])}"))


def _month_lines(res: dict[str, object]) -> list[str]:
    m = _d(res, "month")
    if not m:
        return []
    return [f"(month) {m['days']} days x {m['chargers']} chargers = {m['samples']:,} samples "
            f"written in {m['write_s']:.0f} s: {m['db_mb']:.1f} MB, "
            f"{m['per_charger_day_kb']:.0f} kB per charger per day",
            f"(month) Sessions: {m['sessions']} sessions, the query (session_records, as the "
            f"Sessions screen and /api/sessions run it) {m['sessions_query_s'] * 1000:.0f} ms "
            f"median (max {m['sessions_query_max_s'] * 1000:.0f}) without a price, "
            f"{m['sessions_priced_s'] * 1000:.0f} ms with one price, "
            f"{m.get('sessions_zoned_s', float('nan')):.2f} s on time-of-use zones; "
            f"`twc-tui sessions --json` "
            f"{m['sessions_cli_s']:.2f} s end to end (exit {m['sessions_cli_exit']}, "
            f"{m['sessions_cli_bytes'] / 1024:.0f} KB)",
            f"(month) 24 h chart restore (prefill_history): one charger "
            f"{m['restore_one_s'] * 1000:.0f} ms median (max {m['restore_one_max_s'] * 1000:.0f}),"
            f" all {m['chargers']} (a hub's start) {m['restore_all_s']:.2f} s"]


def _mb(figures: dict[str, Any], *path: str) -> str:
    value: Any = figures
    for key in path:
        value = value.get(key, {}) if isinstance(value, dict) else {}
    return f"{value:.1f}" if isinstance(value, float | int) else "?"


def _day_lines(res: dict[str, object]) -> list[str]:
    d = _d(res, "hubday")
    if not d:
        return []
    p, t = d["plain"], d["traced"]
    samples = p["samples"]
    step = max(1, len(samples) // 12)
    picked = samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else [])
    out = [f"(hubday) {d['hours']:g} simulated h at x{d['scale']:g} in {p['real_s']:.0f} s "
           f"(hub CPU {p['cpu_pct']:.0f} %, {d['vitals_polls']} vitals polls, "
           f"{p['scrapes']} scrapes): RSS {d['rss_start_mb']:.1f} MB after warm-up -> "
           f"{d['rss_end_mb']:.1f} MB",
           "(hubday) RSS over simulated time: "
           + ", ".join(f"{h:.1f} h {mb:.1f} MB" for h, mb in picked)]
    for label, fig in (("warm-up", p["start"]), ("end", p["end"])):
        out.append(f"(hubday) allocators at {label}: RSS {_mb(fig, 'rss_mb')} MB; pymalloc "
                   f"{_mb(fig, 'pymalloc', 'arenas_allocated')} arenas (highwater "
                   f"{_mb(fig, 'pymalloc', 'arenas_highwater')}), blocks in use "
                   f"{_mb(fig, 'pymalloc', 'used_blocks_mb')} MB, free in used pools "
                   f"{_mb(fig, 'pymalloc', 'free_blocks_mb')} MB, unused pools "
                   f"{_mb(fig, 'pymalloc', 'free_pools_mb')} MB; glibc heap "
                   f"{_mb(fig, 'glibc', 'arena_mb')} MB of which in use "
                   f"{_mb(fig, 'glibc', 'in_use_mb')} MB, free {_mb(fig, 'glibc', 'free_mb')} MB,"
                   f" mmapped {_mb(fig, 'glibc', 'mmapped_mb')} MB")
    ts, te = t["start"], t["end"]
    out.append(f"(hubday) under tracemalloc, {t['samples'][-1][0]:.1f} simulated h: traced "
               f"{_mb(ts, 'traced_mb')} -> {_mb(te, 'traced_mb')} MB, RSS "
               f"{_mb(ts, 'rss_mb')} -> {_mb(te, 'rss_mb')} MB; largest growth by line:")
    for where, kib, count in t.get("growth", [])[:12]:
        out.append(f"    {kib:+.0f} KiB ({count:+d} blocks) {where}")
    return out
