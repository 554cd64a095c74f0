"""The photographer's cull for Lightroom as XMP sidecars: one `<base name>.xmp` per proof in
a zip, so that `IMG_0412.CR3` beside `IMG_0412.xmp` takes its stars, its reject and its
label with Metadata > Read Metadata from Files. Pure functions of the photos.

Lightroom Classic keeps pick flags in its catalog only, never in XMP, so a pick comes over
as the colour label PICK_LABEL ("Green", the name Lightroom's default label set gives the
green label; filter or make a smart collection on it); a reject is xmp:Rating -1, Adobe's
value for a rejected photo. Stars are 0–5.
"""

import io
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from django.utils.translation import gettext as _

from gallery.exports import base_name

PICK_LABEL = "Green"
REJECTED = -1
FOLDER_MAX = 80


@dataclass(frozen=True)
class CullRow:
    file_name: str  # as uploaded: IMG_0412.jpg
    set_name: str
    flag: str  # "", "pick", "reject"
    rating: int


def xmp_packet(row: CullRow) -> str:
    """A complete XMP packet with the photo's rating and, for a pick, its label."""
    rating = REJECTED if row.flag == "reject" else max(0, min(5, row.rating))
    label = f"\n   xmp:Label={quoteattr(PICK_LABEL)}" if row.flag == "pick" else ""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Sitting">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        '   xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
        f'   xmp:Rating="{rating}"{label}/>\n'
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>\n'
    )


def _safe(text: str) -> str:
    """A name usable as one zip folder or file: no separators, controls or leading dots."""
    cleaned = "".join("_" if char in '/\\:*?"<>|' or ord(char) < 32 else char for char in text)
    return cleaned.strip().lstrip(".")[:FOLDER_MAX]


def sidecar_paths(rows: Sequence[CullRow]) -> list[str]:
    """Each row's path in the zip: `<base>.xmp` at the top, or, where two proofs share a
    base name (IMG_0001.jpg in two sets), each in a folder named for its set ("No set"
    without one; "Outfit 1 (2)" if even that repeats), since Lightroom matches the exact
    base name."""
    bases = [_safe(base_name(row.file_name)) or "photo" for row in rows]
    # Counted whatever the case: IMG_1 and img_1 are one file on macOS and Windows.
    shared = Counter(base.lower() for base in bases)
    taken: set[str] = set()
    paths = []
    for row, base in zip(rows, bases, strict=True):
        if shared[base.lower()] == 1:
            path = f"{base}.xmp"
        else:
            folder = _safe(row.set_name) or _("No set")
            path, copy = f"{folder}/{base}.xmp", 1
            while path.lower() in taken:
                copy += 1
                path = f"{folder} ({copy})/{base}.xmp"
        taken.add(path.lower())
        paths.append(path)
    return paths


def readme(title: str, *, folders: bool) -> str:
    lines = [
        _("XMP sidecars for %(title)s, from Sitting.") % {"title": title},
        "",
        _(
            "1. Copy each .xmp file into the folder of the photo with the same name "
            "(IMG_0412.xmp beside IMG_0412.CR3 or IMG_0412.jpg)."
        ),
        _(
            "2. In Lightroom Classic, select those photos and choose Metadata > Read Metadata "
            "from Files. This replaces their stars and labels with these."
        ),
        "",
        _("Stars: 0 to 5, as given in Sitting's culling view."),
        _("Rejects: rating -1, Adobe's mark for a rejected photo."),
        _(
            "Picks: the colour label “%(label)s” (Lightroom keeps pick flags only in its "
            "catalog). Filter by that label, then press P to flag them."
        )
        % {"label": PICK_LABEL},
    ]
    if folders:
        lines += [
            "",
            _(
                "Some photos share a file name (the same camera number in two sets): their "
                "sidecars are in a folder named for their set. Copy each beside its own photo."
            ),
        ]
    return "\n".join(lines) + "\n"


def cull_sidecars_zip(title: str, rows: Iterable[CullRow]) -> bytes:
    rows = list(rows)
    paths = sidecar_paths(rows)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme(title, folders=any("/" in p for p in paths)))
        for row, path in zip(rows, paths, strict=True):
            archive.writestr(path, xmp_packet(row).encode())
    return out.getvalue()
