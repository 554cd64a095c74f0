"""Hearts, comments and the list a person chooses as, on the proofing gallery's photos."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gallery import proofing
from gallery.access import photo_get_for_viewer
from gallery.forms import COMMENT_MAX, CommentForm, FavoriteForm, FavoriteListForm
from gallery.models import Photo
from gallery.tiles import PhotoUrls, TileLook, favorite_button
from gallery.views import (
    current_list,
    list_session_key,
    own_lists,
    page_viewer,
    private_response,
    refusal_message,
)


@require_POST
def favorite_set_view(request, slug, photo_id):
    """Heart or un-heart a photo (htmx); answers the button and, out of band, the counter."""
    viewer = page_viewer(request, slug)
    if not viewer.keeps_favorites:
        raise Http404  # hearts are the client's, and their chosen guests'
    photo = photo_get_for_viewer(viewer, photo_id)
    if photo.kind != Photo.Kind.PROOF:
        raise Http404
    gallery = viewer.gallery
    lists = list(gallery.favorite_lists.all())
    current = current_list(request, viewer, lists)
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
                current = own_lists(viewer, lists)[0]
            request.session[list_session_key(viewer)] = current.pk
        try:
            is_favorite = proofing.favorite_set(favorite_list=current, photo=photo, on=wanted)
        except proofing.SelectionLocked as locked:
            refused = locked.reason
    count = (
        current.favorites.filter(photo__in=Photo.objects.shown_to_client()).count()
        if current
        else 0
    )
    if not request.headers.get("HX-Request"):
        if refused:
            messages.error(request, refusal_message(viewer, refused))
        return redirect(reverse("gallery:gallery-detail", args=[slug]) + f"#photo-{photo.pk}")
    context = {
        "viewer": viewer,
        "gallery": gallery,
        "button": favorite_button(
            TileLook(
                urls=PhotoUrls(slug),
                hearts=True,
                can_favorite=viewer.can_favorite,
                comments=False,
            ),
            photo_id=photo.pk,
            name=photo.original_name,
            is_favorite=is_favorite,
        ),
        "summary": proofing.selection_summary(
            gallery=gallery, count=count, package=viewer.share_link is None
        ),
        "refused": refusal_message(viewer, refused) if refused else "",
        "current_list": current,
    }
    return private_response(render(request, "gallery/_favorite_response.html", context))


@require_http_methods(["GET", "HEAD", "POST"])
def photo_comments(request, slug, photo_id):
    """A photo's comments, and a box to add one (htmx, in the lightbox)."""
    viewer = page_viewer(request, slug)
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
    return private_response(render(request, "gallery/_comments.html", context))


@require_POST
def favorite_list_choose(request, slug):
    """Choose as someone else in the household ("Grandma"), or go back to an existing list."""
    viewer = page_viewer(request, slug)
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
            request.session[list_session_key(viewer)] = favorite_list.pk
    return redirect("gallery:gallery-detail", slug=slug)
