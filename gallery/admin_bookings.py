"""A booking's page and list in the admin, with what the gallery adds: the booking's
gallery in its story (and the emails about it), and "Create a gallery" as a button and a
list action. The gallery registers these on the bookings admin (sessions.admin.bookings), which
knows nothing of galleries: sessions sits below gallery."""

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gallery.models import Gallery
from gallery.services import GalleryRefused, gallery_create_for_booking
from sessions.admin.bookings import BookingAdmin as BookingOwnAdmin
from sessions.models import Booking

CREATE_GALLERY = (
    "gallery",
    _("Create a gallery"),
    {Booking.Status.CONFIRMED, Booking.Status.COMPLETED},
    "gallery",
)


def _before_cancelling(actions: list) -> list:
    """The page's buttons with "Create a gallery" in its place, before the cancel buttons."""
    at = next(i for i, (name, *_rest) in enumerate(actions) if name == "cancel")
    return [*actions[:at], CREATE_GALLERY, *actions[at:]]


class BookingAdmin(BookingOwnAdmin):
    actions = [*BookingOwnAdmin.actions, "create_gallery"]
    PAGE_ACTIONS = _before_cancelling(BookingOwnAdmin.PAGE_ACTIONS)

    def has_gallery_permission(self, request) -> bool:
        return request.user.has_perm("gallery.add_gallery")

    def story_more(self, booking: Booking) -> tuple[dict, list[str]]:
        context, email_keys = super().story_more(booking)
        galleries = list(Gallery.objects.filter(booking=booking).select_related("selection"))
        return (
            {**context, "story_galleries": galleries},
            [*email_keys, *(f"gallery:{gallery.pk}:" for gallery in galleries)],
        )

    def story_action_hidden(self, name: str, story: dict) -> bool:
        hidden = super().story_action_hidden(name, story)
        return hidden or (name == "gallery" and bool(story["story_galleries"]))

    def page_action_run(self, request, booking: Booking, doing: str):
        if doing != "gallery":
            return super().page_action_run(request, booking, doing)
        try:
            gallery = gallery_create_for_booking(booking=booking)
        except GalleryRefused as refused:
            self.message_user(request, refused.message, messages.WARNING)
            return redirect("admin:shoots_booking_change", booking.pk)
        return redirect("admin:gallery_gallery_change", gallery.pk)

    @admin.action(
        description=_("Create a gallery for each selected booking"), permissions=["gallery"]
    )
    def create_gallery(self, request, queryset):
        opened, refused = [], []
        for booking in queryset:
            try:
                opened.append(gallery_create_for_booking(booking=booking))
            except GalleryRefused as refusal:
                refused.append(f"{booking.reference}: {refusal.message}")
        for line in refused:
            self.message_user(request, line, messages.WARNING)
        if len(opened) == 1 and not refused:
            return redirect(reverse("admin:gallery_gallery_change", args=[opened[0].pk]))
        if opened:
            self.message_user(
                request,
                ngettext(
                    "%d booking has its gallery.", "%d bookings have their gallery.", len(opened)
                )
                % len(opened),
                messages.SUCCESS,
            )
        return None


admin.site.unregister(Booking)
admin.site.register(Booking, BookingAdmin)
