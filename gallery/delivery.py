"""The file a client downloads for a finished photo: the studio's file, byte for byte, less
where it was taken. A JPEG keeps every pixel and every other tag: the GPS fields are zeroed
in place (no offset moves, so maker notes stay intact) and XMP packets that mention GPS are
dropped. Other formats are saved again without the GPS block, only when they have one."""

import io
import struct

from PIL import Image

GPS_IFD_TAG = 0x8825
XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_TIFF_TAG = 700
TIFF_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}


class DeliveryError(Exception):
    """The file's structure is not what its format promises."""


def without_location(data: bytes) -> bytes:
    """The photo without GPS data. Raises DeliveryError for a damaged file."""
    if data[:2] == b"\xff\xd8":
        return _jpeg_without_location(data)
    return _other_without_location(data)


def _jpeg_without_location(data: bytes) -> bytes:
    out = bytearray(data[:2])
    position = 2
    while position < len(data):
        if data[position] != 0xFF:
            raise DeliveryError("a JPEG marker was expected")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xDA or marker == 0xD9:  # start of scan: the rest is image data
            out += data[position:]
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
        segment = bytearray(data[position:end])
        payload = segment[4:]
        if marker == 0xE1 and payload.startswith(b"Exif\x00\x00"):
            scrubbed = bytearray(payload[6:])
            _zero_gps(scrubbed)
            segment[10:] = scrubbed
        elif marker == 0xE1 and payload.startswith(XMP_HEADER) and b"GPS" in payload:
            position = end
            continue  # an XMP packet with a location: left out
        out += segment
        position = end
    raise DeliveryError("the file has no image data")


def _zero_gps(tiff: bytearray) -> None:
    """Blank the GPS IFD of a TIFF/Exif block in place: its values, then its entries."""
    if len(tiff) < 8 or tiff[:2] not in (b"II", b"MM"):
        raise DeliveryError("the Exif block is damaged")
    order = "<" if tiff[:2] == b"II" else ">"

    def read(fmt: str, offset: int):
        size = struct.calcsize(order + fmt)
        if offset < 0 or offset + size > len(tiff):
            raise DeliveryError("an Exif offset points outside the block")
        return struct.unpack(order + fmt, tiff[offset : offset + size])[0]

    ifd0 = read("I", 4)
    gps_offset = None
    entries = read("H", ifd0)
    for index in range(entries):
        entry = ifd0 + 2 + 12 * index
        if read("H", entry) == GPS_IFD_TAG:
            gps_offset = read("I", entry + 8)
            break
    if gps_offset is None:
        return
    count = read("H", gps_offset)
    for index in range(count):
        entry = gps_offset + 2 + 12 * index
        kind, items = read("H", entry + 2), read("I", entry + 4)
        size = TIFF_TYPE_SIZES.get(kind, 1) * items
        if size > 4:
            value_at = read("I", entry + 8)
            if value_at + size <= len(tiff):
                tiff[value_at : value_at + size] = bytes(size)
        tiff[entry : entry + 12] = bytes(12)
    tiff[gps_offset : gps_offset + 2] = struct.pack(order + "H", 0)


def _other_without_location(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        xmp = image.info.get("xmp") or b""
        if GPS_IFD_TAG not in exif and b"GPS" not in (xmp if isinstance(xmp, bytes) else b""):
            return data
        kind = image.format
        exif.pop(GPS_IFD_TAG, None)
        exif.pop(XMP_TIFF_TAG, None)  # a TIFF's tags are its Exif, its XMP packet among them
        if hasattr(image, "tag_v2"):  # and Pillow copies that packet over unless removed
            image.tag_v2.pop(XMP_TIFF_TAG, None)
        options = {"exif": exif.tobytes(), "xmp": b""}  # an XMP packet may hold the place
        if icc := image.info.get("icc_profile"):
            options["icc_profile"] = icc
        if kind in ("WEBP", "HEIF"):
            options["quality"] = 95
        out = io.BytesIO()
        image.save(out, format=kind, **options)
        return out.getvalue()
