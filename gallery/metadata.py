"""What of a photo's metadata goes to the client: a short list of tags, everything else left
out. Kept: the camera's make and model and its exposure settings, when it was taken, the
orientation, colour information, and the studio's credit (Copyright and Artist in Exif;
dc:rights, dc:creator and xmpRights in XMP; HDR gain map settings, which say how to render).
Left out: the location (GPS, XMP and IPTC), serial numbers (body, lens, maker notes, unique
ids), the owner's name, comments and descriptions, editing history, and embedded thumbnails
(Exif's IFD1).

Artist stays because it is the credit that goes with the copyright, which the studio sets
in its camera or its editor; the camera owner's name (CameraOwnerName, and the maker notes'
OwnerName) is personal and goes.

Exif blocks are written again from the kept tags (their values copied byte for byte); a
TIFF file is edited in place, so its pixel data never moves.
"""

import re
import struct
from dataclasses import dataclass
from xml.etree import ElementTree

from defusedxml import ElementTree as SafeElementTree


class MetadataError(Exception):
    """The metadata's structure is damaged."""


EXIF_IFD, GPS_IFD, INTEROP_IFD, SUB_IFDS = 0x8769, 0x8825, 0xA005, 0x014A
XMP_TAG = 0x02BC

IFD0_KEEP = {
    0x010F,  # Make
    0x0110,  # Model
    0x0112,  # Orientation
    0x011A,  # XResolution
    0x011B,  # YResolution
    0x0128,  # ResolutionUnit
    0x0131,  # Software
    0x0132,  # DateTime
    0x013B,  # Artist
    0x013E,  # WhitePoint
    0x013F,  # PrimaryChromaticities
    0x0211,  # YCbCrCoefficients
    0x0213,  # YCbCrPositioning
    0x0214,  # ReferenceBlackWhite
    0x8298,  # Copyright
    EXIF_IFD,
}
EXIF_KEEP = {
    0x829A, 0x829D, 0x8822, 0x8824, 0x8827, 0x8830, 0x8831, 0x8832, 0x8833,  # exposure, ISO
    0x9000,  # ExifVersion
    0x9003, 0x9004, 0x9010, 0x9011, 0x9012, 0x9290, 0x9291, 0x9292,  # when, with offsets
    0x9101, 0x9102,  # ComponentsConfiguration, CompressedBitsPerPixel
    0x9201, 0x9202, 0x9203, 0x9204, 0x9205, 0x9206, 0x9207, 0x9208, 0x9209, 0x920A,
    0xA000, 0xA001, 0xA002, 0xA003,  # FlashpixVersion, ColorSpace, pixel dimensions
    0xA20B, 0xA20E, 0xA20F, 0xA210, 0xA215, 0xA217,
    0xA300, 0xA301, 0xA302,  # FileSource, SceneType, CFAPattern
    0xA401, 0xA402, 0xA403, 0xA404, 0xA405, 0xA406, 0xA407, 0xA408, 0xA409, 0xA40A, 0xA40C,
    0xA432, 0xA433, 0xA434,  # LensSpecification, LensMake, LensModel
    0xA460, 0xA500,  # CompositeImage, Gamma
    INTEROP_IFD,
}  # fmt: skip
INTEROP_KEEP = {0x0001, 0x0002}  # InteropIndex (R98, R03: the colour space), InteropVersion
# A TIFF file's own image structure, on top of IFD0_KEEP.
TIFF_IMAGE_KEEP = {
    0x00FE, 0x00FF, 0x0100, 0x0101, 0x0102, 0x0103, 0x0106, 0x0107, 0x010A, 0x0111, 0x0115,
    0x0116, 0x0117, 0x0118, 0x0119, 0x011C, 0x0124, 0x0125, 0x012D, 0x013D, 0x0140, 0x0142,
    0x0143, 0x0144, 0x0145, 0x014C, 0x0152, 0x0153, 0x0154, 0x0155, 0x015B, 0x0200, 0x0201,
    0x0202, 0x0203, 0x0205, 0x0206, 0x0207, 0x0208, 0x0209,
    0x8773,  # the ICC profile
    XMP_TAG,  # its packet is cleaned in place
}  # fmt: skip
IMAGE_DATA = ((0x0111, 0x0117), (0x0144, 0x0145), (0x0201, 0x0202))  # offsets, lengths
TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}


# Reading TIFF structures ------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    tag: int
    type: int
    count: int
    raw: bytes  # the 12 bytes of the entry as stored
    value: bytes  # the value's bytes, wherever they are
    value_at: int | None  # where the value is, when it is not inside the entry


class Tiff:
    """A TIFF structure (a TIFF file, or the block inside an Exif segment or item)."""

    def __init__(self, data: bytes | bytearray):
        if len(data) < 8 or data[:2] not in (b"II", b"MM"):
            raise MetadataError("the Exif block is damaged")
        self.data = data
        self.order = "<" if data[:2] == b"II" else ">"
        if self.number("H", 2) != 42:
            raise MetadataError("the Exif block is not TIFF")

    def number(self, fmt: str, offset: int) -> int:
        size = struct.calcsize(fmt)
        if offset < 0 or offset + size > len(self.data):
            raise MetadataError("an Exif offset points outside the block")
        return struct.unpack(self.order + fmt, self.data[offset : offset + size])[0]

    def pack(self, fmt: str, *values) -> bytes:
        return struct.pack(self.order + fmt, *values)

    def entries(self, offset: int) -> tuple[list[Entry], int]:
        """An IFD's entries, and the offset of the next IFD (0: none)."""
        count = self.number("H", offset)
        entries = []
        for index in range(count):
            at = offset + 2 + 12 * index
            tag, kind, items = (
                self.number("H", at),
                self.number("H", at + 2),
                self.number("I", at + 4),
            )
            raw = bytes(self.data[at : at + 12])
            if kind not in TYPE_SIZES:
                entries.append(Entry(tag, kind, items, raw, b"", None))
                continue
            size = TYPE_SIZES[kind] * items
            if size <= 4:
                entries.append(Entry(tag, kind, items, raw, raw[8 : 8 + size], None))
                continue
            value_at = self.number("I", at + 8)
            if value_at + size > len(self.data):
                raise MetadataError("an Exif value lies outside the block")
            value = bytes(self.data[value_at : value_at + size])
            entries.append(Entry(tag, kind, items, raw, value, value_at))
        return entries, self.number("I", offset + 2 + 12 * count)

    def numbers(self, entry: Entry) -> list[int]:
        fmt = {3: "H", 4: "I", 13: "I", 16: "Q"}.get(entry.type)
        if fmt is None:
            return []
        return list(struct.unpack(self.order + fmt * entry.count, entry.value))


# Exif blocks: written again -----------------------------------------------------------------


def exif_rebuilt(block: bytes) -> bytes:
    """A TIFF block with only the kept tags of IFD0, the Exif IFD and the Interop IFD (no GPS,
    no IFD1 and its thumbnail), in the same byte order. b"" when nothing is kept. A damaged
    Exif or Interop IFD is left out; a damaged IFD0 raises MetadataError."""
    tiff = Tiff(block)
    ifd0, _next = tiff.entries(tiff.number("I", 4))
    tables = {0: _kept(ifd0, IFD0_KEEP)}
    for child, parent, keep in ((EXIF_IFD, 0, EXIF_KEEP), (INTEROP_IFD, EXIF_IFD, INTEROP_KEEP)):
        pointer = next((e for e in tables.get(parent, []) if e.tag == child), None)
        try:
            if pointer is not None:
                tables[child] = _kept(tiff.entries(_at(tiff, pointer))[0], keep)
        except MetadataError:
            pass  # left out below, as if it were empty
    # Drop a pointer whose table came out empty (or unreadable), from the innermost out.
    for child, parent in ((INTEROP_IFD, EXIF_IFD), (EXIF_IFD, 0)):
        if parent in tables and not tables.get(child):
            tables.pop(child, None)
            tables[parent] = [e for e in tables[parent] if e.tag != child]
    if not tables[0]:
        return b""
    return _tiff_write(tiff, tables)


def _at(tiff: Tiff, pointer: Entry) -> int:
    if pointer.type not in (4, 13) or pointer.count != 1:
        raise MetadataError("an Exif pointer is damaged")
    return struct.unpack(tiff.order + "I", pointer.value)[0]


def _kept(entries: list[Entry], keep: set[int]) -> list[Entry]:
    return sorted(
        (e for e in entries if e.tag in keep and e.type in TYPE_SIZES), key=lambda e: e.tag
    )


def _tiff_write(tiff: Tiff, tables: dict[int, list[Entry]]) -> bytes:
    order = [key for key in (0, EXIF_IFD, INTEROP_IFD) if key in tables]
    position = 8
    places = {}
    for key in order:
        places[key] = position
        position += 2 + 12 * len(tables[key]) + 4
    data = bytearray()
    values_at = position
    blobs = []
    for key in order:
        for entry in tables[key]:
            if entry.value_at is not None:
                if values_at % 2:
                    values_at += 1
                    blobs.append(b"\x00")
                blobs.append(entry.value)
                values_at += len(entry.value)
    data += tiff.pack("2sHI", bytes(tiff.data[:2]), 42, 8)
    values_at = position
    for key in order:
        data += tiff.pack("H", len(tables[key]))
        for entry in tables[key]:
            if entry.tag in places and entry.tag != 0:  # a pointer to a table written here
                data += tiff.pack("HHII", entry.tag, 4, 1, places[entry.tag])
            elif entry.value_at is not None:
                if values_at % 2:
                    values_at += 1
                data += entry.raw[:8] + tiff.pack("I", values_at)
                values_at += len(entry.value)
            else:
                data += entry.raw
        data += tiff.pack("I", 0)  # no next IFD: IFD1, the thumbnail, is gone
    return bytes(data + b"".join(blobs))


# TIFF files: edited in place ----------------------------------------------------------------


def tiff_file_cleaned(data: bytes) -> bytes:
    """A TIFF file with the same pixels at the same places, its first image's IFD holding
    only kept tags (its Exif IFD likewise); dropped values, the GPS IFD, further images and
    sub-images (thumbnails, previews, layers) zeroed out."""
    tiff = Tiff(bytearray(data))
    first = tiff.number("I", 4)
    seen: set[int] = set()
    _ifd_clean(tiff, first, IFD0_KEEP | TIFF_IMAGE_KEEP, seen)
    entries, following = tiff.entries(first)
    tiff.data[first + 2 + 12 * len(entries) : first + 6 + 12 * len(entries)] = tiff.pack("I", 0)
    while following and following not in seen:  # other pages or reduced-size copies
        seen.add(following)
        _, after = tiff.entries(following)
        _ifd_zero(tiff, following, seen)
        following = after
    return bytes(tiff.data)


def _ifd_clean(tiff: Tiff, offset: int, keep: set[int], seen: set[int]) -> None:
    seen.add(offset)
    entries, following = tiff.entries(offset)
    kept = [e for e in entries if e.tag in keep]
    kept_ranges = [_range(e) for e in kept if e.value_at is not None]
    for entry in entries:
        if entry in kept:
            continue
        if entry.tag in (GPS_IFD, EXIF_IFD, INTEROP_IFD, SUB_IFDS):
            for child in tiff.numbers(entry):
                if child not in seen:
                    _ifd_zero(tiff, child, seen)
        if entry.value_at is not None and not any(_overlap(_range(entry), r) for r in kept_ranges):
            start, end = _range(entry)
            tiff.data[start:end] = bytes(end - start)
    for entry in kept:
        if entry.tag == EXIF_IFD:
            for child in tiff.numbers(entry):
                if child not in seen:
                    _ifd_clean(tiff, child, EXIF_KEEP, seen)
        elif entry.tag == INTEROP_IFD:
            for child in tiff.numbers(entry):
                if child not in seen:
                    _ifd_clean(tiff, child, INTEROP_KEEP, seen)
        elif entry.tag == XMP_TAG and entry.value_at is not None:
            start, end = _range(entry)
            cleaned = xmp_rebuilt(entry.value) or b""
            tiff.data[start:end] = xmp_padded(cleaned, end - start)
    table = b"".join(e.raw for e in kept) + tiff.pack("I", following)
    end = offset + 2 + 12 * len(entries) + 4
    tiff.data[offset:end] = (
        tiff.pack("H", len(kept)) + table + bytes(12 * (len(entries) - len(kept)))
    )


def _ifd_zero(tiff: Tiff, offset: int, seen: set[int]) -> None:
    """Blank an IFD that is left out: its values, its image data, the IFDs it points to."""
    seen.add(offset)
    entries, _following = tiff.entries(offset)
    by_tag = {e.tag: e for e in entries}
    for offsets_tag, lengths_tag in IMAGE_DATA:
        if offsets_tag in by_tag and lengths_tag in by_tag:
            starts = tiff.numbers(by_tag[offsets_tag])
            lengths = tiff.numbers(by_tag[lengths_tag])
            for start, length in zip(starts, lengths, strict=False):
                if start + length <= len(tiff.data):
                    tiff.data[start : start + length] = bytes(length)
    for entry in entries:
        if entry.tag in (GPS_IFD, EXIF_IFD, INTEROP_IFD, SUB_IFDS):
            for child in tiff.numbers(entry):
                if child not in seen:
                    _ifd_zero(tiff, child, seen)
        if entry.value_at is not None:
            start, end = _range(entry)
            tiff.data[start:end] = bytes(end - start)
    size = 2 + 12 * len(entries) + 4
    tiff.data[offset : offset + size] = bytes(size)


def _range(entry: Entry) -> tuple[int, int]:
    return entry.value_at, entry.value_at + len(entry.value)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


# XMP ------------------------------------------------------------------------------------------

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XMP_KEEP = {
    "http://purl.org/dc/elements/1.1/": {"creator", "rights"},
    "http://ns.adobe.com/xap/1.0/rights/": None,  # all of xmpRights: terms, owner, marked
    "http://ns.adobe.com/tiff/1.0/": {"Orientation"},
    # How to show an HDR photo's gain map (an auxiliary image of a HEIC): rendering only.
    "http://ns.apple.com/HDRGainMap/1.0/": None,
    "http://ns.adobe.com/hdr-gain-map/1.0/": None,
}
PREFIXES = {
    "x": "adobe:ns:meta/",
    "rdf": RDF,
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "tiff": "http://ns.adobe.com/tiff/1.0/",
}
for _prefix, _namespace in PREFIXES.items():
    ElementTree.register_namespace(_prefix, _namespace)
PACKET_START = b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
PACKET_END = b'<?xpacket end="w"?>'
XML_START = re.compile(rb"<(?:x:xmpmeta|x:xapmeta|rdf:RDF)\b")


def xmp_rebuilt(packet: bytes) -> bytes | None:
    """A new XMP packet holding only the kept properties, or None when nothing is kept
    (or the packet cannot be read, or carries a DTD: XMP never does)."""
    found = XML_START.search(packet)
    if not found:
        return None
    body = packet[found.start() :]
    end = body.rfind(b"<?xpacket end")
    body = body[:end] if end >= 0 else body
    try:
        root = SafeElementTree.fromstring(body, forbid_dtd=True)
    except Exception:  # malformed, or a DTD or entities (defusedxml refuses them)
        return None
    descriptions = root.iter(f"{{{RDF}}}Description")
    out = ElementTree.Element(f"{{{PREFIXES['rdf']}}}Description", {f"{{{RDF}}}about": ""})
    for description in descriptions:
        for name, value in description.attrib.items():
            if _xmp_kept(name):
                out.set(name, value)
        for child in description:
            if _xmp_kept(child.tag):
                out.append(child)
    if len(out.attrib) == 1 and not len(out):
        return None
    meta = ElementTree.Element(f"{{{PREFIXES['x']}}}xmpmeta")
    rdf = ElementTree.SubElement(meta, f"{{{RDF}}}RDF")
    rdf.append(out)
    return (
        PACKET_START
        + ElementTree.tostring(meta, encoding="utf-8", xml_declaration=False)
        + (b"\n" + PACKET_END)
    )


def _xmp_kept(name: str) -> bool:
    if not name.startswith("{"):
        return False
    namespace, _, local = name[1:].partition("}")
    if namespace not in XMP_KEEP:
        return False
    wanted = XMP_KEEP[namespace]
    return wanted is None or local in wanted


EMPTY_XMP = (
    PACKET_START
    + b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="'
    + RDF.encode()
    + b'"/></x:xmpmeta>\n'
    + PACKET_END
)


def xmp_padded(packet: bytes, length: int) -> bytes:
    """`packet` (or an empty one) padded with spaces inside the packet to `length` bytes,
    for metadata edited in place; spaces only when not even an empty packet fits."""
    packet = packet or EMPTY_XMP
    if len(packet) > length:
        if packet is EMPTY_XMP or len(EMPTY_XMP) > length:
            return b" " * length
        packet = EMPTY_XMP
    trailer = packet.rindex(PACKET_END)
    return packet[:trailer] + b" " * (length - len(packet)) + packet[trailer:]
