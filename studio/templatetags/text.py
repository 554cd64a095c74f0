from functools import lru_cache

import markdown as markdown_lib
import nh3
from django import template
from django.utils.safestring import mark_safe

register = template.Library()

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h3", "h4", "blockquote"}


@register.filter
def hanging(text: str | None, indent: int) -> str:
    """Lines after the first indented, so a multi-line value lines up under its label in a
    plain-text email ("Where:  12 Mill Lane" / "        London N1 2AS")."""
    lines = [line.strip() for line in str(text or "").strip().splitlines()]
    return ("\n" + " " * int(indent)).join(line for line in lines if line)


@register.filter
def markdown(text: str | None) -> str:
    """Markdown written by the studio, as HTML with anything unsafe removed."""
    return _markdown_html(text or "")


# A pure function of the text, and the same few descriptions are shown on every request.
@lru_cache(maxsize=512)
def _markdown_html(text: str) -> str:
    html = markdown_lib.markdown(text, extensions=["sane_lists"])
    return mark_safe(  # noqa: S308 (nh3 has removed everything but the tags above)
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes={"a": {"href", "title"}},
            url_schemes={"http", "https", "mailto", "tel"},
            link_rel="noopener noreferrer nofollow",
        )
    )
