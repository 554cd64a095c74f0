"""A worker's pool process keeps the memory of its last photo for the next, and gives it
back when idle (studio/worker_memory.py): counted in page faults and resident size, read
from Linux's /proc, in processes of their own (the settings last for a process's life)."""

import contextlib
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from bench.broker import stop, worker_start
from gallery.culling_models import PhotoAnalysis
from gallery.models import Photo
from gallery.sample_images import jpeg_bytes
from gallery.services import gallery_create_for_booking
from studio.celery import app as celery_app
from tests.factories import BookingFactory
from tests.gallery.conftest import add
from tests.gallery.test_pipeline import _wait_for
from tests.studio.test_background import database_url_for_subprocess

# What a 24 MP photo's work does to the heap, in Pillow's 16 MB blocks: 96 MB of pixels
# taken and freed, then the same again. Prints the fresh pages the second time took, the
# resident size just after it, and the resident size once idle (kept: up to 30 s).
ROUND = textwrap.dedent(
    """
    import sys, time
    from studio import worker_memory

    def stat():
        fields = open("/proc/self/stat").read().rpartition(")")[2].split()
        return int(fields[7])

    def resident():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024

    keep = sys.argv[1] == "keep"
    if keep:
        assert worker_memory.memory_keep(idle_seconds=3)

    def photo():
        worker_memory.memory_busy()
        blocks = [bytearray(16 * 1024 * 1024) for _ in range(6)]
        for block in blocks:
            block[::4096] = b"x" * len(block[::4096])
        del blocks
        worker_memory.memory_idle()

    photo()
    before = stat()
    photo()
    faults = stat() - before
    after = resident()
    deadline = time.monotonic() + 30  # idle: given back after 3 s
    while keep and resident() > after - 64 and time.monotonic() < deadline:
        time.sleep(0.1)
    print(faults, after, resident())
    """
)


def _round(how: str) -> tuple[int, int, int]:
    done = subprocess.run(
        [sys.executable, "-c", ROUND, how],
        env={
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("MALLOC_", "GLIBC_TUNABLES"))
        },
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
        check=True,
    )
    faults, after, idle = map(int, done.stdout.split())
    return faults, after, idle


def test_kept_memory_serves_the_next_photo_and_goes_back_when_idle():
    faults, after, idle = _round("keep")
    # 96 MB is 24,576 pages: the second photo finds them all ready.
    assert faults < 1_000, faults
    assert after >= 96, after  # kept while busy
    assert idle < after - 64, (after, idle)  # given back once idle


def test_without_it_each_photo_takes_fresh_pages_again():
    """What the worker did before, and any process that does not ask still does: the
    yardstick for the test above (glibc's defaults: no MALLOC_ settings in the
    environment)."""
    faults, _after, _idle = _round("plain")
    assert faults > 10_000, faults


def _pool_processes(worker_pid: int) -> list[int]:
    found = []
    for children in Path(f"/proc/{worker_pid}/task").glob("*/children"):
        with contextlib.suppress(FileNotFoundError):
            found += [int(pid) for pid in children.read_text().split()]
    return found


def _proc(pid: int) -> tuple[int, int]:
    """Page faults so far, and resident MB, of a process."""
    faults = int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[7])
    status = Path(f"/proc/{pid}/status").read_text()
    rss = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
    return faults, int(rss.split()[1]) // 1024


def _photo(seed: int) -> bytes:
    """A 24 MP JPEG, quick to make: the worker's memory follows the pixels, not the detail."""
    image = Image.new("RGB", (6000, 4000), (90 + seed, 120, 150))
    ImageDraw.Draw(image).rectangle((seed * 100, 500, seed * 100 + 2000, 2500), fill=(200, 80, 40))
    return jpeg_bytes(image, quality=85)


@pytest.mark.django_db(transaction=True)
def test_the_workers_pool_process_reuses_its_memory_photo_after_photo(
    settings, studio, anna, tmp_path
):
    """The Procfile's worker, one pool process: once warmed up, each 24 MP photo takes next
    to no fresh pages; idle, it gives the memory back."""
    settings.MEDIA_ROOT = Path(settings.VAR_DIR) / "media"  # the worker's, by VAR_DIR
    celery_app.control.purge()
    gallery = gallery_create_for_booking(booking=BookingFactory(client=anna))
    photos = [_photo(seed) for seed in range(5)]
    worker = worker_start(
        broker_url=os.environ.get("REDIS_URL", ""),
        var_dir=Path(settings.VAR_DIR),
        env={
            "DATABASE_URL": database_url_for_subprocess(),
            "WORKER_CONCURRENCY": "1",
            # Longer than any pause between photos here, on a busy machine.
            "WORKER_MEMORY_IDLE_SECONDS": "10",
        },
        log=tmp_path / "worker.log",
    )

    def done(count: int) -> bool:
        """`count` photos ready and analysed: their tasks' last step."""
        return (
            PhotoAnalysis.objects.filter(
                photo__gallery=gallery,
                photo__status=Photo.Status.READY,
                status=PhotoAnalysis.Status.DONE,
            ).count()
            == count
        )

    try:
        # Two photos first: the first of each kind of work loads what it needs for good
        # (the face models, the gallery step), fresh pages that are no photo's.
        for number in range(2):
            add(gallery, photos[number], f"IMG_{number:04d}.JPG")
            assert _wait_for(lambda n=number: done(n + 1), timeout=90), (
                tmp_path / "worker.log"
            ).read_text()
        (pool,) = _pool_processes(worker.pid)
        faults_before, _rss = _proc(pool)
        for number in range(2, 5):
            add(gallery, photos[number], f"IMG_{number:04d}.JPG")
        assert _wait_for(lambda: done(5), timeout=60)
        faults_after, busy = _proc(pool)
        per_photo = (faults_after - faults_before) / 3
        # Before: about 12,500 a photo (49 MB of fresh pages, zeroed by the kernel).
        assert per_photo < 1_500, per_photo
        # Idle for WORKER_MEMORY_IDLE_SECONDS: what the photos used goes back (about 50 MB
        # here, a JPEG being decoded at the size its preview needs).
        assert _wait_for(lambda: _proc(pool)[1] < busy - 32, timeout=40), (busy, _proc(pool))
    finally:
        stop(worker)
        shutil.rmtree(settings.MEDIA_ROOT / "galleries" / str(gallery.pk), ignore_errors=True)
