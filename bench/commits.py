"""Is one commit slower than another where people wait? Runs the same requests against two
commits side by side and prints the ratio of their CPU times.

    .venv/bin/python bench/commits.py OLD [NEW]      (NEW defaults to the working tree)

Each commit is checked out in a throwaway worktree and served by its own long-lived process
(its own SQLite database with the demo studio, through Django's test client: the whole
request, middleware to template, without a network). The processes take turns, round by
round, in alternating order, so a busy machine slows both alike; each round times every
request below several times in CPU seconds, and the figures are medians over the rounds,
never the best. A ratio of 1.00 is no change; above 1.00 the new commit is slower.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "9"))
REPEATS = 5  # each request, per round

# --- In a served commit ------------------------------------------------------------------


def serve() -> None:
    """Set up this checkout's demo studio, then time one round per line read on stdin."""
    import time

    import django

    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", photos=6, stdout=open(os.devnull, "w"))  # noqa: SIM115
    from gallery.access import gallery_link_url
    from gallery.models import Gallery
    from sessions.access import booking_url
    from sessions.models import Booking, SessionType

    owner = get_user_model().objects.create_superuser("bench", "bench@example.com", "bench-pass")
    booking = (
        Booking.objects.filter(status=Booking.Status.CONFIRMED, starts_at__gt=timezone.now())
        .order_by("starts_at")
        .first()
    )
    proofing = Gallery.objects.get(status=Gallery.Status.PUBLISHED)
    slug = SessionType.objects.order_by("pk").first().slug
    client, staff = Client(), Client()
    staff.force_login(owner)
    client.get(gallery_link_url(proofing))  # the signed link signs the client in to it
    photo = proofing.photos.order_by("pk").first()
    pages = {
        "home page": (client, "get", "/"),
        "booking page (free times)": (client, "get", f"/book/{slug}/"),
        "the client's booking": (client, "get", booking_url(booking)),
        "proofing gallery": (client, "get", f"/gallery/{proofing.slug}/"),
        "heart a photo": (
            client,
            "post",
            f"/gallery/{proofing.slug}/photos/{photo.pk}/favorite/",
        ),
        "admin dashboard": (staff, "get", "/admin/"),
        "admin bookings": (staff, "get", "/admin/shoots/booking/"),
        "admin booking page": (staff, "get", f"/admin/shoots/booking/{booking.pk}/change/"),
        "admin gallery page": (staff, "get", f"/admin/gallery/gallery/{proofing.pk}/change/"),
        "admin calendar": (staff, "get", "/admin/shoots/booking/calendar/"),
        "admin payments": (staff, "get", "/admin/shoots/payment/"),
        "admin email log": (staff, "get", "/admin/studio/sentemail/"),
    }
    for name, (who, method, url) in pages.items():  # each answers as it should, once
        status = getattr(who, method)(url, {"on": "1"} if method == "post" else None).status_code
        if status >= 400:
            raise SystemExit(f"{name}: {url} answered {status}")
    print("ready", flush=True)
    for _line in sys.stdin:
        times = {}
        for name, (who, method, url) in pages.items():
            data = {"on": "1"} if method == "post" else None
            started = time.process_time()
            for _ in range(REPEATS):
                getattr(who, method)(url, data)
            times[name] = (time.process_time() - started) / REPEATS
        print(json.dumps(times), flush=True)


# --- Comparing two ----------------------------------------------------------------------


def checkout(commit: str | None, into: Path) -> Path:
    """A worktree of `commit` (None: a copy of the working tree) with this script in it."""
    if commit is None:
        shutil.copytree(
            ROOT, into, ignore=shutil.ignore_patterns(".git", ".venv", "var", "node_modules")
        )
    else:
        subprocess.run(
            ["git", "-C", ROOT, "worktree", "add", "--detach", "-q", into, commit], check=True
        )
    shutil.copy(__file__, into / "bench" / "commits.py")
    return into


def start(tree: Path, var: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "SECRET_KEY": "bench-" + "x" * 50,
        "ALLOWED_HOSTS": "testserver,localhost",
        "VAR_DIR": str(var),
        "READ_DOT_ENV": "false",
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_MANIFEST": "false",
    }
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CACHE"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "bench/commits.py", "--serve"],
        cwd=tree,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=(var.parent / f"{var.name}.log").open("w"),
        text=True,
    )
    line = process.stdout.readline().strip()
    if line != "ready":
        log = (var.parent / f"{var.name}.log").read_text()[-3000:]
        raise SystemExit(f"{tree}: could not start ({line or 'no answer'})\n{log}")
    return process


def compare(old: str, new: str | None) -> None:
    work = Path(tempfile.mkdtemp(prefix="sitting-bench-"))
    trees = {"old": checkout(old, work / "old"), "new": checkout(new, work / "new")}
    try:
        served = {side: start(tree, work / f"var-{side}") for side, tree in trees.items()}
        rounds = {"old": [], "new": []}
        for n in range(ROUNDS):
            order = ("old", "new") if n % 2 == 0 else ("new", "old")
            for side in order:
                served[side].stdin.write("round\n")
                served[side].stdin.flush()
                rounds[side].append(json.loads(served[side].stdout.readline()))
        for process in served.values():
            process.stdin.close()
            process.wait(timeout=30)
    finally:
        if old:
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", trees["old"]])
        if new:
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", trees["new"]])
        shutil.rmtree(work, ignore_errors=True)
    print(f"old: {old}   new: {new or 'working tree'}   {ROUNDS} interleaved rounds, ", end="")
    print(f"{REPEATS} requests each; CPU ms per request, medians\n")
    print(f"{'request':32} {'old':>8} {'new':>8} {'new/old':>8}")
    ratios = []
    for name in rounds["old"][0]:
        before = statistics.median(r[name] for r in rounds["old"]) * 1000
        after = statistics.median(r[name] for r in rounds["new"]) * 1000
        ratios.append(after / before)
        print(f"{name:32} {before:8.2f} {after:8.2f} {after / before:8.2f}")
    overall = statistics.geometric_mean(ratios)
    print(f"\n{'all requests (geometric mean)':32} {'':8} {'':8} {overall:8.2f}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
    elif len(sys.argv) in (2, 3):
        compare(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else None)
    else:
        raise SystemExit(__doc__)
