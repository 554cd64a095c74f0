"""Fast where people wait: the pages clients and the studio open, against a bare Django view
served by the same processes in the same rounds (issue 22).

    .venv/bin/python bench/pages.py [--seconds S] [--rounds R] [--pages a,b,...]
        [--bookings N] [--databases sqlite,postgresql] [--clients C] [--bare-seconds B]
        [--json FILE] [--no-floors]

For SQLite, and for PostgreSQL when DATABASE_URL is set (a database of its own made and
dropped on that server; with REDIS_URL, Redis as the cache there, as in production), it
seeds a studio (pages_seed.py: 3 photographers, 500 bookings over three months, galleries of
100 and 1,000 photos), serves it with the Procfile's gunicorn line (2 sync workers) on
127.0.0.1 with production settings plus one bare view (pages_site.py), signs in as a client
(the gallery's link) and as the owner (the admin's sign-in page), checks that every page
answers 200 with what it should show, and then drives each page with 8 clients for S
seconds (the bare view for S/4) in R rounds: bare, page, bare, page..., bare (pages_load.py,
a process of its own). With --bookings N (5,000 unless 0) it then adds past bookings until
there are N and measures the dashboard and the calendar again.

Printed per page: requests per second (median of the rounds), p50 and p99 (all rounds'
requests), the uncompressed size, the CPU per request of the processes serving it (gunicorn's
workers; on PostgreSQL also the database's), and the ratio to the bare view (median of each
round's ratio to the bare views just before and after it). Then issue 22's goals as floors,
PASS or FAIL (with N bookings the dashboard and calendar are held to their CPU per request:
a figure the machine's other work hardly moves); the exit status is 1 when one fails.
"""

import argparse
import html
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages_report import HISTORY_PAGES, PAGES, SEEDED, Figures, floors, machine, table
from pages_serve import BROWSER, Jar, Response, Site

WARM_SECONDS = 0.5


@dataclass
class Page:
    path: str
    jar: Jar
    expect: str | bytes  # in the body of a good answer
    size: int = 0


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
        # What driving the bare view cost this process, against the fastest it answered.
        self.cpu = self.requests = self.busy = self.fastest = 0.0

    def run(self, site: Site, page: Page, seconds: float) -> dict:
        headers = {**BROWSER, "Accept-Encoding": "gzip, deflate, br", **page.jar.header()}
        job = {"port": site.port, "path": page.path, "headers": headers, "seconds": seconds}
        before = site.cpu()
        self.process.stdin.write(json.dumps({**job, "clients": self.clients}) + "\n")
        self.process.stdin.flush()
        result = json.loads(self.process.stdout.readline())
        # A process gone meanwhile (a database connection reopened) is left out.
        after = site.cpu()
        result["server_cpu"] = sum(used - before.get(pid, 0.0) for pid, used in after.items())
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
        "book-list": Page("/book/", visitor, f"/book/{facts['slug']}/"),
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
    rate = record(figure, result)
    load.fastest = max(load.fastest, rate)
    return rate


def record(figure: Figures, result: dict) -> float:
    rate = result["count"] / result["elapsed"]
    figure.rates.append(rate)
    figure.latencies.extend(result["latencies"])
    figure.cpu_ms.append(result["server_cpu"] * 1000 / result["count"])
    figure.wire.append(result["bytes"] / result["count"])
    return rate


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
    return table(figures, {name: page.size for name, page in pages.items()})


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="per page and round (5)")
    parser.add_argument("--bare-seconds", type=float, help="per bare view beside a page (S/4)")
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
    args.bare_seconds = args.bare_seconds or args.seconds / 4
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
        ceiling = load.requests / load.cpu
        print(
            f"\nThe load generator spent {1e6 / ceiling:.0f} µs of CPU per request: on one core "
            f"it could ask {ceiling:,.0f} a second, {ceiling / load.fastest:.0f} times the bare "
            f"view's fastest rate here ({load.fastest:.0f}/s); it used {load.cpu / load.busy:.0%} "
            "of one core while driving the bare view."
        )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    failed = held.count(False)
    print(f"{len(held) - failed} floors held, {failed} failed; {time.monotonic() - began:.0f} s.")
    return 1 if failed and not args.no_floors else 0


if __name__ == "__main__":
    sys.exit(main())
