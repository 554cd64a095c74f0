"""Fast where people wait: the pages clients and the studio open, against a bare Django view
served by the same processes in the same rounds (issue 22).

    .venv/bin/python bench/pages.py [--seconds S] [--rounds R] [--pages a,b,...]
                                    [--bookings N] [--databases sqlite,postgresql] [--no-floors]

For SQLite, and for PostgreSQL when DATABASE_URL is set (a database of its own made and
dropped on that server; with REDIS_URL, Redis as the cache there, as in production), it
seeds a studio (pages_seed.py: 3 photographers, 500 bookings over three months, galleries of
100 and 1,000 photos), serves it with the Procfile's gunicorn line (2 sync workers) on
127.0.0.1 with production settings plus one bare view (pages_site.py), signs in as a client
(the gallery's link) and as the owner (the admin's sign-in page), checks that every page
answers 200 with what it should show, and then drives each page with 8 clients for S
seconds (the bare view for S/3) in R rounds: bare, page, bare, page..., bare (pages_load.py,
a process of its own). With --bookings N (5,000 unless 0) it then adds past bookings until
there are N and measures the dashboard and the calendar again.

Printed per page: requests per second (median of the rounds), p50 and p99 (all rounds'
requests), the uncompressed size, what the workers spent per request in CPU, and the ratio to the
bare view (median of each round's ratio to the bare views just before and after it). Then
the goals of issue 22 as floors, PASS or FAIL; the exit status is 1 when one fails.
"""

import argparse
import html
import json
import os
import platform
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages_serve import BROWSER, Jar, Response, Site, postgres_admin

PAGES = {  # --pages name: what the table calls it
    "bare": "bare view",
    "home": "home",
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
    "booking-month": 0.3,
    "booking-day": 0.3,
    "gallery-1000": 0.25,
    "dashboard": 0.15,
    "calendar": 0.15,
}
GALLERY_GROWTH = 1.3  # 1,000 photos cost at most this many times 100
GALLERY_HTML_KB = 150  # kB of 1,000 bytes, uncompressed
HISTORY_FLOOR = 0.9  # with N bookings, at least this share of the ratio with 500
WARM_SECONDS = 0.5


@dataclass
class Page:
    path: str
    jar: Jar
    expect: str | bytes  # in the body of a good answer
    size: int = 0


@dataclass
class Figures:
    """One page's slots, round by round, each beside its bare view."""

    rates: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    wire: list[float] = field(default_factory=list)


class Load:
    """The load generator, a process of its own, for the life of the run."""

    def __init__(self, clients: int):
        self.clients = clients
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).parent / "pages_load.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.cpu = self.requests = 0.0
        self.busy = 0.0  # seconds of bare-view load, for the generator's own share

    def run(self, site: Site, page: Page, seconds: float) -> dict:
        headers = {**BROWSER, "Accept-Encoding": "gzip, deflate, br", **page.jar.header()}
        job = {"port": site.port, "path": page.path, "headers": headers, "seconds": seconds}
        before = site.workers_cpu()
        self.process.stdin.write(json.dumps({**job, "clients": self.clients}) + "\n")
        self.process.stdin.flush()
        result = json.loads(self.process.stdout.readline())
        result["workers_cpu"] = site.workers_cpu() - before
        if result["errors"] or not result["count"]:
            raise SystemExit(f"{page.path} under load: {result['errors'] or 'no answer'}")
        return result

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def pages_build(site: Site, facts: dict, names: list[str]) -> dict[str, Page]:
    """Every page asked for, each checked: 200 and what it should show (else the run stops)."""
    visitor = Jar()
    galleries = facts["galleries"]
    client = site.client_signed_in([g["link"] for g in galleries.values()])
    owner = site.owner_signed_in(facts["owner"]["username"], facts["owner"]["password"])
    pages = {
        "bare": Page("/bench/bare/", Jar(), b"ok"),
        "home": Page("/", visitor, html.escape(facts["studio"])),
        "booking-month": Page(f"/book/{facts['slug']}/", visitor, "day="),
        "dashboard": Page("/admin/", owner, html.escape(facts["dashboard_expect"])),
        "calendar": Page("/admin/shoots/booking/calendar/", owner, facts["calendar_expect"]),
        "thumbnail": Page(facts["thumbnail"], client, b"\xff\xd8\xff"),
    }
    for name, gallery in galleries.items():
        pages[name] = Page(gallery["path"], client, html.escape(gallery["title"]))
    if "booking-day" in names:  # the first free day the month page links to
        month = check(site, "booking-month", pages["booking-month"])
        day = re.search(r'href="([^"#]*[?&](?:amp;)?day=\d{4}-\d{2}-\d{2}[^"#]*)', month.text)
        if day is None:
            raise SystemExit("the booking month page links to no day with free times")
        pages["booking-day"] = Page(html.unescape(day.group(1)), visitor, "/details/?")
    chosen = {name: pages[name] for name in ["bare", *names]}
    for name, page in chosen.items():
        check(site, name, page)
    return chosen


def check(site: Site, name: str, page: Page) -> Response:
    for _ in range(2):  # the second time with the cookies the first one set, as a browser
        response = site.get(page.path, page.jar)
    body = response.body if isinstance(page.expect, bytes) else response.text
    if response.status != 200 or page.expect not in body:
        problem = f"answered {response.status}" if response.status != 200 else "lacks"
        raise SystemExit(f"{name} ({page.path}) {problem} {page.expect!r}")
    page.size = len(response.body)
    return response


def measure(site, load, pages, names, *, rounds, seconds, bare_seconds, label="") -> dict:
    """Round after round, the bare view between every two pages (and first and last); each
    page's ratio is to the mean of the bare views just before and just after it. Figures by
    name + label."""
    for name in ["bare", *names]:  # warm: templates loaded, connections open, in both workers
        load.run(site, pages[name], WARM_SECONDS)
    figures = {name + label: Figures() for name in ["bare", *names]}
    for number in range(rounds):
        print(f"  round {number + 1} of {rounds}{label}", flush=True)
        before = bare_run(site, load, pages["bare"], figures["bare" + label], bare_seconds)
        for name in names:
            rate = record(figures[name + label], load.run(site, pages[name], seconds))
            after = bare_run(site, load, pages["bare"], figures["bare" + label], bare_seconds)
            figures[name + label].ratios.append(rate / statistics.mean((before, after)))
            before = after
    return figures


def bare_run(site: Site, load: Load, page: Page, figure: Figures, seconds: float) -> float:
    """The bare view's requests per second now; what the load generator spent on them."""
    result = load.run(site, page, seconds)
    load.cpu += result["cpu"]
    load.requests += result["count"]
    load.busy += result["elapsed"]
    return record(figure, result)


def record(figure: Figures, result: dict) -> float:
    rate = result["count"] / result["elapsed"]
    figure.rates.append(rate)
    figure.latencies.extend(result["latencies"])
    figure.cpu_ms.append(result["workers_cpu"] * 1000 / result["count"])
    figure.wire.append(result["bytes"] / result["count"])
    return rate


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def table(figures: dict[str, Figures], pages: dict[str, Page]) -> dict[str, dict]:
    """Print the figures; the same as data, by page."""
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
            "size_kb": pages[name].size / 1000,
            "wire_kb": statistics.median(figure.wire) / 1000,
            "cpu_ms": statistics.median(figure.cpu_ms),
            "vs_bare": statistics.median(figure.ratios) if figure.ratios else 1.0,
        }
        label = PAGES[name] + (f", {history} bookings" if history else "")
        print(f"  {label:38} " + " ".join(f"{row[k]:{w}}" for k, w in COLUMNS.items()))
    print(
        "  (size: the body uncompressed; wire: the response as sent to a browser that accepts "
        "gzip and br;\n   CPU: gunicorn workers' CPU per request, the database server's not "
        "included)"
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
        print(f"  {'PASS' if ok else 'FAIL'}  {goal:58} {shown}")

    for name, least in RATIO_FLOORS.items():
        if name in ratio:
            floor(
                f"{name} at least {least} of the bare view",
                ratio[name] >= least,
                f"{ratio[name]:.3f}",
            )
    if "gallery-1000" in ratio and "gallery-100" in ratio:
        growth = ratio["gallery-100"] / ratio["gallery-1000"]
        floor(
            f"gallery-1000 costs at most {GALLERY_GROWTH}x gallery-100",
            growth <= GALLERY_GROWTH,
            f"{growth:.2f}x",
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
            kept = ratio[f"{name}@{history}"] / ratio[name]
            floor(
                f"{name} with {history} bookings at least {HISTORY_FLOOR} of with {SEEDED}",
                kept >= HISTORY_FLOOR,
                f"{kept:.2f}",
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
    import django
    import gunicorn

    parts = [
        f"Machine: {cpu}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
        f"Python {platform.python_version()}, Django {django.__version__}, "
        f"gunicorn {gunicorn.__version__}",
        f"SQLite {sqlite3.sqlite_version}",
    ]
    if postgres_base:
        parts[-1] += f", PostgreSQL {postgres_admin(postgres_base, 'SHOW server_version')}"
    return "\n".join(parts)


def one_database(site: Site, facts: dict, load: Load, args) -> dict[str, dict]:
    """Serve the prepared site, measure it, print its table; the table's rows."""
    started = time.monotonic()
    print(f"\n{site.database}:", flush=True)
    site.start()
    pages = pages_build(site, facts, args.pages)
    print(f"  serving on 127.0.0.1:{site.port}; every page answers as it should", flush=True)
    timing = {"rounds": args.rounds, "seconds": args.seconds, "bare_seconds": args.bare_seconds}
    figures = measure(site, load, pages, args.pages, **timing)
    again = [name for name in HISTORY_PAGES if name in args.pages]
    if args.bookings > SEEDED and again:
        added = site.history(args.bookings)
        print(f"  {added['bookings']} bookings now, back to {added['since']}", flush=True)
        figures |= measure(site, load, pages, again, label=f"@{args.bookings}", **timing)
    site.stop()
    print(f"\n{site.database}, measured in {time.monotonic() - started:.0f} s:")
    return table(figures, pages)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="per page and round (5)")
    parser.add_argument("--bare-seconds", type=float, help="per bare view beside a page (S/3)")
    parser.add_argument("--rounds", type=int, default=4, help="(4)")
    parser.add_argument("--pages", help="of: " + ", ".join(PAGES) + " (all)")
    parser.add_argument(
        "--bookings", type=int, default=5000, help="then the dashboard and calendar with N (5000)"
    )
    parser.add_argument("--clients", type=int, default=8, help="at once (8)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="(both)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--no-floors", action="store_true", help="print them, exit 0 anyway")
    args = parser.parse_args()
    asked = set((args.pages or ",".join(PAGES)).split(",")) - {"", "bare"}
    if unknown := asked - set(PAGES):
        parser.error(f"no page called {', '.join(sorted(unknown))}; pages: {', '.join(PAGES)}")
    args.pages = [name for name in PAGES if name in asked]  # the table's order
    args.bare_seconds = args.bare_seconds or args.seconds / 3
    args.databases = args.databases.split(",")
    if unknown := set(args.databases) - {"sqlite", "postgresql"}:
        parser.error(f"no database called {', '.join(sorted(unknown))}: sqlite, postgresql")
    return args


def sites_for(work: Path, args) -> list[Site]:
    postgres_base = os.environ.get("DATABASE_URL", "")
    sites = [Site("sqlite", work)] if "sqlite" in args.databases else []
    if "postgresql" in args.databases and postgres_base:
        redis = os.environ.get("REDIS_URL", "")
        sites.append(Site("postgresql", work, postgres_base=postgres_base, redis=redis))
    elif "postgresql" in args.databases:
        print("PostgreSQL: not measured, as DATABASE_URL is not set.")
    return sites


def prepared(sites: list[Site]) -> list[dict]:
    """Each database migrated and seeded, side by side, before anything is measured."""
    began = time.monotonic()
    with ThreadPoolExecutor() as pool:
        facts = list(pool.map(lambda site: site.prepare(collect_static=site is sites[0]), sites))
    names = " and ".join(site.database for site in sites)
    print(f"Migrated and seeded {names} in {time.monotonic() - began:.0f} s.", flush=True)
    return facts


def main() -> int:
    args = arguments()
    postgres_base = os.environ.get("DATABASE_URL", "") if "postgresql" in args.databases else ""
    began = time.monotonic()
    print(machine(postgres_base))
    print(
        f"{args.clients} clients; each page {args.seconds:g} s and the bare view "
        f"{args.bare_seconds:.2g} s beside it, {args.rounds} rounds; gunicorn with 2 sync workers "
        "on 127.0.0.1"
    )
    load = Load(args.clients)
    held, report = [], {}
    with tempfile.TemporaryDirectory(prefix="sitting-bench-pages-") as work:
        sites = sites_for(Path(work), args)
        try:
            for site, facts in zip(sites, prepared(sites), strict=True):
                report[site.database] = rows = one_database(site, facts, load, args)
                print()
                held += floors(rows, history=str(args.bookings))
        finally:
            for site in sites:
                site.stop()
            load.close()
    if load.requests:
        per_request = load.cpu / load.requests
        print(
            f"\nThe load generator used {per_request * 1e6:.0f} µs of CPU per request (it could "
            f"ask {1 / per_request:,.0f} per second on one core): {load.cpu / load.busy:.0%} of "
            "one core while driving the bare view."
        )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    failed = held.count(False)
    print(f"{len(held) - failed} floors held, {failed} failed; {time.monotonic() - began:.0f} s.")
    return 1 if failed and not args.no_floors else 0


if __name__ == "__main__":
    sys.exit(main())
