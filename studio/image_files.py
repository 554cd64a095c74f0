"""Image files as they arrive: what they are, read from their header alone, and names that
are safe to show and to download under.

No pixel is decoded here; that is the workers' job. `Image.open` reads the header, only the
decoders asked for may run, and the pixel count is checked against a limit before anything
else touches the file. A stored file's extension comes from the format found, never from
the name it was uploaded under (`x.jpg.php`, a right-to-left override before `gpj.exe`).
"""

import unicodedata
import warnings
from dataclasses import dataclass, field

import pillow_heif
from django.utils.formats import number_format
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image

from studio import heif

pillow_heif.register_heif_opener()

# Format (as Pillow names it) → content type, the extension it is stored under, and the
# extensions a person's file of that format may already carry.
FORMATS = {
    "JPEG": ("image/jpeg", ".jpg", (".jpg", ".jpeg", ".jpe", ".jfif")),
    "PNG": ("image/png", ".png", (".png",)),
    "WEBP": ("image/webp", ".webp", (".webp",)),
    "TIFF": ("image/tiff", ".tif", (".tif", ".tiff")),
    "HEIF": ("image/heic", ".heic", (".heic", ".heif", ".hif")),
}
NAMES = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "TIFF": "TIFF", "HEIF": "HEIC"}
QUARTER_TURNS = (5, 6, 7, 8)  # EXIF orientations that swap width and height


# Why a file is refused or a photo failed, by code: the header's reasons (both upload paths)
# and the gallery pipeline's, in one table so that whatever stored a code shows its sentence,
# made when it is shown, in the language of whoever reads it.
REASONS = {
    "pdf": gettext_lazy("it is a PDF document, not a photo"),
    "eps": gettext_lazy("it is an EPS (PostScript) file, not a photo"),
    "svg": gettext_lazy("it is an SVG drawing, not a photo"),
    "text": gettext_lazy("it is a text file, not a photo"),
    "formats": gettext_lazy("it is not a %(kinds)s photo"),
    "pixels": gettext_lazy(
        "it is %(width)s × %(height)s pixels (%(count)s megapixels); photos can have up to "
        "%(limit)s megapixels"
    ),
    "bomb": gettext_lazy("it has far more pixels than a photo (the limit is %(limit)s megapixels)"),
    "incomplete": gettext_lazy("it could not be read as a photo; it is incomplete"),
    "damaged": gettext_lazy("it could not be read as a photo; it may be damaged"),
    "too_big": gettext_lazy("it is %(size)s MB; each photo can be up to %(limit)s MB"),
    "empty": gettext_lazy("the file is empty"),
    "camera_pixels": gettext_lazy("it has more pixels than any camera makes"),
    "undecodable": gettext_lazy("it could not be read as a photo; it may be damaged or incomplete"),
    "worker_stopped": gettext_lazy(
        "it could not be processed: the worker stopped on it repeatedly"
    ),
    "watermark": gettext_lazy("the studio's watermark could not be read; replace it and retry"),
    "not_deliverable": gettext_lazy("it could not be prepared for download: %(why)s"),
    "original_missing": gettext_lazy("its original file is missing from storage"),
    "processing_failed": gettext_lazy(
        "it could not be processed; try again, or tell us if it keeps failing"
    ),
    "analysis_failed": gettext_lazy("it could not be analysed: %(why)s"),
    "analysis_stopped": gettext_lazy(
        "it could not be analysed: the worker stopped on it repeatedly"
    ),
    "analysis_source_missing": gettext_lazy(
        "it was processed before the culling assistant; process it again to analyse it"
    ),
    "other": "%(text)s",  # written before reasons had codes: kept as it was
}


@dataclass(frozen=True)
class ImageReason:
    """Why a file is refused or a photo failed: a code of REASONS and the values its
    sentence needs (JSON-safe, to be stored). `str()` makes the sentence in the active
    language."""

    code: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        text = REASONS.get(self.code)
        if text is None:  # a code this version does not know
            return str(self.params.get("text") or self.code)
        values = dict(self.params)
        if "formats" in values:
            names = [NAMES.get(kind, kind) for kind in values["formats"]]
            values["kinds"] = get_text_list(names, _("or"))
        if "width" in values:
            values["count"] = round(values["width"] * values["height"] / 1_000_000)
        if "size" in values:
            values["size"] = number_format(values["size"] / 1024 / 1024, 1)
        return str(text) % values


class ImageRefused(Exception):
    """Why a file is refused or a photo failed: `why` to keep, `reason` to read now."""

    def __init__(self, why: ImageReason):
        super().__init__(why.code)
        self.why = why

    @property
    def reason(self) -> str:
        return str(self.why)

    def __str__(self) -> str:
        return self.reason


class NotAPhoto(ImageRefused):
    """Its header shows the file is not a photo that is taken."""


@dataclass(frozen=True)
class ImageHeader:
    format: str
    content_type: str
    suffix: str
    width: int  # once the camera's orientation is applied
    height: int


def image_identify(stream, *, formats: tuple[str, ...], pixel_limit: int) -> ImageHeader:
    """What the file is, from its header, or NotAPhoto saying why. Decodes no pixels.
    Reads the stream and rewinds it."""
    try:
        with warnings.catch_warnings():
            # The limit that counts is `pixel_limit`; Pillow's own warning would depend on
            # whichever module last set Image.MAX_IMAGE_PIXELS.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(stream, formats=formats) as image:
                kind = format_normal(image.format)
                width, height = image.size
                if width * height > pixel_limit:
                    raise NotAPhoto(
                        ImageReason(
                            "pixels",
                            {"width": width, "height": height, "limit": pixel_limit // 1_000_000},
                        )
                    )
                # A PNG's Exif may follow its pixels, and Pillow would decode them to reach
                # it: only an Exif block found in the header counts there.
                exif = image.getexif() if kind != "PNG" or "exif" in image.info else {}
                if exif.get(0x0112) in QUARTER_TURNS:
                    width, height = height, width
        if kind == "HEIF":
            stream.seek(0)
            heif.heif_check(stream.read())
    except NotAPhoto:
        raise
    except Image.UnidentifiedImageError:
        stream.seek(0)
        raise NotAPhoto(_what_it_is(stream.read(2048), formats)) from None
    except Image.DecompressionBombError:
        raise NotAPhoto(ImageReason("bomb", {"limit": pixel_limit // 1_000_000})) from None
    except heif.HeifError:
        raise NotAPhoto(ImageReason("incomplete")) from None
    except Exception:  # header parsers fail in many ways (SyntaxError, struct.error...)
        raise NotAPhoto(ImageReason("damaged")) from None
    finally:
        stream.seek(0)
    content_type, suffix, _suffixes = FORMATS[kind]
    return ImageHeader(kind, content_type, suffix, width, height)


def _what_it_is(head: bytes, formats: tuple[str, ...]) -> ImageReason:
    """The reason for a file no allowed decoder recognises: what it is, when it is plain."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(b"%pdf"):
        return ImageReason("pdf")
    if start.startswith(b"%!ps") or head.startswith(b"\xc5\xd0\xd3\xc6"):
        return ImageReason("eps")
    if start.startswith(b"<svg") or (start.startswith((b"<?xml", b"<!")) and b"<svg" in start):
        return ImageReason("svg")
    if _is_text(head):
        return ImageReason("text")
    return ImageReason("formats", {"formats": list(formats)})


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    for cut in range(4):  # the sample may end in the middle of a character
        try:
            text = head[: len(head) - cut].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return all(ch.isprintable() or ch in "\t\r\n\f" for ch in text)
    return False


def file_name_clean(name: str) -> str:
    """The uploaded name as text to show (templates escape it): no folders, no control or
    direction-changing characters (U+202E would show `gpj.exe` as `exe.jpg`), not too long."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        ch for ch in name if ch.isprintable() and unicodedata.category(ch) not in ("Cf", "Co")
    )
    return name.strip()[:255] or "photo"


def file_name_for(name: str, kind: str) -> str:
    """`name` ending in an extension of the format `kind`: kept when it does already,
    else with its last extension replaced (`x.jpg.php` → `x.jpg`, `gpj.exe` → `gpj.jpg`)."""
    _content_type, suffix, suffixes = FORMATS[kind]
    if _suffix(name) in suffixes:
        return name
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    if _suffix(stem) in suffixes:
        return stem
    return (stem or "photo") + suffix


def format_normal(kind: str) -> str:
    """The format as FORMATS names it: a JPEG with an MPF index (many phones and cameras
    add one, for a preview) is what Pillow calls MPO."""
    return "JPEG" if kind == "MPO" else kind


def format_for_name(name: str) -> str | None:
    """The format a stored file's extension says (Sitting chose it), or None."""
    suffix = _suffix(name)
    return next((kind for kind, (_t, _s, known) in FORMATS.items() if suffix in known), None)


def format_for_content_type(content_type: str) -> str | None:
    return next((kind for kind, (known, *_rest) in FORMATS.items() if known == content_type), None)


def format_sniff(head: bytes) -> str | None:
    """The format from a file's first 16 bytes, for files stored before extensions came
    from the format."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if head[4:8] == b"ftyp":
        return "HEIF"
    return None


def _suffix(name: str) -> str:
    stem, dot, suffix = name.rpartition(".")
    return f".{suffix.lower()}" if dot and stem else ""
