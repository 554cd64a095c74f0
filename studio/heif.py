"""HEIF/HEIC containers (ISO/IEC 23008-12 over ISOBMFF), read and edited without decoding.

A HEIC file is boxes: `ftyp`, a `meta` box listing its items (`iinf`: the coded image, its
tiles and thumbnails, an `Exif` item, an XMP item of type `mime`), where each item's bytes
are (`iloc`: extents in the file or in `meta`'s own `idat`), how items refer to each other
(`iref`: `thmb` for a thumbnail, `cdsc` for metadata, `dimg` for tiles), their properties
(`iprp`), and `mdat` holding the bytes. Editing metadata here never touches coded pixels.
"""

import struct
from collections.abc import Callable
from dataclasses import dataclass, field


class HeifError(Exception):
    """The container is not what it claims to be, or is cut short."""


@dataclass
class Box:
    type: bytes
    start: int  # of the box, header included
    body: int  # where its content starts (after the version and flags of a full box too)
    end: int


@dataclass
class Item:
    id: int
    type: bytes
    content_type: str = ""
    construction: int = 0  # 0: bytes in the file; 1: in meta's idat
    extents: list[tuple[int, int]] = field(default_factory=list)  # absolute (start, length)


@dataclass
class Container:
    top: list[Box]
    meta: Box
    children: list[Box]  # of meta
    items: dict[int, Item]
    references: list[tuple[bytes, int, list[int]]]  # (type, from item, to items)


def heif_check(data: bytes) -> None:
    """Raise HeifError unless every item's bytes lie inside the file: a file cut short
    is refused from its header, before anything tries to decode it."""
    _parse(data)


def heif_metadata_rewrite(
    data: bytes,
    *,
    exif: Callable[[bytes], bytes],
    xmp: Callable[[bytes], bytes],
) -> bytes:
    """The file with each Exif item's TIFF block and each XMP item replaced in place by
    `exif(tiff)` / `xmp(packet)` (zero-padded to the same length; never longer), and its
    embedded thumbnails taken out (their bytes zeroed). Everything else, the coded image
    above all, stays byte for byte where it was. Raises HeifError."""
    container = _parse(data)
    out = bytearray(data)
    for item in container.items.values():
        if item.type == b"Exif":
            old = _item_bytes(out, item)
            if len(old) < 4:
                raise HeifError("an Exif item is too short")
            start = 4 + struct.unpack(">I", old[:4])[0]  # where its TIFF header begins
            if start > len(old):
                raise HeifError("an Exif item's header offset is wrong")
            _item_write(out, item, old[:start] + _padded(exif(old[start:]), len(old) - start))
        elif item.type == b"mime" and item.content_type == "application/rdf+xml":
            old = _item_bytes(out, item)
            _item_write(out, item, _padded(xmp(old), len(old)))
    thumbnails = _thumbnail_items(container)
    if thumbnails:
        out = _without_items(out, container, thumbnails)
    return bytes(out)


def _padded(new: bytes, length: int) -> bytes:
    if len(new) > length:
        raise HeifError("the cleaned metadata is longer than the original")
    return new + bytes(length - len(new))


# Parsing ---------------------------------------------------------------------------------


def _boxes(data, start: int, end: int) -> list[Box]:
    boxes = []
    position = start
    while position + 8 <= end:
        size, kind = struct.unpack(">I4s", data[position : position + 8])
        header = 8
        if size == 1:
            if position + 16 > end:
                raise HeifError("a box header is cut short")
            (size,) = struct.unpack(">Q", data[position + 8 : position + 16])
            header = 16
        elif size == 0:  # to the end of the file
            size = end - position
        if size < header or position + size > end:
            raise HeifError(f"the {kind!r} box runs past its end")
        full = kind in _FULL_BOXES
        boxes.append(Box(kind, position, position + header + (4 if full else 0), position + size))
        position += size
    return boxes


_FULL_BOXES = {b"meta", b"iinf", b"iloc", b"iref", b"ipma", b"pitm", b"hdlr", b"infe"}


def _read(data, fmt: str, offset: int, limit: int):
    size = struct.calcsize(fmt)
    if offset + size > limit:
        raise HeifError("a box is cut short")
    return struct.unpack(fmt, data[offset : offset + size])


def _version(data, box: Box) -> tuple[int, int]:
    version, high, low = _read(data, ">BBH", box.body - 4, box.end)
    return version, (high << 16) | low


def _parse(data) -> Container:
    if len(data) < 12 or data[4:8] != b"ftyp":
        raise HeifError("it does not start with an ftyp box")
    top = _boxes(data, 0, len(data))
    meta = next((box for box in top if box.type == b"meta"), None)
    if meta is None:
        raise HeifError("it has no meta box")
    children = _boxes(data, meta.body, meta.end)
    by_type = {box.type: box for box in children}
    if b"iinf" not in by_type or b"iloc" not in by_type:
        raise HeifError("its meta box lists no items")
    items = _item_infos(data, by_type[b"iinf"])
    idat = by_type.get(b"idat")
    _item_locations(data, by_type[b"iloc"], items, idat)
    references = _references(data, by_type[b"iref"]) if b"iref" in by_type else []
    for item in items.values():
        for start, length in item.extents:
            limit = idat.end if item.construction == 1 else len(data)
            if start < 0 or start + length > limit:
                raise HeifError("an item's bytes lie past the end of the file")
    return Container(top, meta, children, items, references)


def _item_infos(data, iinf: Box) -> dict[int, Item]:
    version, _flags = _version(data, iinf)
    count_format = ">H" if version == 0 else ">I"
    (_count,) = _read(data, count_format, iinf.body, iinf.end)
    items: dict[int, Item] = {}
    for infe in _boxes(data, iinf.body + struct.calcsize(count_format), iinf.end):
        if infe.type != b"infe":
            continue
        infe_version, _flags = _version(data, infe)
        if infe_version < 2:
            continue  # version 0 and 1 describe no item types that matter here
        id_format = ">H" if infe_version == 2 else ">I"
        (item_id,) = _read(data, id_format, infe.body, infe.end)
        position = infe.body + struct.calcsize(id_format) + 2  # protection index
        (item_type,) = _read(data, ">4s", position, infe.end)
        position += 4
        name_end = data.find(b"\x00", position, infe.end)
        content_type = ""
        if item_type == b"mime" and name_end >= 0:
            type_end = data.find(b"\x00", name_end + 1, infe.end)
            type_end = infe.end if type_end < 0 else type_end
            content_type = bytes(data[name_end + 1 : type_end]).decode("ascii", "replace")
        items[item_id] = Item(item_id, item_type, content_type.strip().lower())
    return items


def _item_locations(data, iloc: Box, items: dict[int, Item], idat: Box | None) -> None:
    version, _flags = _version(data, iloc)
    sizes, more = _read(data, ">BB", iloc.body, iloc.end)
    offset_size, length_size = sizes >> 4, sizes & 15
    base_size, index_size = more >> 4, (more & 15 if version in (1, 2) else 0)
    position = iloc.body + 2
    count_format = ">I" if version == 2 else ">H"
    (count,) = _read(data, count_format, position, iloc.end)
    position += struct.calcsize(count_format)

    def number(size: int) -> int:
        nonlocal position
        if size not in (0, 4, 8):
            raise HeifError("the iloc box uses an unknown number size")
        if size == 0:
            return 0
        (value,) = _read(data, ">I" if size == 4 else ">Q", position, iloc.end)
        position += size
        return value

    for _ in range(count):
        item_id = number(4) if version == 2 else _read(data, ">H", position, iloc.end)[0]
        if version != 2:
            position += 2
        construction = 0
        if version in (1, 2):
            (method,) = _read(data, ">H", position, iloc.end)
            construction = method & 15
            position += 2
        (reference,) = _read(data, ">H", position, iloc.end)
        position += 2
        base = number(base_size)
        (extent_count,) = _read(data, ">H", position, iloc.end)
        position += 2
        extents = []
        for _extent in range(extent_count):
            number(index_size)
            extents.append((number(offset_size), number(length_size)))
        item = items.get(item_id)
        if item is None:
            continue
        if reference != 0 or construction not in (0, 1):
            raise HeifError("an item's bytes are stored in a way this reader does not follow")
        if construction == 1 and idat is None:
            raise HeifError("an item refers to a missing idat box")
        origin = idat.body if construction == 1 else 0
        item.construction = construction
        item.extents = [(origin + base + start, length) for start, length in extents]


def _references(data, iref: Box) -> list[tuple[bytes, int, list[int]]]:
    version, _flags = _version(data, iref)
    id_format = ">H" if version == 0 else ">I"
    width = struct.calcsize(id_format)
    found = []
    for box in _boxes(data, iref.body, iref.end):
        (source,) = _read(data, id_format, box.body, box.end)
        (count,) = _read(data, ">H", box.body + width, box.end)
        targets = [
            _read(data, id_format, box.body + width + 2 + width * index, box.end)[0]
            for index in range(count)
        ]
        found.append((box.type, source, targets))
    return found


def _item_bytes(data, item: Item) -> bytes:
    return b"".join(bytes(data[start : start + length]) for start, length in item.extents)


def _item_write(out: bytearray, item: Item, new: bytes) -> None:
    position = 0
    for start, length in item.extents:
        out[start : start + length] = new[position : position + length]
        position += length


# Taking thumbnails out -------------------------------------------------------------------


def _thumbnail_items(container: Container) -> set[int]:
    """The thumbnails, and the tiles they are made of."""
    found = {source for kind, source, _targets in container.references if kind == b"thmb"}
    pending = list(found)
    while pending:
        current = pending.pop()
        for kind, source, targets in container.references:
            if kind == b"dimg" and source == current:
                new = set(targets) - found
                found |= new
                pending.extend(new)
    return found


def _without_items(out: bytearray, container: Container, removed: set[int]) -> bytearray:
    """The meta box written again without these items, followed by a `free` box as long as
    the bytes saved, so that every offset into the file stays true; their bytes zeroed."""
    meta = container.meta
    if meta.body - meta.start != 12:
        raise HeifError("its meta box has a 64-bit size")
    for item_id in removed:
        item = container.items.get(item_id)
        for start, _length in item.extents if item else []:
            if item.construction == 0 and meta.start <= start < meta.end:
                raise HeifError("a thumbnail's bytes lie inside the meta box")
    for item_id in removed:
        item = container.items.get(item_id)
        for start, length in item.extents if item else []:
            out[start : start + length] = bytes(length)
    children = []
    for box in container.children:
        raw = bytes(out[box.start : box.end])
        if box.type == b"iinf":
            raw = _iinf_without(out, box, removed)
        elif box.type == b"iloc":
            raw = _iloc_without(out, box, container, removed)
        elif box.type == b"iref":
            raw = _iref_without(out, box, removed)
        elif box.type == b"iprp":
            raw = _iprp_without(out, box, removed)
        children.append(raw)
    header = bytes(out[meta.start + 8 : meta.body])  # version and flags
    body = header + b"".join(children)
    saved = (meta.end - meta.start) - (8 + len(body))
    if saved == 0:
        return out
    if saved < 8:
        raise HeifError("no room for a free box after taking the thumbnail out")
    new_meta = struct.pack(">I4s", 8 + len(body), b"meta") + body
    free = struct.pack(">I4s", saved, b"free") + bytes(saved - 8)
    out[meta.start : meta.end] = new_meta + free
    return out


def _box(kind: bytes, content: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(content), kind) + content


def _iinf_without(data, box: Box, removed: set[int]) -> bytes:
    version, _flags = _version(data, box)
    count_format = ">H" if version == 0 else ">I"
    start = box.body + struct.calcsize(count_format)
    kept = []
    for infe in _boxes(data, start, box.end):
        infe_version, _flags = _version(data, infe)
        if infe.type == b"infe" and infe_version >= 2:
            id_format = ">H" if infe_version == 2 else ">I"
            if _read(data, id_format, infe.body, infe.end)[0] in removed:
                continue
        kept.append(bytes(data[infe.start : infe.end]))
    head = bytes(data[box.body - 4 : box.body]) + struct.pack(count_format, len(kept))
    return _box(b"iinf", head + b"".join(kept))


def _iloc_without(data, box: Box, container: Container, removed: set[int]) -> bytes:
    version, _flags = _version(data, box)
    sizes, more = data[box.body], data[box.body + 1]
    offset_size, length_size = sizes >> 4, sizes & 15
    base_size, index_size = more >> 4, (more & 15 if version in (1, 2) else 0)
    count_format = ">I" if version == 2 else ">H"
    position = box.body + 2 + struct.calcsize(count_format)
    (count,) = _read(data, count_format, box.body + 2, box.end)
    kept = []
    for _ in range(count):
        start = position
        id_size = 4 if version == 2 else 2
        (item_id,) = _read(data, ">I" if id_size == 4 else ">H", position, box.end)
        position += id_size + (2 if version in (1, 2) else 0) + 2 + base_size
        (extent_count,) = _read(data, ">H", position, box.end)
        position += 2 + extent_count * (index_size + offset_size + length_size)
        if item_id not in removed:
            kept.append(bytes(data[start:position]))
    head = bytes(data[box.body - 4 : box.body + 2]) + struct.pack(count_format, len(kept))
    return _box(b"iloc", head + b"".join(kept))


def _iref_without(data, box: Box, removed: set[int]) -> bytes:
    version, _flags = _version(data, box)
    id_format = ">H" if version == 0 else ">I"
    kept = []
    for kind, source, targets in _references(data, box):
        targets = [target for target in targets if target not in removed]
        if source in removed or not targets:
            continue
        content = struct.pack(id_format, source) + struct.pack(">H", len(targets))
        content += b"".join(struct.pack(id_format, target) for target in targets)
        kept.append(_box(kind, content))
    return _box(b"iref", bytes(data[box.body - 4 : box.body]) + b"".join(kept))


def _iprp_without(data, box: Box, removed: set[int]) -> bytes:
    parts = []
    for child in _boxes(data, box.body, box.end):
        if child.type != b"ipma":
            parts.append(bytes(data[child.start : child.end]))
            continue
        version, flags = _version(data, child)
        id_format = ">H" if version < 1 else ">I"
        width = 2 if flags & 1 else 1
        (count,) = _read(data, ">I", child.body, child.end)
        position = child.body + 4
        kept = []
        for _ in range(count):
            start = position
            (item_id,) = _read(data, id_format, position, child.end)
            position += struct.calcsize(id_format)
            (associations,) = _read(data, ">B", position, child.end)
            position += 1 + associations * width
            if item_id not in removed:
                kept.append(bytes(data[start:position]))
        head = bytes(data[child.body - 4 : child.body]) + struct.pack(">I", len(kept))
        parts.append(_box(b"ipma", head + b"".join(kept)))
    return _box(b"iprp", b"".join(parts))
