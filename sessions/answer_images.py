"""Photos clients attach to questionnaire answers: what is accepted, and their thumbnails.

Pure image code: bytes in, plain values out. The file's content decides what it is, never
its name. Accepting a photo reads its header only (studio/image_files.py), so a request never
decodes pixels: a 273 KB PNG of 9400 × 9400 pixels would take a web worker 23 s and 1 GB.
Thumbnails are made by a worker (`answer_image_thumbnail_make_task`).
"""

import io
import warnings

from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from studio import image_files

MAX_BYTES = 20 * 1024 * 1024
PHOTOS_PER_POST = 5  # photos of the largest size one questionnaire post may carry
# Phones make 12-50 MP photos; their 108 and 200 MP modes are refused with a clear message.
PIXEL_LIMIT = 50_000_000
FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
THUMBNAIL_SIZE = (480, 480)


class ImageRejected(Exception):
    """Why a file is not accepted, for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def image_inspect(stream, *, size: int) -> image_files.ImageHeader:
    """What the file is, from its header, or ImageRejected. Rewinds the stream."""
    if size > MAX_BYTES:
        raise ImageRejected(
            _("it is %(size)s MB; photos can be up to %(limit)s MB")
            % {"size": f"{size / 1024 / 1024:.1f}", "limit": MAX_BYTES // 1024 // 1024}
        )
    if size == 0:
        raise ImageRejected(_("the file is empty"))
    try:
        return image_files.image_identify(stream, formats=FORMATS, pixel_limit=PIXEL_LIMIT)
    except image_files.NotAPhoto as refused:
        raise ImageRejected(refused.reason) from None


def thumbnail_make(stream) -> bytes:
    """A small upright JPEG of the photo, without its metadata (no GPS position), or
    ImageRejected. Decodes the photo: for a worker, never a web request."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _thumbnail(stream)
    except Exception:
        raise ImageRejected(
            _("it could not be read as a photo (JPEG, PNG, WebP or HEIC); it may be damaged")
        ) from None
    finally:
        stream.seek(0)


def _thumbnail(stream) -> bytes:
    stream.seek(0)
    with Image.open(stream, formats=FORMATS) as image:
        if image.width * image.height > PIXEL_LIMIT:  # checked at upload; checked again
            raise ImageRejected(_("it has too many pixels"))
        image.draft("RGB", (THUMBNAIL_SIZE[0] * 2, THUMBNAIL_SIZE[1] * 2))  # fast JPEG decode
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail(THUMBNAIL_SIZE)
        if upright.mode != "RGB":
            background = Image.new("RGB", upright.size, "white")
            rgba = upright.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            upright = background
        out = io.BytesIO()
        upright.info = {}  # nothing but pixels: Pillow would carry a comment over
        upright.save(out, format="JPEG", quality=82, optimize=True)
    return out.getvalue()
