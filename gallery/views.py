"""The client's proofing gallery: opening it (signed link, share link), the grid, the
lightbox's previews, comparing, and what every gallery page shares (`page_viewer`,
`private_response`, the list in use, a photo's tile). Hearts and comments are in
proofing_views, the selection in selection_views, downloads in download_views. Every view
starts from `gallery_viewer_get`, so a gallery is the client's, or staff's, or a 404."""

import secrets
from urllib.parse import urlencode

from django.contrib.messages import get_messages
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from clients.views import CLIENT_SESSION_KEY
from gallery import downloads, people, proofing, selection
from gallery.access import (
    GalleryExpired,
    PinRefused,
    Viewer,
    gallery_get_by_token,
    gallery_grant,
    gallery_viewer_get,
    photo_get_for_viewer,
    share_link_get,
    share_link_grant,
    share_link_let_in,
    share_link_remember,
    share_link_unlock,
)
from gallery.forms import (
    SharePinForm,
)
from gallery.models import Download, Favorite, FavoriteList, Gallery, Photo
from gallery.selectors import GridSet, grid_chunk, grid_hero, grid_sets
from gallery.tiles import PhotoUrls, TileLook, grid_sections, thumbnail_size
from studio.http import client_address
from studio.page_cache import gallery_page_memo, public_page_key
from studio.services import storage_signed_url

CHUNK = 48  # photos per request: more than a large desktop screen shows at once
CHUNK_MAX = 600  # what one request brings at most, however far a jump reaches


def list_session_key(viewer: Viewer) -> str:
    return f"gallery-list-{viewer.gallery.pk}"


def private_response(response: HttpResponse, *, max_age: int = 0) -> HttpResponse:
    """Never in a shared cache, never indexed. Pages are checked again on every visit."""
    if max_age:
        patch_cache_control(response, private=True, max_age=max_age)
    else:
        patch_cache_control(response, private=True, no_cache=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def page_viewer(request, slug: str) -> Viewer:
    """For everything but the page itself: an expired gallery is simply not there."""
    try:
        return gallery_viewer_get(request, slug)
    except GalleryExpired:
        raise Http404 from None


def own_lists(viewer: Viewer, lists: list[FavoriteList]) -> list[FavoriteList]:
    """The lists this person chooses into: a share link's guests theirs, the client theirs."""
    owner = viewer.share_link.pk if viewer.share_link else None
    return [favorite_list for favorite_list in lists if favorite_list.share_link_id == owner]


def current_list(request, viewer: Viewer, lists: list[FavoriteList]) -> FavoriteList | None:
    """The list this browser chooses into, among its own: the one picked here, else the one
    with the person's first name."""
    own = own_lists(viewer, lists)
    chosen = request.session.get(list_session_key(viewer))
    by_id = {favorite_list.pk: favorite_list for favorite_list in own}
    if chosen in by_id:
        return by_id[chosen]
    name = proofing.first_name(viewer.name).lower()
    return next((item for item in own if item.name.lower() == name), None)


def photo_tiles(viewer: Viewer, photos: list[Photo]) -> list[dict]:
    """What every grid of thumbnails needs of each photo: its link and its shape."""
    urls = PhotoUrls(viewer.gallery.slug)
    tiles = []
    for photo in photos:
        width, height = thumbnail_size(photo.width, photo.height)
        tiles.append(
            {
                "photo": photo,
                "thumbnail_url": urls.file(photo.pk, photo.thumbnail.name),
                "width": width,
                "height": height,
            }
        )
    return tiles


@require_safe
def gallery_open(request, token):
    """The link in the "your gallery is ready" email: this browser may now open the gallery,
    at an address without the token (so it never leaks in a Referer or a shared URL)."""
    gallery = gallery_get_by_token(token)
    gallery_grant(request, gallery)
    response = redirect("gallery:gallery-detail", slug=gallery.slug)
    response["Referrer-Policy"] = "no-referrer"
    return private_response(response)


@require_safe
def gallery_detail(request, slug):
    """The client's gallery: its first screenful of proofs (or, without JavaScript, the
    chunk at `?start=`), the rest coming from `gallery_photos` as the client scrolls.
    Kept, for the client and their guests, until what it shows changes (_kept)."""
    try:
        viewer = gallery_viewer_get(request, slug)
    except GalleryExpired as expired:
        return private_response(
            render(
                request, "gallery/gallery_expired.html", {"gallery": expired.gallery}, status=410
            )
        )
    return private_response(_kept(request, viewer, "page", _gallery_page))


def _gallery_page(request, viewer: Viewer, csrf_token: str | None = None) -> HttpResponse:
    gallery, slug = viewer.gallery, viewer.gallery.slug
    start = _number(request.GET.get("start"))
    grid = _grid(request, viewer, start=start, stop=start + CHUNK)
    current = grid["current_list"]
    proofs = _proofs(gallery)
    filtered = grid["favorites_only"] or grid["person"] is not None
    favorite_count = (
        Favorite.objects.filter(
            favorite_list=current, photo__in=Photo.objects.shown_to_client()
        ).count()
        if current
        else 0
    )
    finals = photo_tiles(viewer, downloads.finals(gallery)) if may_download(viewer) else []
    first = grid["first"] if start == 0 and not filtered else None
    hero = grid_hero(proofs, cover_id=gallery.cover_id, first=first)
    context = {
        **grid,
        "finals": finals,
        "download_sizes": Download.Size.choices,
        "photo_count": proofs.count() if filtered else grid["total"],
        "lists": own_lists(viewer, grid["lists"]),
        "list_count": len(grid["lists"]),
        # Once sent, the client's counter is the selection's, whichever list their browser
        # chooses as (a guest's stays their own list's).
        "summary": proofing.selection_summary(
            gallery=gallery,
            count=gallery.selection.photo_count
            if gallery.selection_id and viewer.can_submit
            else favorite_count,
            package=viewer.share_link is None,
        ),
        "closed": viewer.choosing_closed,
        "closed_message": closed_message(viewer),
        "hero": hero and {"pk": hero.pk, "url": PhotoUrls(slug).file(hero.pk, hero.preview)},
    }
    if csrf_token:
        context["csrf_token"] = csrf_token
    return render(request, "gallery/gallery_detail.html", context)


@require_safe
def gallery_photos(request, slug):
    """The next chunk of the grid, for the page's scrolling (`?start=`, and `?upto=` to
    reach a set or photo further on at once), under the page's own filters and rules."""
    viewer = page_viewer(request, slug)
    return private_response(_kept(request, viewer, "chunk", _chunk))


def _chunk(request, viewer: Viewer, csrf_token: str | None = None) -> HttpResponse:
    start = _number(request.GET.get("start"))
    stop = min(max(start + CHUNK, _number(request.GET.get("upto"))), start + CHUNK_MAX)
    context = _grid(request, viewer, start=start, stop=stop)
    return render(request, "gallery/_photo_grid.html", context)


# Where a kept page's CSRF token goes: each browser gets its own put in when it is served.
_KEPT_CSRF = f"kept-csrf-{secrets.token_hex(24)}"


def _kept(request, viewer: Viewer, name: str, make) -> HttpResponse:
    """The page `make(request, viewer)` makes, kept per gallery (its row, its booking's,
    selection's, client's and share link's: read anyway to let the viewer in), per viewer,
    list chosen and address, until a photo, heart, list, comment or person of any gallery
    changes (page_changes). Staff, a visitor with a message waiting, and a chunk reaching
    further than the next (a jump) get theirs made afresh."""
    start = _number(request.GET.get("start"))
    jump = _number(request.GET.get("upto")) > start + CHUNK
    if viewer.is_staff or jump or get_messages(request):
        return make(request, viewer)
    gallery = viewer.gallery
    rows = (gallery, gallery.selection, gallery.booking, gallery.booking.client, viewer.share_link)
    key = (
        *public_page_key(f"gallery-{name}", request.studio),
        repr([_row_state(row) for row in rows]),
        viewer.name,
        viewer.choosing_closed,  # moves on with the clock at the choose-by day
        bool(request.session.get(CLIENT_SESSION_KEY)),  # signed in: "My sessions" says so
        request.session.get(list_session_key(viewer)),
        # The address as the grid reads it, so `?start=07` or a tracker's parameter is the
        # same page, and nobody can fill the store with made-up ones.
        start,
        request.GET.get("show") == "favorites",
        _number(request.GET.get("person")),
        timezone.get_current_timezone_name(),
    )
    page = gallery_page_memo(key, lambda: make(request, viewer, _KEPT_CSRF).content)
    if _KEPT_CSRF.encode() in page:
        page = page.replace(_KEPT_CSRF.encode(), get_token(request).encode())
    return HttpResponse(page)


def _row_state(row) -> list | None:
    return row and [getattr(row, field.attname) for field in row._meta.concrete_fields]


def _number(text: str | None) -> int:
    return int(text) if text and len(text) <= 9 and text.isascii() and text.isdigit() else 0


def _proofs(gallery: Gallery) -> QuerySet[Photo]:
    return gallery.photos.shown_to_client().filter(kind=Photo.Kind.PROOF)


def _grid(request, viewer: Viewer, *, start: int, stop: int) -> dict:
    """The grid's photos from `start` to `stop` as sections of tiles, what the page's and
    the chunk's templates share; a constant number of queries, of those photos only."""
    gallery = viewer.gallery
    lists = list(gallery.favorite_lists.all())
    current = current_list(request, viewer, lists)
    favorites_only = viewer.sees_favorites and request.GET.get("show") == "favorites"
    people_filter = people.people_filter(
        gallery_id=gallery.pk,
        face_features=request.studio.face_features,
        chosen=request.GET.get("person"),
    )
    photos = _proofs(gallery)
    if favorites_only:
        chosen = Favorite.objects.filter(favorite_list=current).values("photo_id")
        photos = photos.filter(pk__in=chosen) if current else photos.none()
    if (person_photos := people_filter.pop("person_photo_ids")) is not None:
        photos = photos.filter(pk__in=person_photos)
    sets = grid_sets(photos)
    chunk = grid_chunk(
        photos,
        sets=sets,
        start=start,
        stop=stop,
        favorite_list=current,
        with_comments=viewer.can_comment,
    )
    look = TileLook(
        urls=PhotoUrls(gallery.slug),
        hearts=viewer.sees_favorites,
        can_favorite=viewer.can_favorite,
        comments=viewer.can_comment,
    )
    total = sum(grid_set.count for grid_set in sets)
    query = {"show": "favorites"} if favorites_only else {}
    if people_filter["person"]:
        query["person"] = people_filter["person"].number
    stop = min(stop, total)
    return {
        "viewer": viewer,
        "gallery": gallery,
        "lists": lists,
        "current_list": current,
        "favorites_only": favorites_only,
        "sets": [_set_link(grid_set, query, start, stop) for grid_set in sets],
        "sections": grid_sections(look, chunk, sets=sets),
        "one_unnamed_set": len(sets) == 1 and not sets[0].name,
        "first": chunk[0] if chunk else None,
        "start": start,
        "total": total,
        "more_query": urlencode({**query, "start": stop}) if stop < total else "",
        **people_filter,
    }


def _set_link(grid_set: GridSet, query: dict, start: int, stop: int) -> dict:
    """A set's jump link: to its heading on this page, else to the chunk it starts."""
    here = grid_set.start < stop and grid_set.start + grid_set.count > start
    href = f"#{grid_set.anchor}"
    if not here:
        href = "?" + urlencode({**query, "start": grid_set.start}) + href
    return {"name": grid_set.name, "anchor": grid_set.anchor, "start": grid_set.start, "href": href}


@require_safe
def photo_file(request, slug, photo_id, kind):
    """A photo's thumbnail or watermarked preview; never its original. A final's preview has
    no watermark (it is the web-size download), so it goes only to those who may download."""
    viewer = page_viewer(request, slug)
    photo = photo_get_for_viewer(viewer, photo_id)
    if photo.kind == Photo.Kind.FINAL and not may_download(viewer):
        raise Http404
    stored = getattr(photo, kind)
    if signed := storage_signed_url(stored.name):
        return private_response(HttpResponseRedirect(signed))
    try:
        response = FileResponse(stored.open("rb"), content_type="image/jpeg")
    except (OSError, ValueError):  # missing from storage
        raise Http404 from None
    return private_response(response, max_age=3600)


def closed_message(viewer: Viewer) -> str:
    """What the page says when the choose-by day is over, to those who choose."""
    if viewer.keeps_favorites and viewer.choosing_closed == "deadline":
        return refusal_message(viewer, "deadline")
    return ""


def refusal_message(viewer: Viewer, reason: str) -> str:
    """Why a heart was not changed, for this person (`reason` from choosing_closed)."""
    if reason == "deadline" and viewer.share_link:
        return _("Choosing closed on %(date)s.") % {
            "date": date_format(viewer.gallery.selection_deadline, "j F")
        }
    if reason == "deadline":
        return selection.deadline_passed_message(viewer.gallery)
    if reason == "sent" and viewer.can_submit:
        return _(
            "Your selection has been sent, so your favorites are locked. If you'd like to "
            "change something, please get in touch with the studio."
        )
    if reason == "sent":
        return _("The selection has gone to the studio, so favorites are closed for now.")
    return _("This gallery isn't open for choosing at the moment.")


@require_safe
def gallery_compare(request, slug):
    """Everyone's favorites side by side: what each person picked, and what they agree on."""
    viewer = page_viewer(request, slug)
    if not viewer.sees_favorites:
        raise Http404  # a view-only guest sees the photos, not the family's choices
    gallery = viewer.gallery
    lists = list(gallery.favorite_lists.all())
    chosen_by: dict[int, set[int]] = {}
    for photo_id, list_id in Favorite.objects.filter(
        favorite_list__gallery=gallery, photo__in=Photo.objects.shown_to_client()
    ).values_list("photo_id", "favorite_list_id"):
        chosen_by.setdefault(photo_id, set()).add(list_id)
    photos = list(gallery.photos.shown_to_client().filter(pk__in=chosen_by))
    rows = [
        {
            **tile,
            "marks": [favorite_list.pk in chosen_by[tile["photo"].pk] for favorite_list in lists],
            "everyone": len(chosen_by[tile["photo"].pk]) == len(lists),
        }
        for tile in photo_tiles(viewer, photos)
    ]
    context = {
        "viewer": viewer,
        "gallery": gallery,
        "lists": lists,
        "agreed": [row for row in rows if row["everyone"]],
        "rows": rows,
    }
    return private_response(render(request, "gallery/gallery_compare.html", context))


@require_http_methods(["GET", "HEAD", "POST"])
def share_open(request, token):
    """A share link: straight into the gallery, or first its PIN. A revoked or past link
    says so kindly (404), the same as one that never existed."""
    link = share_link_get(token)
    if link is None:
        response = render(request, "gallery/share_closed.html", status=404)
        response["Referrer-Policy"] = "no-referrer"
        return private_response(response)
    error = ""
    opened = share_link_let_in(request, link)  # whoever knew the PIN, whatever the guessing
    if opened:
        share_link_grant(request, link)
    elif request.method == "POST":
        form = SharePinForm(request.POST)
        form.is_valid()  # any PIN at all is checked, and counted if wrong
        try:
            pin = form.cleaned_data["pin"]
            share_link_unlock(request, link, pin=pin, address=client_address(request))
            opened = True
        except PinRefused as refused:
            error = refused.message
    if opened:
        response = redirect("gallery:gallery-detail", slug=link.gallery.slug)
        response["Referrer-Policy"] = "no-referrer"
        share_link_remember(response, link)
        return private_response(response)
    # The site's own policy (same-origin) here, not no-referrer: under no-referrer the
    # browser posts the PIN form with "Origin: null", which Django's CSRF check refuses.
    response = render(request, "gallery/share_pin.html", {"link": link, "error": error}, status=200)
    return private_response(response)


def may_download(viewer: Viewer) -> bool:
    return viewer.is_staff or (viewer.can_submit and viewer.gallery.downloads_allowed)
