"""Photo-like images made on the spot: for tests, the benchmark and the demo gallery.

No downloads: gradients, texture and shapes drawn by Pillow give JPEG encoders and decoders
work like a real photograph's (flat colour would compress to nothing and decode in no time).
Also an Adobe RGB (1998) ICC profile, built by hand, to test colour management; files laid
out as cameras and phones lay them out, with every kind of identifying metadata, to test
delivery; and decompression bombs, to test uploads.
"""

import io
import random
import struct
import zlib

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


def camera_detailed(width: int, height: int, *, seed: int = 0) -> Image.Image:
    """camera_like with a real camera's fine detail: grain at full resolution (luma, and a
    little chroma), so that at quality 92 a JPEG holds about 3 bits per pixel, as a
    camera's does (a 24 MP file near 9 MB), and costs what one costs to decode."""
    image = camera_like(width, height, seed=seed)
    luma = Image.effect_noise((width, height), 40)
    image = Image.blend(image, Image.merge("RGB", [luma, luma, luma]), 0.24)
    half = (max(1, width // 2), max(1, height // 2))
    chroma = Image.merge("RGB", [Image.effect_noise(half, 40) for _ in range(3)])
    return Image.blend(image, chroma.resize((width, height)), 0.05)


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


# Files laid out as cameras and phones lay them out, with every kind of identifying metadata
# a client must never receive, for the delivery tests. Each identifying value is a distinct
# string, so a test can look for it in the raw bytes too.
IDENTIFYING = {
    "body_serial": "BODY-SN-4417021",
    "lens_serial": "LENS-SN-0092117",
    "maker_serial": "MAKERNOTE-SN-7731",
    "internal_serial": "INTERNAL-SN-5520",
    "owner": "Jonas Owner-Name",
    "maker_owner": "MAKERNOTE-OWNER-Lisa",
    "user_comment": "USER-COMMENT-Grandma-house",
    "description": "OLYMPUS-DIGITAL-CAMERA-DESC",
    "xp_comment": "XP-COMMENT-at-the-lake",
    "unique_id": "UNIQUEID0123456789ABCDEF01234567",
    "com": "JPEG-COM-shot-at-12-Elm-Street",
    "xmp_city": "Bristol-XMP-City",
    "xmp_history": "HISTORY-saved-by-laptop-of-jonas",
    "xmp_location": "IPTC-XMP-Sublocation-Clifton",
    "xmp_description": "XMP-DESCRIPTION-private",
    "iptc_city": "IPTC-City-Bath",
}
STUDIO_COPYRIGHT = "Copyright 2026 Lumen Portraits"
STUDIO_ARTIST = "Maya Lind"


def _tiff_entry(order: str, tag: int, kind: int, value) -> tuple[int, int, int, bytes]:
    """(tag, type, count, value bytes) for a TIFF entry."""
    if kind == 2:  # ASCII
        raw = value.encode() + b"\x00"
        return tag, 2, len(raw), raw
    if kind == 7:  # UNDEFINED
        return tag, 7, len(value), value
    if kind in (3, 4):
        values = value if isinstance(value, list | tuple) else [value]
        fmt = "H" if kind == 3 else "I"
        return tag, kind, len(values), struct.pack(order + fmt * len(values), *values)
    if kind == 5:  # RATIONAL: (numerator, denominator) pairs
        pairs = value if isinstance(value[0], tuple) else [value]
        flat = [n for pair in pairs for n in pair]
        return tag, 5, len(pairs), struct.pack(order + "I" * len(flat), *flat)
    if kind == 1:  # BYTE
        return tag, 1, len(value), bytes(value)
    raise ValueError(kind)


def tiff_block(ifds: list[dict], *, order: str = ">") -> bytes:
    """A TIFF structure from IFDs given as {tag: (type, value)}; a value of ("ifd", n) points
    at ifds[n], ("next", n) as the key "next" chains ifds[n] after this one, and
    ("blob", b"...") stores bytes and puts their offset in the entry (a thumbnail)."""
    header = (b"MM" if order == ">" else b"II") + struct.pack(order + "HI", 42, 8)
    # Lay out: every IFD first, then every value that does not fit in its entry.
    places, position = [], 8
    for ifd in ifds:
        places.append(position)
        position += 2 + 12 * len([t for t in ifd if t != "next"]) + 4
    blobs, tables = bytearray(), []
    values_at = position
    for ifd in ifds:
        table = bytearray(struct.pack(order + "H", len([t for t in ifd if t != "next"])))
        for tag in sorted(t for t in ifd if t != "next"):
            kind, value = ifd[tag]
            if isinstance(value, tuple) and value and value[0] == "ifd":
                table += struct.pack(order + "HHII", tag, 4, 1, places[value[1]])
                continue
            if isinstance(value, tuple) and value and value[0] == "blob":
                if values_at % 2:
                    blobs += b"\x00"
                    values_at += 1
                table += struct.pack(order + "HHII", tag, 4, 1, values_at)
                blobs += value[1]
                values_at += len(value[1])
                continue
            tag, kind, count, raw = _tiff_entry(order, tag, kind, value)
            if len(raw) <= 4:
                table += struct.pack(order + "HHI", tag, kind, count) + raw.ljust(4, b"\x00")
            else:
                if values_at % 2:
                    blobs += b"\x00"
                    values_at += 1
                table += struct.pack(order + "HHII", tag, kind, count, values_at)
                blobs += raw
                values_at += len(raw)
        following = ifd.get("next")
        table += struct.pack(order + "I", places[following[1]] if following else 0)
        tables.append(bytes(table))
    return header + b"".join(tables) + bytes(blobs)


def camera_exif(*, orientation: int = 6, thumbnail: bytes | None = None, order: str = ">"):
    """An Exif block as a camera writes it: IFD0, the Exif IFD with maker notes and serial
    numbers, the Interop IFD, a GPS IFD, and IFD1 holding a JPEG thumbnail."""
    ids = IDENTIFYING
    maker_note = b"Nikon\x00\x02\x11\x00\x00" + tiff_block(
        [
            {
                0x001D: (2, ids["maker_serial"]),  # SerialNumber
                0x00A0: (2, ids["internal_serial"]),  # a second, internal one
                0x0008: (2, ids["maker_owner"]),  # an owner name, as some makes keep
            }
        ],
        order=order,
    )
    user_comment = b"ASCII\x00\x00\x00" + ids["user_comment"].encode()
    xp_comment = (ids["xp_comment"] + "\x00").encode("utf-16-le")
    ifd0 = {
        0x010E: (2, ids["description"]),  # ImageDescription
        0x010F: (2, "NIKON CORPORATION"),
        0x0110: (2, "NIKON Z 6_2"),
        0x0112: (3, orientation),
        0x011A: (5, (300, 1)),
        0x011B: (5, (300, 1)),
        0x0128: (3, 2),
        0x0131: (2, "Ver.1.60"),
        0x0132: (2, "2026:05:02 14:31:07"),
        0x013B: (2, STUDIO_ARTIST),
        0x0213: (3, 2),
        0x8298: (2, STUDIO_COPYRIGHT),
        0x9C9C: (1, list(xp_comment)),  # XPComment, as Windows writes it
        0x8769: (4, ("ifd", 1)),
        0x8825: (4, ("ifd", 3)),
    }
    exif = {
        0x829A: (5, (1, 250)),  # ExposureTime
        0x829D: (5, (28, 10)),  # FNumber
        0x8827: (3, 400),  # ISO
        0x9000: (7, b"0231"),
        0x9003: (2, "2026:05:02 14:31:07"),
        0x9011: (2, "+01:00"),
        0x920A: (5, (85, 1)),  # FocalLength
        0x927C: (7, maker_note),
        0x9286: (7, user_comment),
        0xA001: (3, 1),  # ColorSpace sRGB
        0xA420: (2, ids["unique_id"]),  # ImageUniqueID
        0xA430: (2, ids["owner"]),  # CameraOwnerName
        0xA431: (2, ids["body_serial"]),  # BodySerialNumber
        0xA434: (2, "NIKKOR Z 85mm f/1.8 S"),
        0xA435: (2, ids["lens_serial"]),  # LensSerialNumber
        0xA005: (4, ("ifd", 2)),
    }
    interop = {0x0001: (2, "R98"), 0x0002: (7, b"0100")}
    gps = {
        0x0000: (1, [2, 3, 0, 0]),
        0x0001: (2, "N"),
        0x0002: (5, ((51, 1), (27, 1), (1234, 100))),
        0x0003: (2, "W"),
        0x0004: (5, ((2, 1), (35, 1), (5678, 100))),
    }
    ifds = [ifd0, exif, interop, gps]
    if thumbnail is not None:
        ifd0["next"] = ("next", 4)
        ifds.append(
            {
                0x0103: (3, 6),
                0x0201: (4, ("blob", thumbnail)),
                0x0202: (4, len(thumbnail)),
            }
        )
    return tiff_block(ifds, order=order)


def camera_xmp() -> bytes:
    ids = IDENTIFYING
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 6.0.0">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"
    xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"
    xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/"
    exif:GPSLatitude="51,27.2057N"
    exif:GPSLongitude="2,35.9463W"
    photoshop:City="{ids["xmp_city"]}"
    Iptc4xmpCore:Location="{ids["xmp_location"]}"
    xmpRights:Marked="True">
   <dc:rights><rdf:Alt>
    <rdf:li xml:lang="x-default">{STUDIO_COPYRIGHT}</rdf:li>
   </rdf:Alt></dc:rights>
   <dc:creator><rdf:Seq><rdf:li>{STUDIO_ARTIST}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt>
    <rdf:li xml:lang="x-default">{ids["xmp_description"]}</rdf:li>
   </rdf:Alt></dc:description>
   <xmpMM:History><rdf:Seq>
    <rdf:li stEvt:action="saved" stEvt:softwareAgent="{ids["xmp_history"]}"/>
   </rdf:Seq></xmpMM:History>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
{" " * 200}
<?xpacket end="w"?>""".encode()


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def camera_jpeg(width: int = 1200, height: int = 800, *, seed: int = 0) -> bytes:
    """A JPEG as a camera (and then an editor) leaves it: JFIF, Exif with maker notes,
    serial numbers, the owner, comments, GPS and an IFD1 thumbnail; XMP with a location and
    history; an ICC profile; Photoshop's IPTC block with a city; a comment; and an MPF
    preview image after the main one. Orientation 6."""
    image = camera_like(width, height, seed=seed)
    plain = jpeg_bytes(image, quality=90)
    thumbnail = jpeg_bytes(image.resize((160, 120)), quality=70)
    preview = jpeg_bytes(image.resize((640, 480)), quality=80)
    body = plain[2:]  # after SOI; Pillow wrote JFIF first, then the image's own segments
    jfif_end = 2 + struct.unpack(">H", body[2:4])[0] if body[:2] == b"\xff\xe0" else 0
    jfif, rest = body[:jfif_end], body[jfif_end:]
    iptc = b"\x1c\x02\x5a" + struct.pack(">H", len(IDENTIFYING["iptc_city"]))
    iptc += IDENTIFYING["iptc_city"].encode()
    resource_block = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(iptc)) + iptc
    resource_block += b"\x00" * (len(iptc) % 2)
    head = (
        b"\xff\xd8"
        + jfif
        + _segment(0xE1, b"Exif\x00\x00" + camera_exif(thumbnail=thumbnail))
        + _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + camera_xmp())
        + _segment(0xE2, b"ICC_PROFILE\x00\x01\x01" + adobe_rgb_icc())
    )
    tail = (
        _segment(0xED, b"Photoshop 3.0\x00" + resource_block)
        + _segment(0xFE, IDENTIFYING["com"].encode())
        + rest
    )
    # MPF: an index of two images, the second (a preview) after the first one's EOI. Its
    # offsets count from the index's own TIFF header.
    index_at = len(head) + 4 + 4  # the marker, the length, "MPF\0"
    first = len(head) + 4 + 86 + len(tail)
    entries = struct.pack(">IIIHH", 0x20030000, first, 0, 0, 0)
    entries += struct.pack(">IIIHH", 0x00010001, len(preview), first - index_at, 0, 0)
    mpf = b"MPF\x00" + b"MM\x00*\x00\x00\x00\x08" + struct.pack(">H", 3)
    mpf += struct.pack(">HHI4s", 0xB000, 7, 4, b"0100")
    mpf += struct.pack(">HHII", 0xB001, 4, 1, 2)
    mpf += struct.pack(">HHII", 0xB002, 7, 32, 8 + 2 + 36 + 4) + struct.pack(">I", 0) + entries
    return head + _segment(0xE2, mpf) + tail + preview


def camera_heic(width: int = 640, height: int = 480, *, seed: int = 0, quality: int = 80):
    """A HEIC as a phone leaves it: Exif with GPS, serial numbers, the owner and comments,
    an XMP item with a location and history, and an embedded thumbnail."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    camera_like(width, height, seed=seed).save(
        out,
        format="HEIF",
        quality=quality,
        exif=b"Exif\x00\x00" + camera_exif(orientation=1, order="<"),
        xmp=camera_xmp(),
        thumbnails=[160],
    )
    return out.getvalue()


def png_of_zeros(width: int, height: int, *, depth: int = 8, colour: int = 2) -> bytes:
    """A valid PNG of one flat colour, compressed to almost nothing whatever its size: how a
    decompression bomb is made (9400 × 9400 RGB is 265 MB of pixels in a 258 KB file)."""
    channels = {0: 1, 2: 3, 6: 4}[colour]
    row = b"\x00" + bytes((width * channels * depth + 7) // 8)  # filter byte, then pixels
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
