"""What bench/pages.py prints: the machine, each database's table, and issue 22's goals as
floors, PASS or FAIL."""

import os
import platform
import sqlite3
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import django
import gunicorn
from pages_serve import postgres_admin

PAGES = {  # --pages name: what the table calls it
    "bare": "bare view",
    "home": "home",
    "book-list": "sessions to book (/book/)",
    "booking-month": "booking month page",
    "booking-day": "one day's free times",
    "gallery-100": "client gallery, 100 photos",
    "gallery-1000": "client gallery, 1,000 photos",
    "dashboard": "admin dashboard",
    "calendar": "admin month calendar",
    "thumbnail": "a thumbnail file",
}
HISTORY_PAGES = ("dashboard", "calendar")  # measured again with --bookings
SEEDED = 500  # bookings pages_seed.py makes
# Each page's requests per second as a share of the bare view's, at least (issue 22).
RATIO_FLOORS = {
    "home": 0.5,
    "book-list": 0.5,  # made once per change, as the home page
    "booking-month": 0.3,
    "booking-day": 0.3,
    "gallery-1000": 0.25,
    "dashboard": 0.15,
    "calendar": 0.15,
}
GALLERY_GROWTH = 1.3  # 1,000 photos cost at most this many times 100
GALLERY_HTML_KB = 150  # kB of 1,000 bytes, uncompressed
# With N bookings, the CPU per request at most this many times that with 500: what a request
# costs hardly changes with the machine's other work, a share of the bare view's rate does.
HISTORY_GROWTH = 1.1


@dataclass
class Figures:
    """One page's slots, round by round, each between two of the bare view's."""

    rates: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    wire: list[float] = field(default_factory=list)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def table(figures: dict[str, Figures], sizes: dict[str, int]) -> dict[str, dict]:
    """Print the figures (`sizes`: each page's body, in bytes); the same as data, by page."""
    print(
        f"\n  {'page':38} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'size kB':>8} "
        f"{'wire kB':>8} {'CPU ms':>7} {'vs bare':>8}"
    )
    rows = {}
    for key, figure in figures.items():
        name, _, history = key.partition("@")
        row = rows[key] = {
            "req_s": statistics.median(figure.rates),
            "p50_ms": percentile(figure.latencies, 0.5),
            "p99_ms": percentile(figure.latencies, 0.99),
            "size_kb": sizes[name] / 1000,
            "wire_kb": statistics.median(figure.wire) / 1000,
            "cpu_ms": statistics.median(figure.cpu_ms),
            "vs_bare": statistics.median(figure.ratios) if figure.ratios else 1.0,
        }
        label = PAGES[name] + (f", {history} bookings" if history else "")
        print(f"  {label:38} " + " ".join(f"{row[k]:{w}}" for k, w in COLUMNS.items()))
    print(
        "  (size: the body, uncompressed; wire: the response as sent to a browser accepting "
        "gzip and br;\n   CPU: per request, in gunicorn's workers and, on PostgreSQL, the "
        "database's processes serving them)"
    )
    return rows


COLUMNS = {  # table() prints these, in this order and format
    "req_s": "7.1f",
    "p50_ms": "8.1f",
    "p99_ms": "8.1f",
    "size_kb": "8.1f",
    "wire_kb": "8.1f",
    "cpu_ms": "7.2f",
    "vs_bare": "8.3f",
}


def floors(rows: dict[str, dict], history: str) -> list[bool]:
    """Issue 22's goals for what was measured: printed, and whether each held."""
    ratio = {key: row["vs_bare"] for key, row in rows.items()}
    held = []

    def floor(goal: str, ok: bool, shown: str) -> None:
        held.append(ok)
        print(f"  {'PASS' if ok else 'FAIL'}  {goal:60} {shown}")

    for name, least in RATIO_FLOORS.items():
        if name in ratio:
            floor(
                f"{name} at least {least} of the bare view",
                ratio[name] >= least,
                f"{ratio[name]:.3f}",
            )
    if "gallery-1000" in ratio and "gallery-100" in ratio:
        growth = ratio["gallery-100"] / ratio["gallery-1000"]
        cpu = rows["gallery-1000"]["cpu_ms"] / rows["gallery-100"]["cpu_ms"]
        floor(
            f"gallery-1000 costs at most {GALLERY_GROWTH}x gallery-100",
            growth <= GALLERY_GROWTH,
            f"{growth:.2f}x (CPU {cpu:.2f}x)",
        )
    if "gallery-1000" in rows:
        size = rows["gallery-1000"]["size_kb"]
        floor(
            f"gallery-1000 HTML under {GALLERY_HTML_KB} kB",
            size < GALLERY_HTML_KB,
            f"{size:.1f} kB",
        )
    for name in HISTORY_PAGES:
        if f"{name}@{history}" in ratio and name in ratio:
            growth = rows[f"{name}@{history}"]["cpu_ms"] / rows[name]["cpu_ms"]
            kept = ratio[f"{name}@{history}"] / ratio[name]
            floor(
                f"{name} with {history} bookings at most {HISTORY_GROWTH}x the CPU with {SEEDED}",
                growth <= HISTORY_GROWTH,
                f"{growth:.2f}x (vs bare, {kept:.2f} of with {SEEDED})",
            )
    return held


def machine(postgres_base: str) -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or platform.machine(),
    )
    parts = [
        f"Machine: {cpu}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
        f"Python {platform.python_version()}, Django {django.__version__}, "
        f"gunicorn {gunicorn.__version__}",
        f"SQLite {sqlite3.sqlite_version}",
    ]
    if postgres_base:
        parts[-1] += f", PostgreSQL {postgres_admin(postgres_base, 'SHOW server_version')[0][0]}"
    return "\n".join(parts)
