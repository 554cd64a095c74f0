"""The studio's brand colour made safe to read: pure colour arithmetic (WCAG 2.2 relative
luminance and contrast), no models, so the stylesheet view and the tests share it."""

PAPER = "#faf8f5"  # the site's page colour (static/css/site.css, --sitting-paper)
WHITE = "#ffffff"
TEXT_CONTRAST = 4.5  # WCAG AA for body text
ADMIN_GREY = "#eeeeee"  # darker than the admin's zebra rows and headers (--darkened-bg #f8f8f8)


def _channels(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(red: float, green: float, blue: float) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(max(0, min(255, round(c))) for c in (red, green, blue)))


def luminance(colour: str) -> float:
    """Relative luminance of an sRGB "#rrggbb", 0 (black) to 1 (white)."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in _channels(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two colours, 1 to 21."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def colour_for_text(colour: str, *, background: str = PAPER) -> str:
    """The colour itself when text in it is readable on the background (≥ 4.5:1), else the
    lightest shade of it (mixed with black, hue kept) that is. On the paper colour this also
    keeps white text readable on it, since white is lighter still: one shade serves links,
    headings and buttons alike."""
    colour = colour.lower()
    if contrast_ratio(colour, background) >= TEXT_CONTRAST:
        return colour
    red, green, blue = _channels(colour)
    for step in range(1, 101):
        keep = 1 - step / 100
        shade = _hex(red * keep, green * keep, blue * keep)
        if contrast_ratio(shade, background) >= TEXT_CONTRAST:
            return shade
    return "#000000"


def brand_palette(colour: str) -> dict[str, str]:
    """What the site's stylesheet needs of a brand colour: the colour as chosen (accents:
    rules, borders, the favicon's ground), the shade for text and buttons, and a darker
    shade for a button under the pointer."""
    text = colour_for_text(colour)
    red, green, blue = _channels(text)
    return {
        "brand": colour.lower(),
        "text": text,
        "hover": _hex(red * 0.82, green * 0.82, blue * 0.82),
    }


def admin_palette(colour: str) -> dict[str, str]:
    """The brand colour for the admin, each shade readable where it is used: the header and
    section bars (white text on them, ≥ 4.5:1), links and buttons (readable on white, on the
    pale tint of a selected row and on the admin's greys), a darker shade under the pointer,
    and the tint."""
    red, green, blue = _channels(colour.lower())
    tint = _hex(*(255 - (255 - c) * 0.12 for c in (red, green, blue)))
    # Readable on the tint and on the admin's greys (zebra rows, headers), whichever is darker.
    ground = min(tint, ADMIN_GREY, key=luminance)
    link = colour_for_text(colour, background=ground)
    bar = _hex(*(c * 0.78 for c in _channels(link)))  # under white text, darker still
    return {
        "bar": bar,
        "link": link,
        "hover": _hex(*(c * 0.7 for c in _channels(link))),
        "tint": tint,
        "brand": colour.lower(),
    }
