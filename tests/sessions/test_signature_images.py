"""The drawn signature's parser: what it keeps, what counts as no drawing, what it refuses."""

import base64
import io
import os

import pytest
from PIL import Image, ImageDraw, PngImagePlugin

from sessions.signature_images import drawn_signature_parse


def data_url(image: Image.Image, *, fmt="PNG", kind="png", **save) -> str:
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return f"data:image/{kind};base64," + base64.b64encode(out.getvalue()).decode()


def a_drawing(size=(600, 200)) -> Image.Image:
    """Black strokes on a transparent canvas, as signature_pad exports them."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(60, 150), (200, 40), (320, 160), (540, 60)], fill="black", width=4)
    return image


def test_it_keeps_a_drawing_as_a_clean_greyscale_png_cropped_to_the_strokes():
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "where I was when I signed")

    kept = drawn_signature_parse(data_url(a_drawing(), pnginfo=text))

    with Image.open(io.BytesIO(kept)) as image:
        assert image.format == "PNG"
        assert image.mode == "L"
        assert "Comment" not in image.info
        # The strokes span 60..540 × 40..160 (plus the line's width); the margin is 8 px.
        assert 480 < image.width < 510
        assert 120 < image.height < 150
        darkest, lightest = image.getextrema()
        assert darkest == 0
        assert lightest == 255  # transparent became white
        assert image.getpixel((0, 0)) == 255


@pytest.mark.parametrize(
    "value",
    [
        "",
        data_url(Image.new("RGBA", (600, 200), (0, 0, 0, 0))),
        data_url(Image.new("RGB", (600, 200), "white")),
    ],
    ids=["empty", "transparent", "white"],
)
def test_a_blank_canvas_counts_as_no_drawing(value):
    assert drawn_signature_parse(value) is None


def test_it_refuses_a_jpeg_data_url():
    jpeg = data_url(a_drawing().convert("RGB"), fmt="JPEG", kind="jpeg")

    with pytest.raises(ValueError, match="did not arrive as a PNG picture"):
        drawn_signature_parse(jpeg)


def test_it_refuses_a_jpeg_dressed_as_a_png():
    jpeg = data_url(a_drawing().convert("RGB"), fmt="JPEG", kind="png")

    with pytest.raises(ValueError, match="could not be read"):
        drawn_signature_parse(jpeg)


@pytest.mark.parametrize("tail", ["not base64!", "iVBORw0KGgo=garbage", "é"])
def test_it_refuses_text_that_is_not_base64(tail):
    with pytest.raises(ValueError, match="arrived damaged"):
        drawn_signature_parse("data:image/png;base64," + tail)


def test_it_refuses_huge_dimensions_before_decoding_them():
    huge = data_url(Image.new("L", (4001, 10), 255))

    with pytest.raises(ValueError, match=r"too large \(4001 × 10 pixels\)"):
        drawn_signature_parse(huge)


def test_it_accepts_the_largest_side_allowed():  # a wide desktop canvas at 3× is ~3600
    image = a_drawing((4000, 300))

    assert drawn_signature_parse(data_url(image)) is not None


def test_it_refuses_a_file_over_300_kb():  # decoded; the text is a third longer
    noise = Image.frombytes(
        "RGB", (330, 330), os.urandom(330 * 330 * 3)
    )  # ~327 KB, no compression helps
    value = data_url(noise)

    with pytest.raises(ValueError, match="too large to keep"):
        drawn_signature_parse(value)


@pytest.mark.parametrize(
    "payload",
    [b"hello", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"GIF89a" + b"\x00" * 20],
    ids=["text", "png-signature-then-nothing", "gif"],
)
def test_it_refuses_garbage(payload):
    value = "data:image/png;base64," + base64.b64encode(payload).decode()

    with pytest.raises(ValueError, match="could not be read"):
        drawn_signature_parse(value)


def test_it_refuses_a_png_cut_short():
    out = io.BytesIO()
    a_drawing().save(out, format="PNG")
    cut = out.getvalue()[: len(out.getvalue()) // 2]

    with pytest.raises(ValueError, match="could not be read"):
        drawn_signature_parse("data:image/png;base64," + base64.b64encode(cut).decode())
