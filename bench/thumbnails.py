"""How fast Sitting turns camera files into a preview and a thumbnail, against a naive Pillow
pipeline and libvips, side by side in one run.

Makes camera-like JPEGs (24 MP and 45 MP, with detail that costs what a photograph costs to
decode; one turned by EXIF orientation 6 and one in Adobe RGB), then runs each pipeline in its
own process, one core each (libvips with VIPS_CONCURRENCY=1), and prints images per second
per core (both outputs per image), peak memory above the process's start, and how close
Sitting's thumbnails are to the naive ones (PSNR). Run: `make bench` (libvips comes from
bench/requirements.txt).
"""

import io
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REPEATS = 5
SIZES = {"24 MP": (6000, 4000), "45 MP": (8256, 5504)}


def make_files(folder: Path) -> dict[str, list[Path]]:
    from gallery.sample_images import adobe_rgb_icc, camera_like, exif_with, jpeg_bytes

    files: dict[str, list[Path]] = {}
    for label, (width, height) in SIZES.items():
        image = camera_like(width, height, seed=width)
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


def run_child(pipeline: str, paths: list[str]) -> dict:
    """In a child process: time one pipeline over the files; report speed and memory."""
    from gallery import imaging

    datas = [Path(path).read_bytes() for path in paths]
    if pipeline == "vips":
        import pyvips

        def render(data):
            # Convert to sRGB only when the file has a profile, as a careful user would.
            header = pyvips.Image.new_from_buffer(data, "")
            profiled = header.get_typeof("icc-profile-data") != 0
            options = {"export_profile": "srgb"} if profiled else {}
            preview = pyvips.Image.thumbnail_buffer(
                data, imaging.PREVIEW_EDGE, size="down", **options
            )
            preview = preview.copy_memory()
            big = preview.jpegsave_buffer(Q=imaging.JPEG_QUALITY, interlace=True, keep="none")
            small = preview.thumbnail_image(imaging.THUMBNAIL_EDGE).jpegsave_buffer(
                Q=imaging.JPEG_QUALITY, interlace=True, keep="none"
            )
            return big, small
    elif pipeline == "naive":

        def render(data):
            return imaging.naive_render(io.BytesIO(data))
    else:

        def render(data):
            result = imaging.photo_render(io.BytesIO(data))
            return result.preview, result.thumbnail

    start = high_water_mb()
    thumbnails = [render(data)[1] for data in datas]  # warm up, and keep for comparison
    started = time.perf_counter()
    for data in datas:
        render(data)
    return {
        "per_second": len(datas) / (time.perf_counter() - started),
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


def measure(pipeline: str, paths: list[Path]) -> dict:
    env = {**os.environ, "VIPS_CONCURRENCY": "1", "OMP_NUM_THREADS": "1"}
    out = subprocess.run(
        [sys.executable, __file__, "--child", pipeline, *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(out.stdout)


def main() -> None:
    print(
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; one core per pipeline; "
        f"the fastest of {REPEATS} interleaved rounds."
    )
    with tempfile.TemporaryDirectory() as folder:
        files = make_files(Path(folder))
        for label, paths in files.items():
            # Rounds interleave the pipelines, so that a slow spell of this (shared) machine
            # falls on all of them; each keeps its fastest round and its largest memory.
            runs: dict[str, list[dict]] = {"sitting": [], "naive": [], "vips": []}
            for _round in range(REPEATS):
                for name, results in runs.items():
                    results.append(measure(name, paths))
            results = {
                name: {
                    "per_second": max(run["per_second"] for run in rounds),
                    "memory_mb": max(run["memory_mb"] for run in rounds),
                    "thumbnails": rounds[0]["thumbnails"],
                }
                for name, rounds in runs.items()
            }
            ours, naive, vips = results["sitting"], results["naive"], results["vips"]
            pairs = list(
                zip(ours["thumbnails"], naive["thumbnails"], vips["thumbnails"], strict=True)
            )
            # The naive pipeline ignores colour profiles: the Adobe RGB file is compared with
            # libvips, which converts it to sRGB as Sitting does.
            like_naive = min(psnr(bytes.fromhex(a), bytes.fromhex(b)) for a, b, _ in pairs[:2])
            like_vips = psnr(bytes.fromhex(pairs[2][0]), bytes.fromhex(pairs[2][2]))
            print(f"\n{label} ({len(paths)} files: plain, EXIF orientation 6, Adobe RGB)")
            print(f"  {'pipeline':10} {'images/s/core':>14} {'peak memory':>12}")
            for name, result in results.items():
                print(f"  {name:10} {result['per_second']:14.2f} {result['memory_mb']:10.0f} MB")
            print(
                f"  Sitting is {ours['per_second'] / naive['per_second']:.2f}x the naive pipeline "
                f"and {ours['per_second'] / vips['per_second']:.2f}x libvips; its peak memory is "
                f"{ours['memory_mb'] / naive['memory_mb']:.2f}x the naive one's. Thumbnails: "
                f"PSNR {like_naive:.1f} dB against the naive ones at worst, {like_vips:.1f} dB "
                "against libvips for Adobe RGB."
            )


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        print(json.dumps(run_child(sys.argv[2], sys.argv[3:])))
    elif len(sys.argv) == 1:
        main()
    else:
        sys.exit("usage: bench/thumbnails.py")
