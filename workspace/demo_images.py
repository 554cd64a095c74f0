"""Pictures for the demo studio that read as photographs at a glance: a seamless backdrop or
an evening sky, soft window light or low sun, out-of-focus highlights, and a person's soft
silhouette, with lens fall-off and grain. Drawn small by Pillow and enlarged through a blur,
which is both what makes them soft and what keeps `seed_demo` quick."""

import random

from PIL import Image, ImageChops, ImageDraw, ImageFilter

# (top of the backdrop, bottom, the light's colour, the person's tone)
SCENES = {
    "studio-warm": ((206, 190, 172), (128, 106, 92), (255, 236, 214), (58, 44, 40)),
    "studio-slate": ((120, 134, 146), (44, 52, 62), (232, 238, 246), (30, 30, 34)),
    "golden-hour": ((250, 208, 150), (170, 96, 74), (255, 226, 170), (64, 40, 36)),
    "meadow": ((214, 226, 200), (96, 120, 78), (255, 246, 214), (52, 48, 40)),
    "dusk-sea": ((244, 180, 150), (70, 92, 126), (255, 214, 180), (36, 34, 44)),
    "window": ((236, 230, 222), (150, 140, 132), (255, 252, 244), (70, 58, 54)),
}
SCALE = 6  # drawn at a sixth of the size, then enlarged


def _gradient(size: tuple[int, int], top: tuple, bottom: tuple) -> Image.Image:
    mask = Image.linear_gradient("L").resize(size)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)


def _glow(size: tuple[int, int], centre: tuple[int, int], radius: int) -> Image.Image:
    """A soft round light: white in the middle fading to nothing, as an "L" mask."""
    # radial_gradient is 0 in the middle and 181 at the middle of its sides.
    spot = Image.radial_gradient("L").point(lambda v: int(255 * max(0.0, 1 - v / 181) ** 1.6))
    mask = Image.new("L", size, 0)
    mask.paste(spot.resize((radius * 2, radius * 2)), (centre[0] - radius, centre[1] - radius))
    return mask


def _person(draw: ImageDraw.ImageDraw, x: int, base: int, height: int, rng: random.Random) -> None:
    """Head, neck, shoulders and hair, in white on an "L" mask, from `base` up `height`."""
    head = height * 0.3  # the head's height
    half = head * 0.38  # half its width
    top = base - height
    tilt = rng.uniform(-0.12, 0.12) * head
    draw.ellipse([x - half + tilt, top, x + half + tilt, top + head], fill=255)
    neck = top + head * 0.75
    draw.rectangle([x - half * 0.45, neck, x + half * 0.45, neck + head * 0.45], fill=255)
    shoulders = neck + head * 0.35
    width = half * rng.uniform(2.9, 3.3)
    draw.ellipse([x - width, shoulders, x + width, shoulders + head * 2.4], fill=255)
    draw.polygon(
        [
            (x - width, shoulders + head * 1.2),
            (x + width, shoulders + head * 1.2),
            (x + width * 1.05, base),
            (x - width * 1.05, base),
        ],
        fill=255,
    )
    if rng.random() < 0.6:  # long hair, falling to one shoulder
        side = rng.choice((-1, 1))
        draw.ellipse(
            [x - half * 1.15 + tilt, top - head * 0.05, x + half * 1.15 + tilt, top + head * 0.7],
            fill=255,
        )
        draw.polygon(
            [
                (x + side * half * 0.2 + tilt, top + head * 0.3),
                (x + side * half * 1.2 + tilt, top + head * 0.35),
                (x + side * half * 1.6, shoulders + head * 0.5),
                (x + side * half * 0.6, shoulders + head * 0.6),
            ],
            fill=255,
        )


def portrait_like(width: int, height: int, *, seed: int = 0, scene: str = "") -> Image.Image:
    """An RGB picture of a portrait in soft light; `scene` one of SCENES, else by the seed."""
    rng = random.Random(seed)  # noqa: S311  (pictures, not secrets)
    top, bottom, light, tone = (
        SCENES[scene] if scene in SCENES else rng.choice(list(SCENES.values()))
    )
    small = (max(16, width // SCALE), max(16, height // SCALE))
    image = _gradient(small, top, bottom)
    # The key light: a broad glow from one side.
    side = rng.choice((0.22, 0.78))
    glow = _glow(small, (int(small[0] * side), int(small[1] * 0.3)), int(max(small) * 0.7))
    image = Image.composite(Image.new("RGB", small, light), image, glow.point(lambda v: v * 0.7))
    # Out-of-focus highlights behind the subject.
    bokeh = Image.new("L", small, 0)
    draw = ImageDraw.Draw(bokeh)
    for _ in range(rng.randrange(6, 18)):
        r = rng.randrange(max(2, small[0] // 40), max(3, small[0] // 12))
        cx, cy = rng.randrange(small[0]), rng.randrange(int(small[1] * 0.7))
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=rng.randrange(50, 130))
    bokeh = bokeh.filter(ImageFilter.GaussianBlur(max(1, small[0] // 150)))
    image = Image.composite(Image.new("RGB", small, light), image, bokeh)
    # The person, a little off centre, softly out of the backdrop, with a rim of light.
    figure = Image.new("L", small, 0)
    x = int(small[0] * rng.choice((0.38, 0.5, 0.62)))
    tall = int(small[1] * rng.uniform(0.55, 0.72))
    _person(ImageDraw.Draw(figure), x, small[1], tall, rng)
    rim = figure.filter(ImageFilter.GaussianBlur(max(1, small[0] // 90)))
    image = Image.composite(Image.new("RGB", small, light), image, rim.point(lambda v: v // 3))
    figure = figure.filter(ImageFilter.GaussianBlur(max(1, small[0] // 160)))
    shade = _gradient(small, tuple(min(255, c + 40) for c in tone), tone)
    image = Image.composite(shade, image, figure)
    # Lens fall-off at the corners.
    corners = ImageChops.invert(
        _glow(small, (small[0] // 2, small[1] // 2), int(max(small) * 0.75))
    )
    image = Image.composite(
        Image.new("RGB", small, (16, 12, 10)), image, corners.point(lambda v: v // 3)
    )
    image = image.filter(ImageFilter.GaussianBlur(0.6)).resize((width, height), Image.BICUBIC)
    noise = Image.effect_noise((width // 2, height // 2), 18).resize((width, height))
    return Image.blend(image, Image.merge("RGB", [noise, noise, noise]), 0.06)
