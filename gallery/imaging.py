"""The photo pipeline's image code: an original's bytes in, a preview and a thumbnail out.

Pure: no models, no storage, no requests. Files are identified by their content, only the
allowed decoders ever run, and derived images carry no metadata at all (no EXIF, GPS, XMP,
comments or embedded thumbnails), only pixels converted to sRGB and turned upright.

Speed comes from doing the expensive work once, small: JPEGs are decoded with DCT scaling
straight to about the preview's size (`draft`), orientation and colour conversion run on the
preview rather than the original, and the thumbnail is made from the preview.
"""

import io
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

import pillow_heif
from PIL import Image, ImageCms, ImageDraw, ImageFont, ImageOps, features

from gallery.analysis import analysis_image, analysis_jpeg
from studio.image_files import ImageReason, ImageRefused

pillow_heif.register_heif_opener()
# Pillow's wheels bring libjpeg-turbo, whose decoder scales by any eighth (_jpeg_draft).
LIBJPEG_TURBO = bool(features.check_feature("libjpeg_turbo"))

# Decoders that may run on an upload; anything else (EPS, SVG, PDF, GIF...) is refused before
# its decoder is even tried.
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "TIFF", "HEIF")
# Medium-format backs make 100-150 MP; beyond this a file is refused before it is decoded.
PIXEL_LIMIT = 160_000_000
Image.MAX_IMAGE_PIXELS = PIXEL_LIMIT  # Pillow's own bomb check agrees, and stays on

PREVIEW_EDGE = 2048
THUMBNAIL_EDGE = 400
JPEG_QUALITY = 85

# EXIF orientation → the transpose that makes the picture upright.
TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
SRGB = ImageCms.createProfile("sRGB")


class PhotoRejected(ImageRefused):
    """Why a file cannot become a photo in a gallery."""


@dataclass(frozen=True)
class Watermark:
    """The studio's mark, laid over previews: an RGBA image, where, how big, how strong."""

    image: Image.Image
    position: str = "center"  # center, bottom-right, bottom-left, top-right, top-left
    scale: float = 0.3  # of the preview's width
    opacity: float = 0.5


@dataclass(frozen=True)
class Rendition:
    preview: bytes  # JPEG, long edge PREVIEW_EDGE at most
    thumbnail: bytes  # JPEG, long edge THUMBNAIL_EDGE at most
    width: int  # the original's size once upright
    height: int
    format: str
    captured_at: datetime | None
    camera: str
    colour: str  # the average colour, "#rrggbb", for the grid while the thumbnail loads
    # For the culling assistant (gallery.analysis): the preview before any watermark, at
    # ANALYSIS_EDGE, as a JPEG; empty unless asked for.
    analysis: bytes = b""


def photo_render(
    stream, *, watermark: Watermark | None = None, analysis: bool = False
) -> Rendition:
    """Make the preview and thumbnail of a photo (and, if asked, the smaller unwatermarked
    picture the culling assistant reads), or raise PhotoRejected saying why."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _render(stream, watermark, analysis)
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRejected(ImageReason("camera_pixels")) from None
    except Exception as error:  # every decoder fails in its own way; all mean the same here
        raise PhotoRejected(ImageReason("undecodable")) from error


def _render(stream, watermark: Watermark | None, analysis: bool) -> Rendition:
    try:
        image = Image.open(stream, formats=ALLOWED_FORMATS)
    except Image.UnidentifiedImageError:
        raise PhotoRejected(ImageReason("formats", {"formats": list(ALLOWED_FORMATS)})) from None
    with image:
        width, height = image.size
        if width * height > PIXEL_LIMIT:
            raise PhotoRejected(ImageReason("camera_pixels"))
        exif = image.getexif()
        orientation = exif.get(0x0112, 1)
        orientation = orientation if orientation in TRANSPOSE else 1
        icc = image.info.get("icc_profile")
        kind = image.format
        if getattr(image, "n_frames", 1) > 1:
            image.seek(0)  # an animated file: its first frame
        upright = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
        scale = min(1.0, PREVIEW_EDGE / max(upright))
        target = (max(1, round(width * scale)), max(1, round(height * scale)))
        if kind in ("JPEG", "MPO"):  # MPO: a camera's JPEG with a preview image after it
            # DCT scaling: decode at 1/8, 1/4, 3/8 or 1/2 size, never below the target.
            _jpeg_draft(image, target)
        image.load()  # a truncated file fails here, never as a half-grey preview
        # Other formats decode at full size: shrink by a whole factor first (a box filter,
        # cheap), so that mode conversions never run on 100 MP of pixels.
        factor = int(min(image.width / target[0], image.height / target[1]))
        if factor >= 2:
            try:
                image = image.reduce(factor)
            except ValueError:  # a mode reduce() does not take: convert first
                image = _resizable(image).reduce(factor)
        # Resize, in the file's own colours; convert and turn the small result.
        preview = _resizable(image)
        if preview.size != target:
            preview = preview.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
        preview = _to_srgb(preview, icc)
        if orientation in TRANSPOSE:
            preview = preview.transpose(TRANSPOSE[orientation])
        captured_at, camera = _exif_facts(exif)
    thumbnail = _thumbnail(preview)
    colour = "#{:02x}{:02x}{:02x}".format(
        *thumbnail.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    )
    analysed = analysis_jpeg(analysis_image(preview)) if analysis else b""
    if watermark is not None:
        watermark_paste(preview, watermark)  # the preview is this function's own: no copy
    return Rendition(
        preview=_jpeg(preview),
        thumbnail=_jpeg(thumbnail),
        width=upright[0],
        height=upright[1],
        format=kind,
        captured_at=captured_at,
        camera=camera,
        colour=colour,
        analysis=analysed,
    )


def _jpeg_draft(image: Image.Image, target: tuple[int, int]) -> None:
    """Have libjpeg decode the JPEG straight to the smallest of its scales that is not
    below `target`. Pillow's draft() offers 1/8, 1/4 and 1/2; libjpeg also decodes at 3/8
    when asked to divide by 3, which is what a 24 MP file needs for a 2048 px preview
    (2250 px across, not 3000): the same decoding work, and a third less to resize after
    it. Set on the decoder as draft() sets it (the tile, the size libjpeg will produce,
    the decoder's scale); tests/gallery/test_imaging.py holds Pillow to it."""
    width, height = image.size
    three_eighths = (-(-width * 3 // 8), -(-height * 3 // 8))  # libjpeg rounds up
    quarter_fits = width // 4 >= target[0] and height // 4 >= target[1]
    if (
        LIBJPEG_TURBO  # IJG's libjpeg 6b would take 1/3 as 1/2, wider than the rows made
        and not quarter_fits
        and three_eighths[0] >= target[0]
        and three_eighths[1] >= target[1]
        and len(image.tile) == 1
        and not image.decoderconfig
    ):
        try:
            tile = image.tile[0]._replace(extents=(0, 0, *three_eighths))
        except (AttributeError, TypeError, ValueError):  # a Pillow that changed its tiles
            pass
        else:
            image.tile = [tile]
            image._size = three_eighths
            image.decoderconfig = (3, 0)  # libjpeg's scale_denom: 1/3 gives its 3/8
            return
    image.draft(image.mode, target)


def _thumbnail(preview: Image.Image) -> Image.Image:
    """The thumbnail, made from the preview as a new image. A box filter by a whole factor
    first, down to within 1.5x of the size, then LANCZOS: as sharp, and a third of the work
    of Pillow's thumbnail() with its gap of 2."""
    scale = min(1.0, THUMBNAIL_EDGE / max(preview.size))
    size = (max(1, round(preview.width * scale)), max(1, round(preview.height * scale)))
    return preview.resize(size, Image.Resampling.LANCZOS, reducing_gap=1.5)


def _resizable(image: Image.Image) -> Image.Image:
    """The image in a mode that resizes well and converts to sRGB faithfully: 16-bit grey
    scaled (not clipped) to 8 bits, transparency laid on white, palettes expanded."""
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        wide = image if image.mode == "I" else image.convert("I")
        top = 65535 if image.mode != "I" or (wide.getextrema()[1] or 0) > 255 else 255
        image = wide.point(lambda value: value * (255 / top)).convert("L")
    if image.mode in ("P", "PA", "LA", "La", "RGBa") or "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode == "RGBA":
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        image = background
    if image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    return image


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """8-bit sRGB from RGB, L or CMYK pixels, honouring an embedded profile."""
    if icc:
        try:
            transform = _srgb_transform(icc, image.mode)
            if transform is not None:
                return ImageCms.applyTransform(image, transform)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: fall back to treating the pixels as sRGB
    return image if image.mode == "RGB" else image.convert("RGB")


# A shoot's photos share a camera's profile or two: a worker builds each transform once.
@lru_cache(maxsize=16)
def _srgb_transform(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    """The transform from `icc` to sRGB for pixels in `mode`; None when the profile's
    colour space is not the pixels' (a grey profile on RGB pixels, say)."""
    source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    if _profile_colour_space(source) != _mode_colour_space(mode):
        return None
    # No one-pixel cache: a transform shared by threads must not write to itself.
    return ImageCms.buildTransform(
        source, SRGB, mode, "RGB", renderingIntent=0, flags=ImageCms.Flags.NOCACHE
    )


def _profile_colour_space(profile) -> str:
    return profile.profile.xcolor_space.strip()


def _mode_colour_space(mode: str) -> str:
    return {"RGB": "RGB", "CMYK": "CMYK", "L": "GRAY"}[mode]


def _exif_facts(exif) -> tuple[datetime | None, str]:
    details = exif.get_ifd(0x8769)  # the Exif sub-IFD, where DateTimeOriginal lives
    if details.get(0x9003):  # DateTimeOriginal, OffsetTimeOriginal, SubSecTimeOriginal
        captured_at = _exif_time(details.get(0x9003), details.get(0x9011), details.get(0x9291))
    else:  # DateTime (last changed), OffsetTime, SubSecTime
        captured_at = _exif_time(exif.get(0x0132), details.get(0x9010), details.get(0x9290))
    make = str(exif.get(0x010F) or "").strip(" \x00")
    model = str(exif.get(0x0110) or "").strip(" \x00")
    camera = model if model.lower().startswith(make.lower()) else f"{make} {model}".strip()
    return captured_at, camera[:100]


def _exif_time(stamp, offset, subsec) -> datetime | None:
    """A camera's clock reading: naive (the camera's local time) unless the camera also
    recorded its offset from UTC; with fractions of a second, so bursts keep their order."""
    if not isinstance(stamp, str):
        return None
    try:
        moment = datetime.strptime(stamp.strip(" \x00")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    digits = str(subsec or "").strip(" \x00")
    if digits.isdigit():
        moment = moment.replace(microsecond=int(digits[:6].ljust(6, "0")))
    text = str(offset or "").strip(" \x00")
    if len(text) == 6 and text[0] in "+-" and text[3] == ":":
        try:
            hours, minutes = int(text[1:3]), int(text[4:6])
        except ValueError:
            return moment
        if hours <= 14 and minutes < 60:
            sign = -1 if text[0] == "-" else 1
            moment = moment.replace(tzinfo=timezone(sign * timedelta(hours=hours, minutes=minutes)))
    return moment


def watermark_text_image(text: str) -> Image.Image:
    """A mark made of words (the studio's name, when it has uploaded no mark of its own):
    white letters edged in dark grey on a transparent ground, legible on any photo. Drawn
    large, then scaled down to the watermark's width like an uploaded mark."""
    text = " ".join(text.split())[:60] or "Proof"
    font = ImageFont.load_default(size=160)
    stroke = 8
    left, top, right, bottom = ImageDraw.Draw(Image.new("L", (1, 1))).textbbox(
        (0, 0), text, font=font, stroke_width=stroke
    )
    mark = Image.new("RGBA", (right - left + 2 * stroke, bottom - top + 2 * stroke), (0, 0, 0, 0))
    ImageDraw.Draw(mark).text(
        (stroke - left, stroke - top),
        text,
        font=font,
        fill=(255, 255, 255, 255),
        stroke_width=stroke,
        stroke_fill=(40, 40, 40, 255),
    )
    return mark


def watermark_paste(image: Image.Image, watermark: Watermark) -> None:
    """Lay the mark over `image`, in place."""
    mark = watermark.image.convert("RGBA")
    width = max(1, round(image.width * watermark.scale))
    height = max(1, round(mark.height * width / mark.width))
    mark = mark.resize((width, height), Image.Resampling.LANCZOS)
    alpha = mark.getchannel("A").point(lambda value: round(value * watermark.opacity))
    mark.putalpha(alpha)
    margin = round(image.width * 0.03)
    x = {
        "center": (image.width - width) // 2,
        "bottom-right": image.width - width - margin,
        "top-right": image.width - width - margin,
    }.get(watermark.position, margin)
    y = {
        "center": (image.height - height) // 2,
        "bottom-right": image.height - height - margin,
        "bottom-left": image.height - height - margin,
    }.get(watermark.position, margin)
    image.paste(mark, (x, y), mark)


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # Nothing but pixels: Pillow would carry a JPEG comment over from `info`, so it is
    # emptied, and no exif=, icc_profile= or comment= is passed.
    image.info = {}
    image.save(out, format="JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True)
    return out.getvalue()


def naive_render(stream) -> tuple[bytes, bytes]:
    """The obvious way, for the benchmark and as a reference for the eye: decode in full,
    turn upright, and resize from full size (LANCZOS) for each output."""
    with Image.open(stream) as image:
        upright = ImageOps.exif_transpose(image).convert("RGB")
    outputs = []
    for edge in (PREVIEW_EDGE, THUMBNAIL_EDGE):
        scale = min(1.0, edge / max(upright.size))
        size = (max(1, round(upright.width * scale)), max(1, round(upright.height * scale)))
        outputs.append(_jpeg(upright.resize(size, Image.Resampling.LANCZOS)))
    return outputs[0], outputs[1]


MEDIUM_EDGE = 800  # a card or a strip tile, sharp on a phone's dense screen


@dataclass(frozen=True)
class WebImage:
    """A public picture (portfolio, a session type's cover) in the sizes pages show."""

    large: bytes  # JPEG, long edge PREVIEW_EDGE at most: heroes, link previews
    medium: bytes  # JPEG, long edge MEDIUM_EDGE at most: cards and tiles
    width: int  # the large one's size
    height: int
    colour: str


def web_render(stream, *, watermark: Watermark | None = None) -> WebImage:
    """The photo pipeline (allowed formats only, upright, sRGB, no metadata) for a picture
    the whole web sees, or PhotoRejected saying why."""
    rendition = photo_render(stream, watermark=watermark)
    with Image.open(io.BytesIO(rendition.preview)) as large:
        large.load()
        size = large.size
        medium = large.copy()
    medium.thumbnail((MEDIUM_EDGE, MEDIUM_EDGE), Image.Resampling.LANCZOS)
    return WebImage(
        large=rendition.preview,
        medium=_jpeg(medium),
        width=size[0],
        height=size[1],
        colour=rendition.colour,
    )
