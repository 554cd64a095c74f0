"""What a public page shows when its link is pasted into a chat or a post (OpenGraph and
Twitter cards): a title, a sentence and a photograph, at absolute addresses (SITE_URL).

Only the home page and the booking steps a visitor can reach from it build one; private
pages (galleries, share links, a client's booking, /my/) never do, and keep `noindex`.
"""

from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator

from studio.templatetags.text import markdown
from studio.text import one_line


def public_image_url(name: str) -> str:
    """A lasting absolute address of a public picture stored under branding/ ("" for none):
    its own when storage gives a plain one, else the studio's redirect to a fresh signed one
    (a link preview is fetched, and cached, long after the page was)."""
    if not name:
        return ""
    url = default_storage.url(name)
    if url.startswith("/"):
        return settings.SITE_URL + url
    return settings.SITE_URL + reverse("studio-branding-image", args=[name.rsplit("/", 1)[-1]])


def link_preview(*, request, title: str, description: str = "", image: str = "") -> dict:
    """The page's preview: `description` may be the studio's Markdown; `image` is a stored
    file's name under branding/."""
    text = one_line(strip_tags(markdown(description)))
    return {
        "title": one_line(title),
        "description": Truncator(text).chars(200),
        "url": settings.SITE_URL + request.path,
        "image": public_image_url(image),
    }
