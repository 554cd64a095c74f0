"""The client's grid of proofs as HTML, made in Python: a tile is one f-string over values
escaped here, so a chunk of tiles costs microseconds per photo, not a template include with
its own `{% url %}` and translation each. Addresses come from one reverse() per kind."""

from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from gallery.imaging import THUMBNAIL_EDGE
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

    def file(self, photo_id: int, stored: str, kind: str = "preview") -> str:
        """A thumbnail's or preview's address (`stored`: its file's name): signed by the
        storage, or served by Sitting."""
        return storage_signed_url(stored) or self.of(photo_id, kind)

    def of(self, photo_id: int, kind: str) -> str:
        head, tail = self._patterns[kind]
        return f"{head}{photo_id}{tail}"


def thumbnail_size(width: int | None, height: int | None) -> tuple[int, int]:
    """A thumbnail's shape from its photo's, so the grid keeps its place while it loads."""
    width, height = width or 1, height or 1
    scale = min(1.0, THUMBNAIL_EDGE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _heart() -> str:
    return render_to_string("gallery/_heart.svg").strip()


@dataclass
class TileLook:
    """What every tile of one page shares: who looks, and the words, translated once."""

    urls: PhotoUrls
    hearts: bool  # the heart shows
    can_favorite: bool  # and can be pressed
    comments: bool  # comment counts and the lightbox's comments
    heart_svg: str = field(default_factory=_heart)
    favorite_label: str = field(default_factory=lambda: gettext("Favorite %(name)s"))
    _comment_words: dict[int, str] = field(default_factory=dict)

    def comment_words(self, count: int) -> str:
        if count not in self._comment_words:
            self._comment_words[count] = escape(ngettext("comment", "comments", count))
        return self._comment_words[count]


def _button(look: TileLook, photo_id: int, name: str, is_favorite: bool) -> str:
    """A photo's heart in the grid (`name` escaped already); htmx posts it and the answer
    replaces it."""
    pressed = "true" if is_favorite else "false"
    if look.can_favorite:
        action = (
            f'hx-post="{look.urls.of(photo_id, "favorite")}" '
            f'hx-vals=\'{{"on": "{0 if is_favorite else 1}"}}\' hx-swap="outerHTML" '
            'hx-sync="closest .gallery-page:queue all"'
        )
    else:
        action = "disabled"
    label = escape(look.favorite_label) % {"name": name}  # the name is escaped already
    return (
        f'<button type="button" class="fav-button" id="fav-{photo_id}" data-photo-id="{photo_id}"'
        f' {action} aria-pressed="{pressed}" aria-label="{label}">{look.heart_svg}</button>'
    )


def favorite_button(look: TileLook, *, photo_id: int, name: str, is_favorite: bool) -> SafeString:
    """A photo's heart, as the grid shows it: for the answer to pressing it."""
    return mark_safe(_button(look, photo_id, escape(name), is_favorite))  # noqa: S308 (escaped)


_COMMENT_ICON = (
    '<svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" focusable="false">'
    '<path d="M2 2h12v9H6l-4 3z"/></svg>'
)


def tile_html(look: TileLook, row) -> str:
    """One proof in the grid: its thumbnail opening the viewer, its heart, its comments.
    `row` is one of selectors.grid_chunk's. Everything from it is escaped here."""
    pk, name = row.pk, escape(row.original_name)
    preview = escape(look.urls.file(pk, row.preview, "preview"))
    thumbnail = escape(look.urls.file(pk, row.thumbnail, "thumbnail"))
    width, height = thumbnail_size(row.width, row.height)
    comments = badge = button = ""
    if look.comments:
        count = row.comment_count
        comments = f' data-comments="{look.urls.of(pk, "comments")}" data-comment-count="{count}"'
        if count:
            badge = (
                f'<span class="comment-count badge text-bg-light">{_COMMENT_ICON} {count}'
                f'<span class="visually-hidden"> {look.comment_words(count)}</span></span>'
            )
    if look.hearts:
        button = _button(look, pk, name, row.is_favorite)
    return (
        f'<li class="photo-tile{" is-favorite" if row.is_favorite else ""}" id="photo-{pk}">'
        f'<a class="photo-open" href="{preview}" data-preview="{preview}" data-name="{name}"'
        f' data-photo-id="{pk}"{comments}><img src="{thumbnail}" width="{width}"'
        f' height="{height}" alt="{name}" loading="lazy" decoding="async"'
        f' data-colour="{escape(row.colour)}"></a>{button}{badge}</li>'
    )


def grid_sections(look: TileLook, rows: list, *, sets: list[GridSet]) -> list[dict]:
    """The chunk's photos as sections, one per set they belong to, each with its tiles as
    one piece of HTML."""
    by_number = {grid_set.number: grid_set for grid_set in sets}
    sections: list[dict] = []
    tiles: list[str] = []
    for row in rows:
        if row.set_number not in by_number:
            continue  # moved to a set made after the sets were read: it shows on reload
        if not sections or sections[-1]["set"].number != row.set_number:
            tiles = []
            sections.append({"set": by_number[row.set_number], "tiles": tiles})
        tiles.append(tile_html(look, row))
    for section in sections:
        section["tiles"] = mark_safe("".join(section["tiles"]))  # noqa: S308 (escaped above)
    return sections
