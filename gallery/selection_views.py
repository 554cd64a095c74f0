"""Sending the selection to the studio (paying for extras first when there are any), and
its status while the payment is confirmed."""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from gallery import proofing, selection
from gallery.access import Viewer
from gallery.forms import SelectionForm
from gallery.models import Photo, Selection
from gallery.views import closed_message, current_list, page_viewer, photo_tiles, private_response
from sessions.payments.checkout import payment_checkout_url
from sessions.payments.errors import PaymentRefused
from sessions.payments.views import checkout_redirect, refresh_from_stripe
from studio.http import int_or_none


def photos_digest(photos) -> str:
    """A short fingerprint of the photos a page showed: sending checks the list still holds
    just those (hearts changed in another tab change the count and the total)."""
    ids = ",".join(str(pk) for pk in sorted(photo.pk for photo in photos))
    return hashlib.sha256(ids.encode()).hexdigest()[:16]


def _selection_context(request, viewer: Viewer, *, chosen_id: int | None = None) -> dict:
    """What the selection page shows; `chosen_id` is the favorites list the client picked
    (by default the one shown, else the longest)."""
    gallery = viewer.gallery
    shown = Photo.objects.shown_to_client()
    lists = list(
        gallery.favorite_lists.annotate(
            count=Count("favorites", filter=Q(favorites__photo__in=shown))
        )
    )
    current = current_list(request, viewer, lists)
    chosen_id = chosen_id or int_or_none(request.GET.get("list"))
    chosen = next((item for item in lists if item.pk == chosen_id), None) or current
    if chosen is None and lists:
        chosen = max(lists, key=lambda item: item.count)
    active = gallery.selection
    photos = (
        list(active.photos.shown_to_client())
        if active
        else list(shown.filter(favorites__favorite_list=chosen).order_by(*Photo._meta.ordering))
        if chosen
        else []
    )
    payment = active.payment if active else None
    if payment and request.GET.get("session_id"):  # back from Checkout, or its poll
        payment = refresh_from_stripe(payment)
        active.refresh_from_db()  # the payment may have just submitted it
    summary = proofing.selection_summary(gallery=gallery, count=len(photos))
    # Paid before for extras of a selection the studio reopened: counts towards these.
    paid_before = selection.extras_already_paid(gallery) if not active else 0
    return {
        "viewer": viewer,
        "gallery": gallery,
        "lists": lists,
        "chosen": chosen,
        "selection": active,
        "payment": payment,
        "items": photo_tiles(viewer, photos),
        "photos_seen": photos_digest(photos),
        "summary": summary,
        "paid_before": paid_before,
        "to_pay": max(0, summary.extra_cost - paid_before),
        "paid_over": max(0, paid_before - summary.extra_cost),  # the studio's to settle
        "payments_enabled": settings.PAYMENTS_ENABLED,
        "closed": viewer.choosing_closed,
        "closed_message": closed_message(viewer),
    }


@require_http_methods(["GET", "HEAD", "POST"])
def selection_view(request, slug):
    """Review the selection, then send it: straight to the studio, or through Stripe
    Checkout first when there are extra photos to pay for. Checkout comes back here."""
    viewer = page_viewer(request, slug)
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
            chosen = context["chosen"]
            several = len(context["lists"]) > 1
            if action == "submit" and several and chosen and pressed.get("shown") != chosen.pk:
                # Another list ticked than the one whose photos and total were on the page
                # (or a page too old to say): nothing is sent before the client has seen
                # what they would send.
                messages.info(
                    request,
                    _(
                        "Here are the photos of the list you chose: check them and the total, "
                        "then send."
                    ),
                )
                return redirect(reverse("gallery:selection", args=[slug]) + f"?list={chosen.pk}")
            seen = pressed.get("photos_seen")
            if action == "submit" and seen and chosen and seen != context["photos_seen"]:
                # Hearts changed since the page was opened (another tab, another device):
                # the photos and the total it showed are not what would be sent.
                messages.info(
                    request,
                    _(
                        "Your favorites changed since this page was opened. Here they are now, "
                        "with the total: check them, then send."
                    ),
                )
                return redirect(reverse("gallery:selection", args=[slug]) + f"?list={chosen.pk}")
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
    return private_response(render(request, "gallery/selection_review.html", context))


@require_safe
def selection_status(request, slug):
    """The payment box alone, polled after Checkout until the payment is confirmed."""
    viewer = page_viewer(request, slug)
    if not viewer.can_submit and not viewer.is_staff:
        raise Http404
    if viewer.gallery.selection is None:  # reopened meanwhile: show the page as it is now
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("gallery:selection", args=[slug])
        return private_response(response)
    context = _selection_context(request, viewer)
    return private_response(render(request, "gallery/_selection_status.html", context))
