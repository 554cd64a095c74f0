"""What it costs to make a phone's HEIC deliverable: the previous way (decode, drop the GPS
block, encode again at quality 95) against editing the metadata in place (gallery/delivery.py).

Makes a 12 MP HEIC laid out as a phone lays it out (Exif with GPS and serial numbers, XMP,
an embedded thumbnail), then times each way on one core and prints seconds, sizes and
whether the pixels came through unchanged. Run: `.venv/bin/python bench/heic_delivery.py`.
"""

import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WIDTH, HEIGHT = 4032, 3024  # a phone's 12 MP


def previous_way(data: bytes) -> bytes:
    """gallery/delivery.py before issue 15, for a HEIC with a location."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        exif.pop(0x8825, None)
        options = {"exif": exif.tobytes(), "xmp": b"", "quality": 95}
        if icc := image.info.get("icc_profile"):
            options["icc_profile"] = icc
        out = io.BytesIO()
        image.save(out, format="HEIF", **options)
        return out.getvalue()


def main() -> None:
    from PIL import Image

    from gallery.delivery import without_identifying
    from gallery.sample_images import camera_heic

    started = time.perf_counter()
    original = camera_heic(WIDTH, HEIGHT, seed=12, quality=50)
    print(f"made a {WIDTH}x{HEIGHT} HEIC of {len(original) / 1000:.0f} KB")
    print(f"  (encoding it took {time.perf_counter() - started:.1f} s)")
    with Image.open(io.BytesIO(original)) as image:
        pixels = image.tobytes()
    for name, way in (("previous: encode again at 95", previous_way), ("in place", None)):
        started = time.perf_counter()
        cpu = time.process_time()
        result = way(original) if way else without_identifying(original)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        with Image.open(io.BytesIO(result)) as image:
            same = image.tobytes() == pixels
        print(
            f"{name:30} {seconds:8.3f} s ({cpu_seconds:.3f} s CPU)  "
            f"{len(original) / 1000:.0f} KB -> {len(result) / 1000:.0f} KB  "
            f"pixels {'identical' if same else 'changed'}"
        )


if __name__ == "__main__":
    main()
