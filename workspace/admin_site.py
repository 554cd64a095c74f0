"""The admin site, with the studio dashboard as its front page."""

from zoneinfo import ZoneInfo

from django.contrib import admin
from django.utils import timezone

from studio.selectors import studio_get
from workspace.dashboard import studio_dashboard


class StudioAdminSite(admin.AdminSite):
    def get_app_list(self, request, app_label=None):
        """Django's list, its names made plain text once (lazy ones are translated again at
        every comparison of the sort and every use in a template), and kept for the rest
        of the request: the sidebar (each_context) and the front page both ask for it."""
        lists = request.__dict__.setdefault("_studio_app_lists", {})
        if app_label not in lists:
            apps = self._build_app_dict(request, app_label).values()
            for app in apps:
                app["name"] = str(app["name"])
                for model in app["models"]:
                    model["name"] = str(model["name"])
                app["models"].sort(key=lambda model: model["name"])
            lists[app_label] = sorted(apps, key=lambda app: app["name"].lower())
        return lists[app_label]

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
