"""The admin site, with the studio dashboard as its front page."""

from zoneinfo import ZoneInfo

from django.contrib import admin
from django.utils import timezone

from studio.selectors import studio_get
from workspace.dashboard import studio_dashboard


class StudioAdminSite(admin.AdminSite):
    def index(self, request, extra_context=None):
        context = dict(extra_context or {})
        user = request.user
        if user.has_perm("shoots.view_booking") or user.has_perm("shoots.change_booking"):
            context["dashboard"] = studio_dashboard(
                now=timezone.now(), tz=ZoneInfo(studio_get().time_zone)
            )
            # Money only for those who may see payments.
            context["dashboard_money"] = user.has_perm("shoots.view_payment") or user.has_perm(
                "shoots.change_payment"
            )
        return super().index(request, context)
