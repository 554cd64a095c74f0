"""How fast Sitting turns camera files into a preview and a thumbnail, against libvips doing
the same work and a naive Pillow pipeline, side by side in one run.

The files: camera-like JPEGs (24 MP and 45 MP) with a camera's fine detail, about 3 bits per
pixel as real camera JPEGs are (printed); one plain, one turned by EXIF orientation 6, one
in Adobe RGB.

What each pipeline does for each file:
- Sitting: `gallery.imaging.photo_render` as the images worker calls it for a proof, with the
  studio's default mark (its name as text, centred, 30% of the width, 40% strength): decode
  (JPEG DCT scaling), upright, sRGB, a 2048 px preview with the mark and a 400 px thumbnail
  without, both progressive JPEGs at quality 85 with no metadata. Not the analysis copy for
  culling (bench/culling.py and bench/pipeline.py measure that).
- libvips: `thumbnail_buffer` to 2048 px (shrink-on-load, upright, sRGB when the file has a
  profile), the same mark (the same RGBA pixels, resized with lanczos3 to 30% of the width,
  alpha scaled to 40%, composited "over" in the centre), saved progressive at quality 85
  without metadata; the thumbnail made from the unmarked preview.
- naive: Pillow, decode in full, upright, resize from full size (LANCZOS) for each output; no
  profile, no mark.

Each pipeline runs in its own process pinned to one core (libvips with VIPS_CONCURRENCY=1),
with the memory settings of the worker's pool processes (studio/worker_memory.py),
rounds interleaved so that a slow spell of this shared machine falls on all of them. Printed
per size: images per second per core from CPU time (time.process_time, every thread of the
process), the median of the rounds; peak memory above the process's start (the largest
round); each round's ratio to libvips, the median of those. Thumbnails are compared (PSNR)
with the naive ones and, for Adobe RGB, with libvips'. Floors asserted: Sitting at least
1.0x libvips at each size, and its peak memory no higher than the pipeline's before this
benchmark was made honest (MEMORY_BEFORE_MB, measured the same way).

Run: `make bench` (libvips comes from bench/requirements.txt).
"""

import io
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROUNDS = 5
SIZES = {"24 MP": (6000, 4000), "45 MP": (8256, 5504)}
PIPELINES = ("sitting", "vips", "naive")
FLOOR = 1.0  # Sitting's images/s/core over libvips'
# Peak memory of photo_render (with the mark) before this work, measured by this benchmark
# on the same files; a little slack for the allocator's moods.
MEMORY_BEFORE_MB = {"24 MP": 107.0, "45 MP": 104.0}
MEMORY_SLACK = 1.05
MARK_TEXT = "Sitting Portrait Studio"
MARK = {"position": "center", "scale": 0.3, "opacity": 0.4}


def make_files(folder: Path) -> dict[str, list[Path]]:
    from gallery.sample_images import adobe_rgb_icc, camera_detailed, exif_with, jpeg_bytes

    files: dict[str, list[Path]] = {}
    for label, (width, height) in SIZES.items():
        image = camera_detailed(width, height, seed=width)
        variants = {
            "plain": jpeg_bytes(image),
            "orientation-6": jpeg_bytes(
                image.transpose(5).resize((height, width)), exif=exif_with(orientation=6)
            ),
            "adobe-rgb": jpeg_bytes(image, icc=adobe_rgb_icc()),
        }
        files[label] = []
        for name, data in variants.items():
            path = folder / f"{label.replace(' ', '')}-{name}.jpg"
            path.write_bytes(data)
            files[label].append(path)
    return files


def mark_png(folder: Path) -> Path:
    from gallery.imaging import watermark_text_image

    path = folder / "mark.png"
    watermark_text_image(MARK_TEXT).save(path)
    return path


def vips_render(mark_path: str):
    """libvips doing what photo_render does with a mark; returns render(data)."""
    import pyvips

    from gallery import imaging

    pyvips.cache_set_max(0)  # each photo is rendered once: no answers from a cache
    mark = pyvips.Image.new_from_file(mark_path, access="sequential").copy_memory()
    save = {"Q": imaging.JPEG_QUALITY, "interlace": True, "keep": "none"}

    def render(data: bytes) -> tuple[bytes, bytes]:
        # Convert to sRGB only when the file has a profile, as a careful user would.
        header = pyvips.Image.new_from_buffer(data, "")
        profiled = header.get_typeof("icc-profile-data") != 0
        options = {"export_profile": "srgb"} if profiled else {}
        preview = pyvips.Image.thumbnail_buffer(
            data, imaging.PREVIEW_EDGE, size="down", **options
        ).copy_memory()
        width = max(1, round(preview.width * MARK["scale"]))
        sized = mark.resize(width / mark.width, kernel="lanczos3")
        sized = sized[:3].bandjoin(sized[3] * MARK["opacity"]).cast("uchar")
        x, y = (preview.width - sized.width) // 2, (preview.height - sized.height) // 2
        marked = preview.composite2(sized, "over", x=x, y=y).cast("uchar")
        big = marked.jpegsave_buffer(**save)
        small = preview.thumbnail_image(imaging.THUMBNAIL_EDGE).jpegsave_buffer(**save)
        return big, small

    return render


def sitting_render(mark_path: str):
    from PIL import Image

    from gallery import imaging

    with Image.open(mark_path) as image:
        image.load()
        watermark = imaging.Watermark(image=image, **MARK)

    def render(data: bytes) -> tuple[bytes, bytes]:
        result = imaging.photo_render(io.BytesIO(data), watermark=watermark)
        return result.preview, result.thumbnail

    return render


def naive_render(_mark_path: str):
    from gallery import imaging

    return lambda data: imaging.naive_render(io.BytesIO(data))


def run_child(pipeline: str, mark_path: str, paths: list[str]) -> dict:
    """In a child process: the CPU time of one pipeline over the files, and its memory."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})  # one core
    # The memory settings of the worker's pool processes, where photo_render runs (all
    # three pipelines alike): freed memory kept for the next photo.
    from studio.worker_memory import memory_keep

    memory_keep(idle_seconds=3600)
    start = high_water_mb()
    render = {"sitting": sitting_render, "vips": vips_render, "naive": naive_render}[pipeline](
        mark_path
    )
    render(Path(paths[0]).read_bytes())  # warm up: libraries' first-call set-up
    seconds, thumbnails = [], []
    for path in paths:  # one file in memory at a time, as in a worker
        data = Path(path).read_bytes()
        started = time.process_time()
        thumbnails.append(render(data)[1])
        seconds.append(time.process_time() - started)
    return {
        "per_second": len(paths) / sum(seconds),
        "memory_mb": high_water_mb() - start,
        "thumbnails": [thumb.hex() for thumb in thumbnails],
    }


def high_water_mb() -> float:
    """This process's peak resident memory. Not ru_maxrss: Linux carries that over from
    the parent across exec, and the parent holds the generated images."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def psnr(a: bytes, b: bytes) -> float:
    from PIL import Image, ImageChops, ImageStat

    with Image.open(io.BytesIO(a)) as x, Image.open(io.BytesIO(b)) as y:
        if x.size != y.size:
            y = y.resize(x.size)
        rms = ImageStat.Stat(ImageChops.difference(x.convert("RGB"), y.convert("RGB"))).rms
    mse = sum(value * value for value in rms) / 3
    return 10 * math.log10(255 * 255 / max(mse, 1e-9))


def measure(pipeline: str, mark: Path, paths: list[Path]) -> dict:
    env = {**os.environ, "VIPS_CONCURRENCY": "1", "OMP_NUM_THREADS": "1"}
    out = subprocess.run(
        [sys.executable, __file__, "--child", pipeline, str(mark), *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(out.stdout)


def compare(label: str, paths: list[Path], mark: Path, rounds: int = ROUNDS) -> dict:
    """Interleaved rounds of the three pipelines on one size's files; medians."""
    runs: dict[str, list[dict]] = {name: [] for name in PIPELINES}
    for _round in range(rounds):
        for name, results in runs.items():
            results.append(measure(name, mark, paths))
    speed = {n: [run["per_second"] for run in runs[n]] for n in PIPELINES}
    return {
        "per_second": {n: statistics.median(speed[n]) for n in PIPELINES},
        "memory_mb": {n: max(run["memory_mb"] for run in runs[n]) for n in PIPELINES},
        "vs_vips": statistics.median(
            s / v for s, v in zip(speed["sitting"], speed["vips"], strict=True)
        ),
        "vs_naive": statistics.median(
            s / v for s, v in zip(speed["sitting"], speed["naive"], strict=True)
        ),
        "thumbnails": {n: [bytes.fromhex(t) for t in runs[n][0]["thumbnails"]] for n in PIPELINES},
    }


def report(label: str, paths: list[Path], result: dict) -> list[str]:
    """Print one size's figures; return the floors it misses."""
    bpp = [path.stat().st_size * 8 / math.prod(SIZES[label]) for path in paths]
    ours, naive, vips = (result["thumbnails"][n] for n in ("sitting", "naive", "vips"))
    # The naive pipeline ignores colour profiles: the Adobe RGB file is compared with
    # libvips, which converts it to sRGB as Sitting does.
    like_naive = min(psnr(a, b) for a, b in zip(ours[:2], naive[:2], strict=True))
    like_vips = psnr(ours[2], vips[2])
    print(
        f"\n{label} ({len(paths)} files: plain, EXIF orientation 6, Adobe RGB; "
        f"{', '.join(f'{b:.2f}' for b in bpp)} bits per pixel, "
        f"{paths[0].stat().st_size / 1e6:.1f} MB the plain one)"
    )
    print(f"  {'pipeline':10} {'images/s/core':>14} {'peak memory':>12}")
    for name in PIPELINES:
        per_second, memory = result["per_second"][name], result["memory_mb"][name]
        print(f"  {name:10} {per_second:14.2f} {memory:10.0f} MB")
    print(
        f"  Sitting is {result['vs_vips']:.2f}x libvips and {result['vs_naive']:.2f}x the naive "
        f"pipeline per core (medians of each round's ratio). Thumbnails: PSNR {like_naive:.1f} "
        f"dB against the naive ones at worst, {like_vips:.1f} dB against libvips for Adobe RGB."
    )
    missed = []
    if result["vs_vips"] < FLOOR:
        missed.append(f"{label}: Sitting {result['vs_vips']:.2f}x libvips, under {FLOOR:.1f}x")
    ceiling = MEMORY_BEFORE_MB[label] * MEMORY_SLACK
    if result["memory_mb"]["sitting"] > ceiling:
        missed.append(
            f"{label}: Sitting's peak memory {result['memory_mb']['sitting']:.0f} MB, over "
            f"{ceiling:.0f} MB (before: {MEMORY_BEFORE_MB[label]:.0f} MB)"
        )
    return missed


def main() -> None:
    print(
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; one core per pipeline, CPU time per image; "
        f"the median of {ROUNDS} interleaved rounds."
    )
    missed = []
    with tempfile.TemporaryDirectory() as folder:
        files = make_files(Path(folder))
        mark = mark_png(Path(folder))
        for label, paths in files.items():
            missed += report(label, paths, compare(label, paths, mark))
    if missed:
        sys.exit("Floors not met:\n  " + "\n  ".join(missed))
    print(f"\nFloors met: Sitting ≥ {FLOOR:.1f}x libvips per core, memory not raised.")


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] == "--child":
        print(json.dumps(run_child(sys.argv[2], sys.argv[3], sys.argv[4:])))
    elif len(sys.argv) == 1:
        main()
    else:
        sys.exit("usage: bench/thumbnails.py")
