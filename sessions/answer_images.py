"""Photos clients attach to questionnaire answers: what is accepted, and their thumbnails.

Pure image code: bytes in, plain values out. The file's content decides what it is, never
its name; anything Pillow cannot read as JPEG, PNG, WebP or HEIC is refused with a reason.
"""

import io
import warnings
from dataclasses import dataclass

import pillow_heif
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

pillow_heif.register_heif_opener()

MAX_BYTES = 20 * 1024 * 1024
THUMBNAIL_SIZE = (480, 480)
CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "HEIF": "image/heic",
}
SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "HEIF": ".heic"}


class ImageRejected(Exception):
    """Why a file is not accepted, for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ImageFacts:
    format: str
    content_type: str
    suffix: str
    width: int  # after the camera's orientation is applied
    height: int


def image_inspect(stream, *, size: int) -> ImageFacts:
    """What the file is, or ImageRejected. Reads the stream; rewinds it afterwards."""
    if size > MAX_BYTES:
        raise ImageRejected(
            _("it is %(size)s MB; photos can be up to %(limit)s MB")
            % {"size": f"{size / 1024 / 1024:.1f}", "limit": MAX_BYTES // 1024 // 1024}
        )
    if size == 0:
        raise ImageRejected(_("the file is empty"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                kind = image.format
                if kind not in CONTENT_TYPES:
                    raise ImageRejected(_("it is not a JPEG, PNG, WebP or HEIC photo"))
                image.verify()
            stream.seek(0)
            with Image.open(stream) as image:
                image.load()  # decodes every pixel: a truncated file fails here
                width, height = image.size
                if image.getexif().get(0x0112) in (5, 6, 7, 8):  # rotated a quarter turn
                    width, height = height, width
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(_("it has far too many pixels to be a photo")) from None
    except Exception:  # decoders fail in many ways (EOFError, RuntimeError...): all mean no
        raise ImageRejected(
            _("it could not be read as a photo (JPEG, PNG, WebP or HEIC); it may be damaged")
        ) from None
    finally:
        stream.seek(0)
    return ImageFacts(kind, CONTENT_TYPES[kind], SUFFIXES[kind], width, height)


def thumbnail_make(stream) -> bytes:
    """A small upright JPEG of the photo, without its metadata (no GPS position), or
    ImageRejected."""
    try:
        return _thumbnail(stream)
    except Exception:
        raise ImageRejected(
            _("it could not be read as a photo (JPEG, PNG, WebP or HEIC); it may be damaged")
        ) from None
    finally:
        stream.seek(0)


def _thumbnail(stream) -> bytes:
    stream.seek(0)
    with Image.open(stream) as image:
        image.draft("RGB", (THUMBNAIL_SIZE[0] * 2, THUMBNAIL_SIZE[1] * 2))  # fast JPEG decode
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail(THUMBNAIL_SIZE)
        if upright.mode != "RGB":
            background = Image.new("RGB", upright.size, "white")
            rgba = upright.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            upright = background
        out = io.BytesIO()
        upright.save(out, format="JPEG", quality=82, optimize=True)
    stream.seek(0)
    return out.getvalue()
