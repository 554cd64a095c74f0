"""The file a client downloads for a finished photo: the studio's file with its pixels
untouched, carrying nothing that identifies a person, a place or a camera body
(gallery/metadata.py says what stays: the studio's copyright and credit, the orientation,
the colour profile, exposure settings).

Nothing is decoded or encoded again. A JPEG's header segments are written anew (Exif from
the kept tags, XMP likewise, comments and other application segments dropped) and its
entropy-coded data is copied byte for byte, up to its end marker (so no second image, such
as an MPF preview, rides along after it). PNG and WebP keep their image chunks as they are.
HEIC has its Exif and XMP items overwritten in place and its thumbnails taken out
(studio/heif.py), so the coded image keeps its bytes and its place. TIFF is edited in place.
"""

import re
import struct
import zlib

from gallery import metadata
from studio import heif

EXIF_HEADER = b"Exif\x00\x00"
XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
ICC_HEADER = b"ICC_PROFILE\x00"
# A marker inside entropy-coded data: 0xFF followed by anything but stuffing (0x00), a
# restart marker (RST0-7) or another fill byte.
MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
# What may follow a scan: tables, another scan, the end, metadata. Any other "marker" is a
# damaged byte in the image data, which decoders skip, and is copied as it is.
AFTER_SCAN = {0xC4, 0xCC, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xFE, *range(0xE0, 0xF0)}


class DeliveryError(Exception):
    """The file's structure is not what its format promises."""


def without_identifying(data: bytes) -> bytes:
    """The photo as a client may have it. Raises DeliveryError for a damaged file."""
    try:
        if data[:2] == b"\xff\xd8":
            return _jpeg(data)
        if data[:8] == b"\x89PNG\r\n\x1a\n":
            return _png(data)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return _webp(data)
        if data[4:8] == b"ftyp":
            return heif.heif_metadata_rewrite(
                data, exif=metadata.exif_rebuilt, xmp=_xmp_same_length
            )
        if data[:4] in (b"II*\x00", b"MM\x00*"):
            return metadata.tiff_file_cleaned(data)
    except (metadata.MetadataError, heif.HeifError, struct.error, IndexError, zlib.error) as error:
        raise DeliveryError(str(error)) from None
    raise DeliveryError("it is not a JPEG, PNG, WebP, HEIC or TIFF file")


def _xmp_same_length(packet: bytes) -> bytes:
    return metadata.xmp_padded(metadata.xmp_rebuilt(packet) or b"", len(packet))


# JPEG -------------------------------------------------------------------------------------


def _jpeg(data: bytes) -> bytes:
    out = bytearray(data[:2])
    position = 2
    scanning = False
    while position < len(data):
        if scanning:  # entropy-coded data, copied as it is, up to the next marker
            found = MARKER.search(data, position)
            while found is not None and data[found.start() + 1] not in AFTER_SCAN:
                found = MARKER.search(data, found.start() + 2)
            if found is None:
                raise DeliveryError("the file ends inside its image data")
            out += data[position : found.start()]
            position = found.start()
            scanning = False
        if data[position] != 0xFF:
            raise DeliveryError("a JPEG marker was expected")
        marker = data[position + 1] if position + 1 < len(data) else 0xD9
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xD9:  # the end: anything after it (a second image, a trailer) stays out
            out += b"\xff\xd9"
            return bytes(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            out += data[position : position + 2]
            position += 2
            continue
        if position + 4 > len(data):
            raise DeliveryError("the file ends inside a header")
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        end = position + 2 + length
        if length < 2 or end > len(data):
            raise DeliveryError("a header runs past the end of the file")
        segment = _jpeg_segment(marker, data[position + 4 : end])
        if segment is not None:
            if len(segment) > 65533:
                raise DeliveryError("a cleaned header is too long")
            out += bytes((0xFF, marker)) + struct.pack(">H", len(segment) + 2) + segment
        position = end
        scanning = marker == 0xDA  # a start of scan: its image data follows
    raise DeliveryError("the file has no end marker")


def _jpeg_segment(marker: int, payload: bytes) -> bytes | None:
    """What goes out for one header segment: itself, a cleaned copy, or None (left out)."""
    if marker < 0xE0 or marker > 0xEF:
        return None if marker == 0xFE else payload  # a comment goes; image structure stays
    if marker == 0xE0 and payload.startswith(b"JFIF\x00") and len(payload) >= 14:
        return payload[:12] + b"\x00\x00"  # JFIF's own thumbnail, if any, goes
    if marker == 0xE1 and payload.startswith(EXIF_HEADER):
        block = metadata.exif_rebuilt(payload[6:])
        return EXIF_HEADER + block if block else None
    if marker == 0xE1 and payload.startswith(XMP_HEADER):
        packet = metadata.xmp_rebuilt(payload[len(XMP_HEADER) :])
        return XMP_HEADER + packet if packet else None
    if marker == 0xE2 and payload.startswith(ICC_HEADER):
        return payload  # the colour profile
    if marker == 0xEE and payload.startswith(b"Adobe"):
        return payload  # says how to read CMYK and YCCK colours
    return None  # MPF previews, Photoshop and IPTC blocks, maker segments, extended XMP...


# PNG ---------------------------------------------------------------------------------------

PNG_KEEP = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT",
    b"sRGB", b"cICP", b"mDCV", b"cLLI", b"bKGD", b"hIST", b"pHYs", b"sPLT", b"tIME",
    b"acTL", b"fcTL", b"fdAT",
}  # fmt: skip
PNG_TEXT_KEEP = {b"Copyright", b"Author", b"Software", b"Creation Time"}


def _png(data: bytes) -> bytes:
    out = bytearray(data[:8])
    position = 8
    while position + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        end = position + 12 + length
        if end > len(data):
            raise DeliveryError("a PNG chunk runs past the end of the file")
        body = data[position + 8 : position + 8 + length]
        chunk = _png_chunk(kind, body)
        if chunk is body:
            out += data[position:end]
        elif chunk is not None:
            out += struct.pack(">I4s", len(chunk), kind) + chunk
            out += struct.pack(">I", zlib.crc32(kind + chunk))
        position = end
        if kind == b"IEND":
            return bytes(out)
    raise DeliveryError("the PNG has no end chunk")


def _png_chunk(kind: bytes, body: bytes) -> bytes | None:
    if kind in PNG_KEEP:
        return body
    if kind == b"eXIf":
        return metadata.exif_rebuilt(body) or None
    if kind in (b"tEXt", b"zTXt", b"iTXt"):
        keyword = body.split(b"\x00", 1)[0]
        if keyword in PNG_TEXT_KEEP:
            return body
        if kind == b"iTXt" and keyword == b"XML:com.adobe.xmp":
            packet = metadata.xmp_rebuilt(_itxt_text(body))
            return keyword + b"\x00\x00\x00\x00\x00" + packet if packet else None
        return None  # comments, descriptions, ImageMagick's raw Exif and IPTC profiles
    if kind[:1].isupper():  # a critical chunk this code does not know: the image needs it
        return body
    return None


def _itxt_text(body: bytes) -> bytes:
    _keyword, _, rest = body.partition(b"\x00")
    compressed, _method = rest[0], rest[1]
    _language, _, rest = rest[2:].partition(b"\x00")
    _translated, _, text = rest.partition(b"\x00")
    if compressed:
        decompressor = zlib.decompressobj()
        text = decompressor.decompress(text, 16 * 1024 * 1024)
    return text


# WebP --------------------------------------------------------------------------------------

WEBP_KEEP = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
VP8X_EXIF, VP8X_XMP = 0x08, 0x04


def _webp(data: bytes) -> bytes:
    chunks = []
    position = 12
    end_of_riff = min(len(data), 8 + struct.unpack("<I", data[4:8])[0])
    while position + 8 <= end_of_riff:
        kind, length = struct.unpack("<4sI", data[position : position + 8])
        end = position + 8 + length
        if end > len(data):
            raise DeliveryError("a WebP chunk runs past the end of the file")
        body = data[position + 8 : end]
        if kind in WEBP_KEEP:
            chunks.append([kind, body])
        elif kind == b"EXIF":
            block = metadata.exif_rebuilt(body[6:] if body.startswith(EXIF_HEADER) else body)
            if block:
                chunks.append([kind, block])
        elif kind == b"XMP ":
            packet = metadata.xmp_rebuilt(body)
            if packet:
                chunks.append([kind, packet])
        position = end + (length & 1)
    kinds = {kind for kind, _body in chunks}
    for chunk in chunks:
        if chunk[0] == b"VP8X":  # its flags say which metadata chunks follow
            flags = chunk[1][0]
            flags = flags & ~VP8X_EXIF if b"EXIF" not in kinds else flags
            flags = flags & ~VP8X_XMP if b"XMP " not in kinds else flags
            chunk[1] = bytes([flags]) + chunk[1][1:]
    body = b"WEBP" + b"".join(
        struct.pack("<4sI", kind, len(chunk)) + chunk + b"\x00" * (len(chunk) & 1)
        for kind, chunk in chunks
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body
