"""The studio's mark is made once per process for each setting, and a changed setting or
a new mark file is what the next photo gets."""

import io

from django.core.files.base import ContentFile
from PIL import Image

from gallery.photos import studio_watermark


def png(colour) -> ContentFile:
    out = io.BytesIO()
    Image.new("RGBA", (40, 20), colour).save(out, format="PNG")
    return ContentFile(out.getvalue())


def test_the_same_settings_reuse_one_mark(studio):
    assert studio_watermark() is studio_watermark()


def test_a_changed_setting_or_a_new_mark_file_is_what_the_next_photo_gets(studio):
    text_mark = studio_watermark()
    studio.watermark_opacity = 75
    studio.save()
    stronger = studio_watermark()
    assert stronger.opacity == 0.75
    assert stronger.image.size == text_mark.image.size  # still the studio's name
    studio.watermark.save("mark.png", png((255, 0, 0, 255)))
    assert studio_watermark().image.getpixel((0, 0)) == (255, 0, 0, 255)
    studio.watermark.save("mark.png", png((0, 0, 255, 255)))  # stored under a new name
    assert studio_watermark().image.getpixel((0, 0)) == (0, 0, 255, 255)
    studio.name = "Another Studio"
    studio.watermark = ""
    studio.save()
    assert studio_watermark().image.size != text_mark.image.size
