"""The client's grid of proofs as HTML, made in Python: a tile is one format string, so a
chunk of tiles costs microseconds per photo, not a template include with its own `{% url %}`
and translation each. Addresses come from one reverse() per kind (PhotoUrls)."""

from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from gallery.models import Photo
from gallery.selectors import GridSet
from studio.services import storage_signed_url

# Digits, so it passes the URL patterns' int converters; the last occurrence is the photo's
# place (the slug comes before it, and nothing after it has digits).
_PLACEHOLDER = "2147483647"


def _pattern(name: str, slug: str, *after: str) -> tuple[str, str]:
    head, _, tail = reverse(name, args=[slug, _PLACEHOLDER, *after]).rpartition(_PLACEHOLDER)
    return head, tail


class PhotoUrls:
    """A gallery's per-photo addresses, each reversed once and the photo's id put in place.
    A storage that signs its URLs (S3) still signs every file on its own."""

    def __init__(self, slug: str):
        self._patterns = {
            "thumbnail": _pattern("gallery:photo-file", slug, "thumbnail"),
            "preview": _pattern("gallery:photo-file", slug, "preview"),
            "favorite": _pattern("gallery:favorite-set", slug),
            "comments": _pattern("gallery:photo-comments", slug),
        }

    def file(self, photo: Photo, kind: str) -> str:
        """The thumbnail's or preview's address: signed by the storage, or served by Sitting."""
        return storage_signed_url(getattr(photo, kind).name) or self.of(photo.pk, kind)

    def of(self, photo_id: int, kind: str) -> str:
        head, tail = self._patterns[kind]
        return f"{head}{photo_id}{tail}"


@dataclass(frozen=True)
class TileLook:
    """What every tile of one page shares: who looks, and the words, translated once."""

    urls: PhotoUrls
    hearts: bool  # the heart shows
    can_favorite: bool  # and can be pressed
    comments: bool  # comment counts and the lightbox's comments
    heart_svg: SafeString = field(
        default_factory=lambda: mark_safe(render_to_string("gallery/_heart.svg").strip())  # noqa: S308 (our own template)
    )
    favorite_label: str = field(default_factory=lambda: gettext("Favorite %(name)s"))


def favorite_button(look: TileLook, *, photo_id: int, name: str, is_favorite: bool) -> SafeString:
    """A photo's heart in the grid; htmx posts it and the answer replaces it."""
    if look.can_favorite:
        action = format_html(
            'hx-post="{}" hx-vals=\'{{"on": "{}"}}\' hx-swap="outerHTML" '
            'hx-sync="closest .gallery-page:queue all"',
            look.urls.of(photo_id, "favorite"),
            "0" if is_favorite else "1",
        )
    else:
        action = mark_safe("disabled")
    return format_html(
        '<button type="button" class="fav-button" id="fav-{}" data-photo-id="{}" {} '
        'aria-pressed="{}" aria-label="{}">{}</button>',
        photo_id,
        photo_id,
        action,
        "true" if is_favorite else "false",
        look.favorite_label % {"name": name},
        look.heart_svg,
    )


_COMMENT_ICON = mark_safe(
    '<svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" focusable="false">'
    '<path d="M2 2h12v9H6l-4 3z"/></svg>'
)
_TILE = (
    '<li class="photo-tile{}" id="photo-{}">'
    '<a class="photo-open" href="{}" data-preview="{}" data-name="{}" data-photo-id="{}"{}>'
    '<img src="{}" width="{}" height="{}" alt="{}" loading="lazy" decoding="async" '
    'data-colour="{}"></a>{}{}</li>'
)


def _comment_bits(look: TileLook, photo: Photo) -> tuple[SafeString, SafeString]:
    """The link's data for the lightbox's comments, and the tile's count badge."""
    if not look.comments:
        return mark_safe(""), mark_safe("")
    count = photo.comment_count
    data = format_html(
        ' data-comments="{}" data-comment-count="{}"', look.urls.of(photo.pk, "comments"), count
    )
    if not count:
        return data, mark_safe("")
    badge = format_html(
        '<span class="comment-count badge text-bg-light">{} {}'
        '<span class="visually-hidden"> {}</span></span>',
        _COMMENT_ICON,
        count,
        ngettext("comment", "comments", count),
    )
    return data, badge


def tile_html(look: TileLook, photo: Photo, *, width: int, height: int) -> SafeString:
    """One proof in the grid: its thumbnail opening the viewer, its heart, its comments.
    `photo` carries `is_favorite` and `comment_count` (selectors.grid_chunk)."""
    pk, name, preview = photo.pk, photo.original_name, look.urls.file(photo, "preview")
    data, badge = _comment_bits(look, photo)
    button = (
        favorite_button(look, photo_id=pk, name=name, is_favorite=photo.is_favorite)
        if look.hearts
        else ""
    )
    return format_html(
        _TILE,
        " is-favorite" if photo.is_favorite else "",
        pk,
        preview,
        preview,
        name,
        pk,
        data,
        look.urls.file(photo, "thumbnail"),
        width,
        height,
        name,
        photo.colour,
        button,
        badge,
    )


def grid_sections(
    look: TileLook, photos: list[Photo], *, sets: list[GridSet], size_of
) -> list[dict]:
    """The chunk's photos as sections, one per set they belong to, each with its tiles as
    one piece of HTML. `size_of(photo)` gives a thumbnail's width and height."""
    by_number = {grid_set.number: grid_set for grid_set in sets}
    sections: list[dict] = []
    for photo in photos:
        if not sections or sections[-1]["set"].number != photo.set_number:
            sections.append({"set": by_number[photo.set_number], "tiles": []})
        width, height = size_of(photo)
        sections[-1]["tiles"].append(tile_html(look, photo, width=width, height=height))
    for section in sections:
        section["tiles"] = mark_safe("".join(section["tiles"]))  # noqa: S308 (tiles are escaped)
    return sections
