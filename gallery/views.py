"""The client's proofing gallery: opening it (signed link, share link), the grid, the
lightbox's previews, comparing, and what every gallery page shares (`page_viewer`,
`private_response`, the list in use, a photo's tile). Hearts and comments are in
proofing_views, the selection in selection_views, downloads in download_views. Every view
starts from `gallery_viewer_get`, so a gallery is the client's, or staff's, or a 404."""

from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

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
from gallery.imaging import THUMBNAIL_EDGE
from gallery.models import Comment, Download, Favorite, FavoriteList, Photo
from studio.http import client_address
from studio.services import storage_signed_url


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


def _thumbnail_size(photo: Photo) -> tuple[int, int]:
    scale = min(1.0, THUMBNAIL_EDGE / max(photo.width or 1, photo.height or 1))
    return max(1, round((photo.width or 1) * scale)), max(1, round((photo.height or 1) * scale))


def photo_tile(viewer: Viewer, photo: Photo) -> dict:
    """What every grid of thumbnails needs of a photo: its link and its shape."""
    width, height = _thumbnail_size(photo)
    return {
        "photo": photo,
        "thumbnail_url": _file_url(viewer, photo, "thumbnail"),
        "width": width,
        "height": height,
    }


def _file_url(viewer: Viewer, photo: Photo, kind: str) -> str:
    return storage_signed_url(getattr(photo, kind).name) or reverse(
        "gallery:photo-file", args=[viewer.gallery.slug, photo.pk, kind]
    )


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
    try:
        viewer = gallery_viewer_get(request, slug)
    except GalleryExpired as expired:
        return private_response(
            render(
                request, "gallery/gallery_expired.html", {"gallery": expired.gallery}, status=410
            )
        )
    gallery = viewer.gallery
    lists = list(gallery.favorite_lists.all())
    current = current_list(request, viewer, lists)
    photos = list(gallery.photos.shown_to_client().filter(kind=Photo.Kind.PROOF))
    favorite_ids = (
        set(
            Favorite.objects.filter(
                favorite_list=current, photo__in=Photo.objects.shown_to_client()
            ).values_list("photo_id", flat=True)
        )
        if current
        else set()
    )
    comment_counts = (
        dict(
            Comment.objects.filter(photo__gallery=gallery)
            .values("photo_id")
            .annotate(count=Count("pk"))
            .values_list("photo_id", "count")
        )
        if viewer.can_comment  # a view-only guest never sees the client's notes
        else {}
    )
    favorites_only = viewer.sees_favorites and request.GET.get("show") == "favorites"
    people_filter = people.people_filter(
        gallery_id=gallery.pk,
        face_features=request.studio.face_features,
        chosen=request.GET.get("person"),
    )
    with_person = people_filter.pop("person_photo_ids")
    sets: dict[str, list[dict]] = {}
    for photo in photos:
        if favorites_only and photo.pk not in favorite_ids:
            continue
        if with_person is not None and photo.pk not in with_person:
            continue
        sets.setdefault(photo.set_name, []).append(
            {
                **photo_tile(viewer, photo),
                "preview_url": _file_url(viewer, photo, "preview"),
                "is_favorite": photo.pk in favorite_ids,
                "comment_count": comment_counts.get(photo.pk, 0),
            }
        )
    finals = []
    if may_download(viewer):
        finals = [photo_tile(viewer, photo) for photo in downloads.finals(gallery)]
    context = {
        "viewer": viewer,
        "gallery": gallery,
        "finals": finals,
        "download_sizes": Download.Size.choices,
        "sets": [
            {"name": name, "anchor": f"set-{number}", "items": items}
            for number, (name, items) in enumerate(sets.items(), start=1)
        ],
        "photo_count": len(photos),
        "favorites_only": favorites_only,
        "lists": own_lists(viewer, lists),
        "list_count": len(lists),
        "current_list": current,
        "summary": proofing.selection_summary(gallery=gallery, count=len(favorite_ids)),
        "closed": viewer.choosing_closed,
        "closed_message": closed_message(viewer),
        "hero": _hero(viewer, photos),
        **people_filter,
    }
    return private_response(render(request, "gallery/gallery_detail.html", context))


def _hero(viewer: Viewer, photos: list[Photo]) -> dict | None:
    """The photo shown large at the top: the cover the studio chose, else the first."""
    cover = next((photo for photo in photos if photo.pk == viewer.gallery.cover_id), None)
    photo = cover or (photos[0] if photos else None)
    if photo is None:
        return None
    return {"photo": photo, "url": _file_url(viewer, photo, "preview")}


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
            **photo_tile(viewer, photo),
            "marks": [favorite_list.pk in chosen_by[photo.pk] for favorite_list in lists],
            "everyone": len(chosen_by[photo.pk]) == len(lists),
        }
        for photo in photos
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
