"""The photo pipeline end to end against the pure image code, on the same files.

End to end: `manage.py import_photos` (run in this process) adds 24 MP camera-like JPEGs
(about 3 bits per pixel) to a gallery whose previews are watermarked, and a real worker (the
Procfile's, one process in its pool, on the embedded broker, or Redis when REDIS_URL is set)
makes each preview, thumbnail and analysis copy, then analyses it for culling; a round ends
when every photo's analysis is done. Its cost is CPU time: this process's during the
import, plus the worker's (main process and pool, read from /proc) over the same span.

Pure image code: `gallery.imaging.photo_render` (the mark, analysis=True) and
`gallery.analysis.analyse_jpeg` on its analysis copy, for each file, in this process.

Rounds interleave the two (the first, not counted, warms both: models loaded, worker
started); printed: images per second per core of each (medians) and the median of each
round's ratio, asserted at or over FLOOR. SQLite in a scratch folder, or the PostgreSQL
database at DATABASE_URL (its photos are added to a new gallery each round).

Run: `make bench` or `.venv/bin/python bench/pipeline.py`.
"""

from __future__ import annotations

import io
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
# Production settings, for this process and the worker alike: with DEBUG on, Django logs
# every query (on SQLite with a second query to quote its parameters).
os.environ.update(
    DEBUG="false",
    SECRET_KEY=f"pipeline-bench-{secrets.token_hex(24)}",
    ALLOWED_HOSTS="localhost",
    READ_DOT_ENV="false",
)
if "VAR_DIR" not in os.environ:
    os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="sitting-pipeline-bench-")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from bench.broker import stop, worker_start  # noqa: E402

FILES = 10
ROUNDS = 5
FLOOR = 0.85
SIZE = (6000, 4000)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def make_files(folder: Path) -> list[Path]:
    from gallery.sample_images import camera_detailed, exif_with, jpeg_bytes

    paths = []
    for n in range(FILES):
        image = camera_detailed(*SIZE, seed=n)
        taken = f"2026:05:02 10:{n:02d}:00"
        path = folder / f"IMG_{n:04d}.JPG"
        path.write_bytes(jpeg_bytes(image, exif=exif_with(taken=taken)))
        paths.append(path)
    return paths


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a process and every process under it."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:  # gone meanwhile
            continue
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += used.get(current, 0.0)
        todo += [child for child, parent in parents.items() if parent == current]
    return total


def pure_seconds(paths: list[Path]) -> float:
    """CPU time of the image code alone over the files."""
    from gallery import analysis, imaging
    from gallery.photos import studio_watermark

    watermark = studio_watermark()
    started = time.process_time()
    for path in paths:
        with path.open("rb") as stream:
            rendition = imaging.photo_render(stream, watermark=watermark, analysis=True)
        analysis.analyse_jpeg(io.BytesIO(rendition.analysis))
    return time.process_time() - started


def new_gallery():
    """A new watermarked gallery (the same bytes are new to it), on one bench booking."""
    from gallery.models import Gallery
    from gallery.services import gallery_create_for_booking
    from tests.factories import BookingFactory

    first = Gallery.objects.filter(title__startswith="Pipeline bench").first()
    if first is None:
        first = gallery_create_for_booking(booking=BookingFactory())
    return Gallery.objects.create(
        booking_id=first.booking_id,
        title=f"Pipeline bench {secrets.token_hex(4)}",
        slug=secrets.token_hex(10),
        watermark=True,
    )


def analysed(gallery) -> bool:
    from gallery.culling_models import PhotoAnalysis

    photos = gallery.photos.count()
    done = PhotoAnalysis.objects.filter(
        photo__gallery=gallery, status__in=[PhotoAnalysis.Status.DONE, PhotoAnalysis.Status.FAILED]
    ).count()
    return photos > 0 and done == photos


def end_to_end_seconds(paths: list[Path], worker_pid: int, folder: Path) -> tuple[float, float]:
    """CPU time of import_photos, and of the worker, until every photo is analysed."""
    gallery = new_gallery()
    worker_before, started = tree_cpu(worker_pid), time.process_time()
    call_command("import_photos", str(gallery.pk), str(folder), stdout=io.StringIO())
    ours = time.process_time() - started  # the bench's own waiting below is not counted
    deadline = time.monotonic() + 600
    while not analysed(gallery):
        if time.monotonic() > deadline:
            raise SystemExit("The worker did not finish the photos' analyses in 10 minutes.")
        time.sleep(0.2)
    return ours, tree_cpu(worker_pid) - worker_before


def worker_ready(timeout: float = 120) -> None:
    from gallery.management.commands.import_photos import image_workers

    deadline = time.monotonic() + timeout
    while not image_workers():
        if time.monotonic() > deadline:
            raise SystemExit("No worker answered on the images queue.")
        time.sleep(0.5)


def main() -> None:
    var_dir = Path(os.environ["VAR_DIR"])
    call_command("migrate", verbosity=0)
    broker = os.environ.get("REDIS_URL", "")
    database = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    print(
        f"Photo pipeline end to end ({database}, {'Redis' if broker else 'embedded broker'}, "
        f"one worker process) against the pure image code: {FILES} files of "
        f"{SIZE[0] * SIZE[1] / 1e6:.0f} MP, CPU time, {ROUNDS} interleaved rounds after a "
        "warm-up, medians."
    )
    folder = var_dir / "originals"
    folder.mkdir(exist_ok=True)
    paths = make_files(folder)
    megabytes = statistics.mean(path.stat().st_size for path in paths) / 1e6
    bits = megabytes * 8e6 / (SIZE[0] * SIZE[1])
    print(f"  files: {megabytes:.1f} MB, {bits:.2f} bits per pixel on average")
    worker = worker_start(broker_url=broker, var_dir=var_dir, env={"WORKER_CONCURRENCY": "1"})
    try:
        worker_ready()
        pure_seconds(paths[:1])
        end_to_end_seconds(paths, worker.pid, folder)  # warm-up, not counted
        pure, whole, parts = [], [], []
        for _round in range(ROUNDS):
            pure.append(len(paths) / pure_seconds(paths))
            parts.append(end_to_end_seconds(paths, worker.pid, folder))
            whole.append(len(paths) / sum(parts[-1]))
    finally:
        stop(worker)
    ratios = [w / p for w, p in zip(whole, pure, strict=True)]
    ratio = statistics.median(ratios)
    print(f"  pure image code   {statistics.median(pure):6.2f} images/s/core")
    print(f"  end to end        {statistics.median(whole):6.2f} images/s/core")
    importing, working = (statistics.median(part[n] for part in parts) for n in (0, 1))
    print(
        f"  per photo: {1000 / statistics.median(pure):.0f} ms pure; end to end "
        f"{1000 * importing / len(paths):.0f} ms in import_photos and "
        f"{1000 * working / len(paths):.0f} ms in the worker (CPU)"
    )
    print(f"  ratio             {ratio:6.2f}   (rounds: {', '.join(f'{r:.2f}' for r in ratios)})")
    if ratio < FLOOR:
        sys.exit(f"Floor not met: end to end {ratio:.2f}x the pure image code, under {FLOOR}x.")
    print(f"  floor met: end to end ≥ {FLOOR}x the pure image code")


if __name__ == "__main__":
    main()
