"""The model-release badge in the gallery admin: what the studio may use a gallery's photos
for, as a column of the list and on the gallery's page, so nobody posts a photo the client
didn't allow."""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from sessions.documents.releases import (
    ReleaseUsage,
    release_usage_for_booking,
    release_usage_for_bookings,
)

BADGE_TEMPLATE = "admin/shoots/_release_badge.html"


class ReleaseChangeList(ChangeList):
    """The gallery list, each row's release summed up in one query for the whole page."""

    def get_results(self, request):
        super().get_results(request)
        galleries = list(self.result_list)  # evaluates (and caches) the page's rows
        usage = release_usage_for_bookings(
            booking_ids=[gallery.booking_id for gallery in galleries]
        )
        for gallery in galleries:
            gallery.release_usage = usage[gallery.booking_id]


def gallery_release_usage(gallery) -> ReleaseUsage:
    """The list's figure when there is one; else one query."""
    found = getattr(gallery, "release_usage", None)
    return found or release_usage_for_booking(booking_id=gallery.booking_id)


def release_badge(usage: ReleaseUsage) -> str:
    return render_to_string(BADGE_TEMPLATE, {"release": usage})


class ReleaseBadgeMixin:
    """For `galleries.GalleryAdmin`: the `release` column and the page's `release` badge."""

    def get_changelist(self, request, **kwargs):
        return ReleaseChangeList

    @admin.display(description=_("model release"))
    def release(self, obj) -> str:
        return release_badge(gallery_release_usage(obj))

    def _release_context(self, gallery) -> dict:
        return {"release": gallery_release_usage(gallery)}
