"""The client's proofing gallery: the grid, the lightbox's previews, favorites and comments.
Every view starts from `gallery_viewer_get`, so a gallery is the client's, or staff's, or a 404."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from gallery import downloads, proofing, selection
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
    COMMENT_MAX,
    CommentForm,
    FavoriteForm,
    FavoriteListForm,
    SelectionForm,
    SharePinForm,
    ZipRequestForm,
)
from gallery.imaging import THUMBNAIL_EDGE
from gallery.models import Comment, Download, Favorite, FavoriteList, Photo, Selection
from sessions.payments.checkout import payment_checkout_url
from sessions.payments.errors import PaymentRefused
from sessions.payments.views import checkout_redirect, refresh_from_stripe
from studio.http import client_address, int_or_none
from studio.services import storage_signed_url


def _list_session_key(viewer: Viewer) -> str:
    return f"gallery-list-{viewer.gallery.pk}"


def _private(response: HttpResponse, *, max_age: int = 0) -> HttpResponse:
    """Never in a shared cache, never indexed. Pages are checked again on every visit."""
    response["Cache-Control"] = f"private, max-age={max_age}" if max_age else "private, no-cache"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _viewer(request, slug: str) -> Viewer:
    """For everything but the page itself: an expired gallery is simply not there."""
    try:
        return gallery_viewer_get(request, slug)
    except GalleryExpired:
        raise Http404 from None


def _own_lists(viewer: Viewer, lists: list[FavoriteList]) -> list[FavoriteList]:
    """The lists this person chooses into: a share link's guests theirs, the client theirs."""
    owner = viewer.share_link.pk if viewer.share_link else None
    return [favorite_list for favorite_list in lists if favorite_list.share_link_id == owner]


def _current_list(request, viewer: Viewer, lists: list[FavoriteList]) -> FavoriteList | None:
    """The list this browser chooses into, among its own: the one picked here, else the one
    with the person's first name."""
    own = _own_lists(viewer, lists)
    chosen = request.session.get(_list_session_key(viewer))
    by_id = {favorite_list.pk: favorite_list for favorite_list in own}
    if chosen in by_id:
        return by_id[chosen]
    name = proofing.first_name(viewer.name).lower()
    return next((item for item in own if item.name.lower() == name), None)


def _thumbnail_size(photo: Photo) -> tuple[int, int]:
    scale = min(1.0, THUMBNAIL_EDGE / max(photo.width or 1, photo.height or 1))
    return max(1, round((photo.width or 1) * scale)), max(1, round((photo.height or 1) * scale))


def _tile(viewer: Viewer, photo: Photo) -> dict:
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
    return _private(response)


@require_safe
def gallery_detail(request, slug):
    try:
        viewer = gallery_viewer_get(request, slug)
    except GalleryExpired as expired:
        return _private(
            render(
                request, "gallery/gallery_expired.html", {"gallery": expired.gallery}, status=410
            )
        )
    gallery = viewer.gallery
    lists = list(gallery.favorite_lists.all())
    current = _current_list(request, viewer, lists)
    photos = list(gallery.photos.filter(status=Photo.Status.READY, kind=Photo.Kind.PROOF))
    favorite_ids = (
        set(Favorite.objects.filter(favorite_list=current).values_list("photo_id", flat=True))
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
    sets: dict[str, list[dict]] = {}
    for photo in photos:
        if favorites_only and photo.pk not in favorite_ids:
            continue
        sets.setdefault(photo.set_name, []).append(
            {
                **_tile(viewer, photo),
                "preview_url": _file_url(viewer, photo, "preview"),
                "is_favorite": photo.pk in favorite_ids,
                "comment_count": comment_counts.get(photo.pk, 0),
            }
        )
    finals = []
    if _may_download(viewer):
        finals = [_tile(viewer, photo) for photo in downloads.finals(gallery)]
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
        "lists": _own_lists(viewer, lists),
        "list_count": len(lists),
        "current_list": current,
        "summary": proofing.selection_summary(gallery=gallery, count=len(favorite_ids)),
        "closed": viewer.choosing_closed,
        "closed_message": _closed_message(viewer),
    }
    return _private(render(request, "gallery/gallery_detail.html", context))


@require_safe
def photo_file(request, slug, photo_id, kind):
    """A photo's thumbnail or watermarked preview; never its original. A final's preview has
    no watermark (it is the web-size download), so it goes only to those who may download."""
    viewer = _viewer(request, slug)
    photo = photo_get_for_viewer(viewer, photo_id)
    if photo.kind == Photo.Kind.FINAL and not _may_download(viewer):
        raise Http404
    stored = getattr(photo, kind)
    if signed := storage_signed_url(stored.name):
        return _private(HttpResponseRedirect(signed))
    try:
        response = FileResponse(stored.open("rb"), content_type="image/jpeg")
    except (OSError, ValueError):  # missing from storage
        raise Http404 from None
    return _private(response, max_age=3600)


@require_POST
def favorite_set_view(request, slug, photo_id):
    """Heart or un-heart a photo (htmx); answers the button and, out of band, the counter."""
    viewer = _viewer(request, slug)
    if not viewer.keeps_favorites:
        raise Http404  # hearts are the client's, and their chosen guests'
    photo = photo_get_for_viewer(viewer, photo_id)
    if photo.kind != Photo.Kind.PROOF:
        raise Http404
    gallery = viewer.gallery
    lists = list(gallery.favorite_lists.all())
    current = _current_list(request, viewer, lists)
    form = FavoriteForm(request.POST)
    wanted = form.is_valid() and form.cleaned_data["on"]
    refused = viewer.choosing_closed  # htmx swaps only 2xx answers: a refusal is said in it
    is_favorite = bool(current and current.favorites.filter(photo=photo).exists())
    if not refused:
        if current is None:
            try:
                current = proofing.favorite_list_get_or_create(
                    gallery=gallery,
                    name=proofing.first_name(viewer.name),
                    share_link=viewer.share_link,
                )
            except proofing.ListLimitReached:  # a guest with all their lists named otherwise
                current = _own_lists(viewer, lists)[0]
            request.session[_list_session_key(viewer)] = current.pk
        try:
            is_favorite = proofing.favorite_set(favorite_list=current, photo=photo, on=wanted)
        except proofing.SelectionLocked as locked:
            refused = locked.reason
    count = current.favorites.count() if current else 0
    if not request.headers.get("HX-Request"):
        if refused:
            messages.error(request, _refusal(viewer, refused))
        return redirect(reverse("gallery:gallery-detail", args=[slug]) + f"#photo-{photo.pk}")
    context = {
        "viewer": viewer,
        "gallery": gallery,
        "item": {"photo": photo, "is_favorite": is_favorite},
        "summary": proofing.selection_summary(gallery=gallery, count=count),
        "refused": _refusal(viewer, refused) if refused else "",
        "current_list": current,
    }
    return _private(render(request, "gallery/_favorite_response.html", context))


def _closed_message(viewer: Viewer) -> str:
    """What the page says when the choose-by day is over, to those who choose."""
    if viewer.keeps_favorites and viewer.choosing_closed == "deadline":
        return _refusal(viewer, "deadline")
    return ""


def _refusal(viewer: Viewer, reason: str) -> str:
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


@require_http_methods(["GET", "HEAD", "POST"])
def photo_comments(request, slug, photo_id):
    """A photo's comments, and a box to add one (htmx, in the lightbox)."""
    viewer = _viewer(request, slug)
    if not viewer.can_comment:
        raise Http404  # a view-only share link: the client's notes to the studio are theirs
    photo = photo_get_for_viewer(viewer, photo_id)
    if photo.kind != Photo.Kind.PROOF:
        raise Http404
    body, error = "", ""
    if request.method == "POST" and not viewer.can_write_comment:
        raise PermissionDenied
    if request.method == "POST":
        form = CommentForm(request.POST)
        if form.is_valid():
            proofing.comment_add(
                photo=photo,
                author_name=viewer.name,
                body=form.cleaned_data["body"],
                from_studio=viewer.is_staff,
            )
        else:  # what was typed stays in the box, all of it
            body, error = form["body"].value() or "", form.errors["body"][0]
    context = {
        "viewer": viewer,
        "photo": photo,
        "comments": list(photo.comments.all()),
        "body": body,
        "error": error,
        "comment_max": COMMENT_MAX,
    }
    return _private(render(request, "gallery/_comments.html", context))


@require_POST
def favorite_list_choose(request, slug):
    """Choose as someone else in the household ("Grandma"), or go back to an existing list."""
    viewer = _viewer(request, slug)
    if not viewer.can_favorite:
        raise Http404
    form = FavoriteListForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["name"][0])
    elif form.cleaned_data["name"]:
        try:
            favorite_list = proofing.favorite_list_get_or_create(
                gallery=viewer.gallery,
                name=form.cleaned_data["name"],
                share_link=viewer.share_link,
            )
        except proofing.ListLimitReached:
            messages.error(
                request,
                _(
                    "You can keep up to %(count)s favorites lists. Pick one of yours to go on "
                    "choosing."
                )
                % {"count": proofing.GUEST_LISTS_MAX},
            )
        else:
            request.session[_list_session_key(viewer)] = favorite_list.pk
    return redirect("gallery:gallery-detail", slug=slug)


def _selection_context(request, viewer: Viewer, *, chosen_id: int | None = None) -> dict:
    """What the selection page shows; `chosen_id` is the favorites list the client picked
    (by default the one shown, else the longest)."""
    gallery = viewer.gallery
    lists = list(gallery.favorite_lists.annotate(count=Count("favorites")))
    current = _current_list(request, viewer, lists)
    chosen_id = chosen_id or int_or_none(request.GET.get("list"))
    chosen = next((item for item in lists if item.pk == chosen_id), None) or current
    if chosen is None and lists:
        chosen = max(lists, key=lambda item: item.count)
    active = gallery.selection
    photos = (
        list(active.photos.all())
        if active
        else list(
            Photo.objects.filter(
                favorites__favorite_list=chosen, status=Photo.Status.READY
            ).order_by(*Photo._meta.ordering)
        )
        if chosen
        else []
    )
    payment = active.payment if active else None
    if payment and request.GET.get("session_id"):  # back from Checkout, or its poll
        payment = refresh_from_stripe(payment)
        active.refresh_from_db()  # the payment may have just submitted it
    return {
        "viewer": viewer,
        "gallery": gallery,
        "lists": lists,
        "chosen": chosen,
        "selection": active,
        "payment": payment,
        "items": [_tile(viewer, photo) for photo in photos],
        "summary": proofing.selection_summary(gallery=gallery, count=len(photos)),
        "payments_enabled": settings.PAYMENTS_ENABLED,
        "closed": viewer.choosing_closed,
        "closed_message": _closed_message(viewer),
    }


@require_http_methods(["GET", "HEAD", "POST"])
def selection_view(request, slug):
    """Review the selection, then send it: straight to the studio, or through Stripe
    Checkout first when there are extra photos to pay for. Checkout comes back here."""
    viewer = _viewer(request, slug)
    if not viewer.can_submit and (request.method == "POST" or viewer.share_link):
        raise Http404  # only the client sends their selection
    form = SelectionForm(request.POST) if request.method == "POST" else None
    pressed = form.cleaned_data if form is not None and form.is_valid() else {}
    context = _selection_context(request, viewer, chosen_id=pressed.get("list"))
    if form is not None:
        action = pressed.get("action")
        try:
            if action == "change":
                selection.selection_withdraw(gallery_id=viewer.gallery.pk, by_client=True)
                messages.info(request, _("Your favorites are open again: change what you like."))
                return redirect("gallery:gallery-detail", slug=slug)
            if action == "pay" and context["payment"]:
                return checkout_redirect(payment_checkout_url(payment_id=context["payment"].pk))
            if context["chosen"] is None:
                raise selection.SelectionRefused(
                    _("There are no favorites to send yet: tap the heart on the photos you love.")
                )
            sent = selection.selection_submit(
                gallery_id=viewer.gallery.pk, favorite_list_id=context["chosen"].pk
            )
            if sent.payment_id and sent.status == Selection.Status.AWAITING_PAYMENT:
                return checkout_redirect(payment_checkout_url(payment_id=sent.payment_id))
            messages.success(request, _("Thank you! Your selection is on its way to the studio."))
            return redirect("gallery:selection", slug=slug)
        except (selection.SelectionRefused, PaymentRefused) as refused:
            messages.error(request, refused.message)
            return redirect("gallery:selection", slug=slug)
    if request.GET.get("payment") == "cancelled":
        messages.info(
            request,
            _("Nothing was charged. Your selection is kept here until you pay or change it."),
        )
    return _private(render(request, "gallery/selection_review.html", context))


@require_safe
def selection_status(request, slug):
    """The payment box alone, polled after Checkout until the payment is confirmed."""
    viewer = _viewer(request, slug)
    if not viewer.can_submit and not viewer.is_staff:
        raise Http404
    if viewer.gallery.selection is None:  # reopened meanwhile: show the page as it is now
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("gallery:selection", args=[slug])
        return _private(response)
    context = _selection_context(request, viewer)
    return _private(render(request, "gallery/_selection_status.html", context))


@require_safe
def gallery_compare(request, slug):
    """Everyone's favorites side by side: what each person picked, and what they agree on."""
    viewer = _viewer(request, slug)
    if not viewer.sees_favorites:
        raise Http404  # a view-only guest sees the photos, not the family's choices
    gallery = viewer.gallery
    lists = list(gallery.favorite_lists.all())
    chosen_by: dict[int, set[int]] = {}
    for photo_id, list_id in Favorite.objects.filter(favorite_list__gallery=gallery).values_list(
        "photo_id", "favorite_list_id"
    ):
        chosen_by.setdefault(photo_id, set()).add(list_id)
    photos = list(gallery.photos.filter(pk__in=chosen_by, status=Photo.Status.READY))
    rows = [
        {
            **_tile(viewer, photo),
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
    return _private(render(request, "gallery/gallery_compare.html", context))


@require_http_methods(["GET", "HEAD", "POST"])
def share_open(request, token):
    """A share link: straight into the gallery, or first its PIN. A revoked or past link
    says so kindly (404), the same as one that never existed."""
    link = share_link_get(token)
    if link is None:
        response = render(request, "gallery/share_closed.html", status=404)
        response["Referrer-Policy"] = "no-referrer"
        return _private(response)
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
        return _private(response)
    # The site's own policy (same-origin) here, not no-referrer: under no-referrer the
    # browser posts the PIN form with "Origin: null", which Django's CSRF check refuses.
    response = render(request, "gallery/share_pin.html", {"link": link, "error": error}, status=200)
    return _private(response)


def _may_download(viewer: Viewer) -> bool:
    return viewer.is_staff or (viewer.can_submit and viewer.gallery.downloads_allowed)


def _downloader(request, slug: str) -> Viewer:
    """The client (or staff) of a gallery whose downloads are open; anyone else, 404."""
    viewer = _viewer(request, slug)
    if not _may_download(viewer):
        raise Http404
    return viewer


def _attachment(stored, filename: str) -> HttpResponse:
    """A stored file as a download under `filename` (RFC 6266, so any name survives)."""
    if signed := storage_signed_url(stored.name, download_name=filename):
        return _private(HttpResponseRedirect(signed))
    try:
        response = FileResponse(stored.open("rb"), as_attachment=True, filename=filename)
    except (OSError, ValueError):
        raise Http404 from None
    return _private(response)


@require_safe
def final_download(request, slug, photo_id, size):
    viewer = _downloader(request, slug)
    photo = photo_get_for_viewer(viewer, photo_id)
    if photo.kind != Photo.Kind.FINAL:
        raise Http404
    stored = downloads.download_file(photo, size)
    if not stored:
        raise Http404
    return _attachment(stored, downloads.download_name(photo, size))


def _zip_context(viewer: Viewer, download: Download | None) -> dict:
    return {
        "viewer": viewer,
        "gallery": viewer.gallery,
        "download": download,
        "percent": round(100 * download.done / download.total)
        if download and download.total
        else 0,
    }


@require_POST
def zip_request(request, slug):
    """Start (or find) the zip of every final at one size; answers its progress box."""
    viewer = _downloader(request, slug)
    form = ZipRequestForm(request.POST)
    if not form.is_valid():
        raise Http404
    download = downloads.download_request(gallery=viewer.gallery, size=form.cleaned_data["size"])
    return _private(render(request, "gallery/_zip_status.html", _zip_context(viewer, download)))


@require_safe
def zip_status(request, slug, download_id):
    viewer = _downloader(request, slug)
    download = Download.objects.filter(pk=download_id, gallery=viewer.gallery).first()
    if download is None:
        raise Http404
    return _private(render(request, "gallery/_zip_status.html", _zip_context(viewer, download)))


@require_safe
def zip_file(request, slug, download_id):
    viewer = _downloader(request, slug)
    download = Download.objects.filter(
        pk=download_id, gallery=viewer.gallery, status=Download.Status.READY
    ).first()
    if download is None or download.expires_at <= timezone.now():
        return _private(
            render(request, "gallery/zip_expired.html", {"gallery": viewer.gallery}, status=410)
        )
    return _attachment(download.file, f"{viewer.gallery.title}.zip")
