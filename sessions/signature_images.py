"""The optional drawn signature: a PNG data URL from the signing page's canvas
(static/js/signature.js), checked and made into a clean PNG to keep.

Pure image code: a string in, bytes out. The limits are checked before any pixel is decoded:
the text's length (which bounds the decoded size), then the width and height from the PNG header.
"""

import base64
import binascii
import io
import math

from django.utils.translation import gettext as _
from PIL import Image, ImageOps

PREFIX = "data:image/png;base64,"
MAX_BYTES = 300 * 1024
MAX_SIDE = 4000
MAX_TEXT = len(PREFIX) + 4 * math.ceil(MAX_BYTES / 3)
MARGIN = 8  # pixels of white kept around the strokes
WHITE_ENOUGH = 250  # lighter than this everywhere counts as nothing drawn


def drawn_signature_parse(value: str) -> bytes | None:
    """The drawing as a small greyscale PNG on white, cropped to the strokes with a margin;
    None for no drawing ('' or a blank canvas). ValueError, with a sentence for a person,
    for anything that is not a PNG data URL within the limits."""
    if not value:
        return None
    data = _decoded(value)
    unreadable = _("The drawing could not be read. Please clear it and draw again.")
    try:
        image = Image.open(io.BytesIO(data), formats=["PNG"])
    except Exception:
        raise ValueError(unreadable) from None
    with image:
        if image.width > MAX_SIDE or image.height > MAX_SIDE:
            raise ValueError(
                _("The drawing is too large (%(width)s × %(height)s pixels). Please draw again.")
                % {"width": image.width, "height": image.height}
            )
        try:
            drawing = _on_white(image)  # decodes the pixels; a damaged file fails here
        except Exception:
            raise ValueError(unreadable) from None
    return _png(drawing)


def _decoded(value: str) -> bytes:
    if not value.startswith(PREFIX):
        raise ValueError(
            _("The drawing did not arrive as a PNG picture. Please clear it and draw again.")
        )
    if len(value) > MAX_TEXT:  # so at most MAX_BYTES once decoded
        raise ValueError(_("The drawing is too large to keep. Please clear it and draw again."))
    try:
        data = base64.b64decode(value[len(PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(
            _("The drawing arrived damaged. Please clear it and draw again.")
        ) from None
    return data


def _on_white(image: Image.Image) -> Image.Image:
    """The image flattened onto white, in greyscale (a signature is ink on paper)."""
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, "white")
    return Image.alpha_composite(background, rgba).convert("L")


def _png(drawing: Image.Image) -> bytes | None:
    ink = ImageOps.invert(drawing).point(lambda level: 255 if level > 255 - WHITE_ENOUGH else 0)
    box = ink.getbbox()
    if box is None:
        return None
    left, top, right, bottom = box
    cropped = drawing.crop(
        (
            max(left - MARGIN, 0),
            max(top - MARGIN, 0),
            min(right + MARGIN, drawing.width),
            min(bottom + MARGIN, drawing.height),
        )
    )
    cropped.info = {}  # pixels only: no text chunks, no profile
    out = io.BytesIO()
    cropped.save(out, format="PNG", optimize=True)
    return out.getvalue()
