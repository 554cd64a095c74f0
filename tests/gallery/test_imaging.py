"""The pure image code: right way up, right colours, no metadata, every bad file refused."""

import io
import time

import pytest
from PIL import Image, ImageChops, ImageCms, ImageStat

from gallery import imaging
from gallery.imaging import PhotoRejected, Watermark, photo_render
from gallery.sample_images import adobe_rgb_icc, camera_jpeg, camera_like, exif_with, jpeg_bytes

RED, GREEN, BLUE, YELLOW = (220, 30, 30), (30, 200, 40), (30, 40, 220), (230, 220, 30)


def quadrants(width=600, height=400) -> Image.Image:
    """Red top-left, green top-right, blue bottom-left, yellow bottom-right."""
    image = Image.new("RGB", (width, height))
    half_w, half_h = width // 2, height // 2
    for box, colour in (
        ((0, 0, half_w, half_h), RED),
        ((half_w, 0, width, half_h), GREEN),
        ((0, half_h, half_w, height), BLUE),
        ((half_w, half_h, width, height), YELLOW),
    ):
        image.paste(colour, box)
    return image


def corners(jpeg: bytes) -> tuple:
    with Image.open(io.BytesIO(jpeg)) as image:
        w, h = image.size
        inset = 12
        return tuple(
            image.getpixel(point)
            for point in (
                (inset, inset),
                (w - inset, inset),
                (inset, h - inset),
                (w - inset, h - inset),
            )
        )


def close(a, b, tolerance=24) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


# How each EXIF orientation stores an upright picture, and so where its corners land.
STORED = {
    1: lambda im: im,
    2: lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    3: lambda im: im.transpose(Image.Transpose.ROTATE_180),
    4: lambda im: im.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
    5: lambda im: im.transpose(Image.Transpose.TRANSPOSE),
    6: lambda im: im.transpose(Image.Transpose.ROTATE_90),
    7: lambda im: im.transpose(Image.Transpose.TRANSVERSE),
    8: lambda im: im.transpose(Image.Transpose.ROTATE_270),
}


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(orientation):
    upright = quadrants()
    stored = STORED[orientation](upright)
    result = photo_render(io.BytesIO(jpeg_bytes(stored, exif=exif_with(orientation=orientation))))
    assert (result.width, result.height) == (600, 400)
    for found, wanted in zip(corners(result.preview), (RED, GREEN, BLUE, YELLOW), strict=True):
        assert close(found, wanted), (orientation, found, wanted)
    for found, wanted in zip(corners(result.thumbnail), (RED, GREEN, BLUE, YELLOW), strict=True):
        assert close(found, wanted, 30)


@pytest.mark.parametrize("orientation", [0, 9, 300])
def test_an_invalid_orientation_is_taken_as_upright(orientation):
    result = photo_render(
        io.BytesIO(jpeg_bytes(quadrants(), exif=exif_with(orientation=orientation)))
    )
    assert close(corners(result.preview)[0], RED)


def test_an_adobe_rgb_photo_is_converted_to_srgb():
    wanted = (200, 120, 60)  # in sRGB
    srgb = ImageCms.createProfile("sRGB")
    adobe = ImageCms.ImageCmsProfile(io.BytesIO(adobe_rgb_icc()))
    patch = ImageCms.profileToProfile(Image.new("RGB", (300, 200), wanted), srgb, adobe)
    stored = patch.getpixel((0, 0))
    assert not close(stored, wanted, 12)  # the file's numbers differ from what is seen
    result = photo_render(io.BytesIO(jpeg_bytes(patch, icc=adobe_rgb_icc(), quality=98)))
    with Image.open(io.BytesIO(result.preview)) as preview:
        assert close(preview.getpixel((150, 100)), wanted, 6)
        assert "icc_profile" not in preview.info


def test_cmyk_is_converted_without_inverted_colours():
    cmyk = quadrants().convert("CMYK")
    result = photo_render(io.BytesIO(jpeg_bytes(cmyk)))
    for found, wanted in zip(corners(result.preview), (RED, GREEN, BLUE, YELLOW), strict=True):
        assert close(found, wanted, 40), (found, wanted)


def test_16_bit_grey_is_scaled_not_clipped():
    grey = Image.new("I", (300, 200), 0)
    grey.paste(32768, (150, 0, 300, 200))  # half white, in 16 bits
    out = io.BytesIO()
    grey.convert("I;16").save(out, format="PNG")
    result = photo_render(io.BytesIO(out.getvalue()))
    with Image.open(io.BytesIO(result.preview)) as preview:
        left, right = preview.getpixel((50, 100)), preview.getpixel((250, 100))
    assert close(left, (0, 0, 0), 4)
    assert close(right, (128, 128, 128), 6)  # 32768/65535, not clipped to 255


def test_transparency_is_laid_on_white():
    image = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    image.paste((30, 40, 220, 255), (0, 0, 150, 200))
    out = io.BytesIO()
    image.save(out, format="PNG")
    result = photo_render(io.BytesIO(out.getvalue()))
    with Image.open(io.BytesIO(result.preview)) as preview:
        assert close(preview.getpixel((250, 100)), (255, 255, 255), 4)
        assert close(preview.getpixel((50, 100)), BLUE, 12)


def test_derived_files_carry_no_metadata():
    exif = exif_with(gps=True, camera=("FUJIFILM", "X-T5"), taken="2026:06:10 10:04:05")
    original = jpeg_bytes(camera_like(800, 600), exif=exif, comment=b"client: Anna, 07700 900123")
    result = photo_render(io.BytesIO(original))
    assert result.camera == "FUJIFILM X-T5"
    assert result.captured_at.isoformat() == "2026-06-10T10:04:05"
    for derived in (result.preview, result.thumbnail):
        with Image.open(io.BytesIO(derived)) as image:
            assert not image.getexif()
            assert "comment" not in image.info
            assert "icc_profile" not in image.info
            assert "exif" not in image.info
            assert "xmp" not in image.info
        assert b"Exif" not in derived[:2000]
        assert b"07700" not in derived
        assert b"FUJIFILM" not in derived


def test_sizes_preview_and_thumbnail_from_a_large_photo():
    result = photo_render(io.BytesIO(jpeg_bytes(camera_like(4000, 3000))))
    with Image.open(io.BytesIO(result.preview)) as preview:
        assert preview.size == (2048, 1536)
        assert preview.info.get("progressive") or preview.info.get("progression")
    with Image.open(io.BytesIO(result.thumbnail)) as thumbnail:
        assert thumbnail.size == (400, 300)
    assert result.colour.startswith("#")
    assert len(result.colour) == 7


def test_the_pipeline_matches_the_naive_one_to_the_eye():
    original = jpeg_bytes(camera_like(3000, 2000, seed=3))
    ours = photo_render(io.BytesIO(original)).thumbnail
    _preview, naive = imaging.naive_render(io.BytesIO(original))
    with Image.open(io.BytesIO(ours)) as a, Image.open(io.BytesIO(naive)) as b:
        assert a.size == b.size
        mse = sum(v * v for v in ImageStat.Stat(ImageChops.difference(a, b)).rms) / 3
    psnr = 10 * __import__("math").log10(255 * 255 / max(mse, 1e-9))
    assert psnr > 35, psnr


def _psnr(a: Image.Image, b: Image.Image) -> float:
    mse = sum(v * v for v in ImageStat.Stat(ImageChops.difference(a, b)).rms) / 3
    return 10 * __import__("math").log10(255 * 255 / max(mse, 1e-9))


@pytest.mark.parametrize(
    ("size", "progressive", "decoded"),
    [
        ((6000, 4000), False, (2250, 1500)),  # 24 MP: 3/8, not 1/2 (3000 px)
        ((5471, 3647), True, (2052, 1368)),  # 20 MP, odd sides, progressive: rounded up
        ((4000, 6000), False, (1500, 2250)),  # upright
        ((8256, 5504), False, (2064, 1376)),  # 45 MP: 1/4 is big enough
        ((4032, 3024), False, (4032, 3024)),  # 12 MP: 3/8 would be too small, so in full
    ],
)
def test_a_jpeg_is_decoded_at_libjpegs_smallest_scale_that_still_fills_the_preview(
    size, progressive, decoded
):
    """3/8 is libjpeg's, not Pillow's draft()'s; this holds a new Pillow to the way
    imaging._jpeg_draft asks for it: the whole picture decoded at that size, and a preview
    that matches one made from the file decoded in full."""
    picture = camera_like(*size, seed=5)
    data = io.BytesIO()
    picture.save(data, "JPEG", quality=92, progressive=progressive)
    target = (
        imaging.PREVIEW_EDGE * size[0] // max(size),
        imaging.PREVIEW_EDGE * size[1] // max(size),
    )
    with Image.open(data) as image:
        imaging._jpeg_draft(image, target)
        image.load()
        assert image.size == decoded
        small = image.resize(target, Image.Resampling.LANCZOS)
    with Image.open(data) as whole:
        whole.load()
        reference = whole.resize(target, Image.Resampling.LANCZOS)
    assert _psnr(small, reference) > 40
    preview = photo_render(io.BytesIO(data.getvalue())).preview
    with Image.open(io.BytesIO(preview)) as made:
        assert made.size == target
        assert _psnr(made.convert("RGB"), reference) > 35  # after its quality-85 JPEG


def test_a_cameras_jpeg_with_a_preview_inside_is_decoded_small_too(monkeypatch):
    """Cameras add a preview image after the photo (MPF), and Pillow calls such a file MPO:
    it was decoded in full, at 24 MP, for a 2048 px preview."""
    decoded = []
    draft = imaging._jpeg_draft

    def watched(image, target):
        draft(image, target)
        decoded.append((image.format, image.size))

    monkeypatch.setattr(imaging, "_jpeg_draft", watched)
    result = photo_render(io.BytesIO(camera_jpeg(6000, 4000)))
    assert decoded == [("MPO", (2250, 1500))]
    assert (result.width, result.height) == (4000, 6000)  # orientation 6
    with Image.open(io.BytesIO(result.preview)) as preview:
        assert preview.size == (1365, 2048)


def test_an_animated_file_uses_its_first_frame():
    frames = [Image.new("RGB", (200, 100), colour) for colour in (RED, BLUE)]
    out = io.BytesIO()
    frames[0].save(out, format="WEBP", save_all=True, append_images=frames[1:], lossless=True)
    result = photo_render(io.BytesIO(out.getvalue()))
    assert close(corners(result.preview)[0], RED)


def test_a_watermark_is_drawn_on_the_preview_only():
    mark = Image.new("RGBA", (100, 50), (255, 255, 255, 255))
    plain = Image.new("RGB", (1000, 800), (0, 0, 0))
    result = photo_render(
        io.BytesIO(jpeg_bytes(plain)),
        watermark=Watermark(image=mark, position="center", scale=0.3, opacity=0.5),
    )
    with Image.open(io.BytesIO(result.preview)) as preview:
        middle = preview.getpixel((preview.width // 2, preview.height // 2))
        assert 100 < middle[0] < 160  # white at half strength over black
        assert preview.getpixel((10, 10))[0] < 10
    with Image.open(io.BytesIO(result.thumbnail)) as thumbnail:
        assert thumbnail.getpixel((thumbnail.width // 2, thumbnail.height // 2))[0] < 10


def eps() -> bytes:
    return b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n"


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty", b"", "it is not a JPEG, PNG, WebP, TIFF or HEIC photo"),
        ("text", b"my holiday notes\n" * 20, "it is not a JPEG, PNG, WebP, TIFF or HEIC photo"),
        ("eps", eps(), "it is not a JPEG, PNG, WebP, TIFF or HEIC photo"),
        ("svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "it is not a JPEG, PNG"),
        ("gif", None, "it is not a JPEG, PNG, WebP, TIFF or HEIC photo"),
        ("truncated", None, "it could not be read as a photo; it may be damaged or incomplete"),
    ],
)
def test_a_file_that_is_not_a_whole_photo_is_refused_with_a_reason(name, data, reason):
    if name == "gif":
        out = io.BytesIO()
        Image.new("RGB", (20, 20), RED).save(out, format="GIF")
        data = out.getvalue()
    if name == "truncated":
        whole = jpeg_bytes(camera_like(1200, 800))
        data = whole[: len(whole) * 2 // 3]
    with pytest.raises(PhotoRejected) as refused:
        photo_render(io.BytesIO(data))
    assert refused.value.reason.startswith(reason)


def test_a_decompression_bomb_is_refused_fast_before_decoding():
    out = io.BytesIO()
    Image.new("L", (20_000, 20_000)).save(out, format="PNG")  # 400 MP of nothing, 400 KB
    started = time.perf_counter()
    with pytest.raises(PhotoRejected, match="more pixels than any camera makes"):
        photo_render(io.BytesIO(out.getvalue()))
    assert time.perf_counter() - started < 0.5


def test_a_100_megapixel_medium_format_size_is_within_the_limit():
    assert imaging.PIXEL_LIMIT > 11_648 * 8_736  # Fujifilm GFX100's sensor
