"""Photo-like images made on the spot: for tests, the benchmark and the demo gallery.

No downloads: gradients, texture and shapes drawn by Pillow give JPEG encoders and decoders
work like a real photograph's (flat colour would compress to nothing and decode in no time).
Also an Adobe RGB (1998) ICC profile, built by hand, to test colour management.
"""

import io
import random
import struct

from PIL import Image, ImageDraw, ImageFilter


def camera_like(width: int, height: int, *, seed: int = 0) -> Image.Image:
    """An RGB image with sky-like gradients, fine texture and hard edges."""
    rng = random.Random(seed)  # noqa: S311  (pictures, not secrets)
    small = (max(8, width // 8), max(8, height // 8))
    gradient = Image.linear_gradient("L").resize(small)
    tint = (rng.randrange(40, 200), rng.randrange(40, 200), rng.randrange(40, 200))
    base = Image.merge(
        "RGB",
        [gradient.point(lambda v, c=c: (v * c) // 255 + 30) for c in tint],
    )
    draw = ImageDraw.Draw(base)
    for _ in range(40):
        x, y = rng.randrange(small[0]), rng.randrange(small[1])
        r = rng.randrange(2, max(3, small[0] // 6))
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
    base = base.filter(ImageFilter.GaussianBlur(1.5)).resize((width, height), Image.BICUBIC)
    noise = Image.effect_noise((width // 2, height // 2), 24).resize((width, height))
    grain = Image.merge("RGB", [noise, noise, noise])
    image = Image.blend(base, grain, 0.18)
    draw = ImageDraw.Draw(image)
    for _ in range(12):  # hard edges: branches, hair, fabric
        x0, y0 = rng.randrange(width), rng.randrange(height)
        draw.line(
            [(x0, y0), (x0 + rng.randrange(-width // 3, width // 3), y0 + height // 4)],
            fill=tuple(rng.randrange(256) for _ in range(3)),
            width=max(1, width // 800),
        )
    return image


def jpeg_bytes(
    image: Image.Image,
    *,
    quality: int = 92,
    exif=None,
    icc: bytes | None = None,
    comment: bytes | None = None,
) -> bytes:
    out = io.BytesIO()
    options = {"quality": quality}
    if exif is not None:
        options["exif"] = exif
    if icc:
        options["icc_profile"] = icc
    if comment:
        options["comment"] = comment
    image.save(out, format="JPEG", **options)
    return out.getvalue()


def exif_with(
    *,
    orientation: int | None = None,
    gps: bool = False,
    camera: tuple[str, str] | None = None,
    taken: str | None = None,
    offset: str | None = None,
    subsec: str | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if camera:
        exif[0x010F], exif[0x0110] = camera
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken
    if offset:
        exif.get_ifd(0x8769)[0x9011] = offset  # OffsetTimeOriginal
    if subsec:
        exif.get_ifd(0x8769)[0x9291] = subsec  # SubSecTimeOriginal
    if gps:
        exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 32.0, 12.0), 3: "W", 4: (0.0, 6.0, 30.0)})
    return exif


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def adobe_rgb_icc() -> bytes:
    """A matrix/TRC ICC v2 display profile with Adobe RGB (1998)'s primaries (adapted to
    D50) and its 2.2 gamma: enough for any colour-managed decoder to convert from."""

    def xyz(x, y, z):
        return b"XYZ " + b"\0" * 4 + _s15(x) + _s15(y) + _s15(z)

    gamma = b"curv" + b"\0" * 4 + struct.pack(">IH", 1, 0x0233) + b"\0\0"  # 2.19921875
    name = b"Adobe RGB (1998) compatible\0"
    desc = (
        b"desc"
        + b"\0" * 4
        + struct.pack(">I", len(name))
        + name
        + b"\0" * 8
        + b"\0" * 3
        + b"\0" * 67
    )
    text = b"text" + b"\0" * 4 + b"No copyright, use freely\0"
    tags = [
        (b"desc", desc),
        (b"cprt", text),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.6097, 0.3111, 0.0195)),
        (b"gXYZ", xyz(0.2053, 0.6257, 0.0609)),
        (b"bXYZ", xyz(0.1492, 0.0632, 0.7446)),
        (b"rTRC", gamma),
        (b"gTRC", gamma),
        (b"bTRC", gamma),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        while (offset + len(data)) % 4:
            data += b"\0"
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    body = struct.pack(">I", len(tags)) + table + data
    size = 128 + len(body)
    header = (
        struct.pack(">I", size)
        + b"\0" * 4
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\0" * 4
        + b"\0" * 4
        + b"\0" * 8
        + b"\0" * 8
        + struct.pack(">I", 0)
        + _s15(0.9642)
        + _s15(1.0)
        + _s15(0.8249)
        + b"\0" * 4
        + b"\0" * 16
        + b"\0" * 28
    )
    return header + body
