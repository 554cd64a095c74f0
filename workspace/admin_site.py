"""The admin site, with the studio dashboard as its front page."""

from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import admin
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from sessions.models.slot_version import slot_version_get
from studio.page_cache import workspace_page_memo
from studio.selectors import studio_get
from workspace.dashboard import studio_dashboard

# The dashboard shows times to the minute; a change sent without a signal (a queryset's
# update: a claim, a counter) shows within one.
DASHBOARD_MINUTE = 60


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
            # Money only for those who may see payments.
            money = user.has_perm("shoots.view_payment") or user.has_perm("shoots.change_payment")
            context["dashboard_html"] = dashboard_html(
                money=money, can_add_booking=user.has_perm("shoots.add_booking")
            )
        return super().index(request, context)


def dashboard_html(*, money: bool, can_add_booking: bool) -> str:
    """The dashboard's HTML, made once per minute and per change of what it shows: every
    save or delete of what it reads moves the workspace's version on (WorkspaceConfig),
    bulk changes to bookings the slot version, and the minute the rest."""
    studio = studio_get()
    now = timezone.now()
    key = (
        "dashboard",
        slot_version_get(),
        int(now.timestamp()) // DASHBOARD_MINUTE,
        get_language(),
        money,
        can_add_booking,
        studio.time_zone,
        studio.documents_due_hours,
        settings.PAYMENTS_ENABLED,
    )
    return mark_safe(  # noqa: S308 (drawn by our own template, escaped there)
        workspace_page_memo(key, partial(_dashboard_draw, money, can_add_booking, studio.time_zone))
    )


def _dashboard_draw(money: bool, can_add_booking: bool, zone: str) -> str:
    context = {
        "dashboard": studio_dashboard(now=timezone.now(), tz=ZoneInfo(zone)),
        "dashboard_money": money,
        "can_add_booking": can_add_booking,
    }
    return render_to_string("admin/_dashboard.html", context)
