"""The admin site, with the studio dashboard as its front page."""

from functools import partial
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language

from sessions.models.slot_version import slot_version_get
from studio.page_cache import workspace_page_memo
from studio.selectors import studio_get
from workspace.dashboard import studio_dashboard

# The dashboard shows times to the minute; a change sent without a signal (a queryset's
# update: a claim, a counter) shows within one.
DASHBOARD_MINUTE = 60


# The app list's addresses: the same for every request of a process (keyed by URLconf and
# prefix), while reversing them cost some 50 reverse() calls on every admin page.
_addresses: dict[tuple, str | None] = {}


def _address(site: str, name: str, **kwargs: str) -> str | None:
    key = (settings.ROOT_URLCONF, get_urlconf(), get_script_prefix(), site, name, *kwargs.items())
    if key not in _addresses:
        try:
            _addresses[key] = reverse(name, kwargs=kwargs or None, current_app=site)
        except NoReverseMatch:
            _addresses[key] = None
    return _addresses[key]


class StudioAdminSite(admin.AdminSite):
    def _build_app_dict(self, request, label=None):
        """Django's (5.2), with the app list's addresses reversed once per process: the
        permissions are asked on every request, as there."""
        app_dict = {}
        for model, model_admin in self._registry.items():
            app_label = model._meta.app_label
            if label and app_label != label:
                continue
            has_module_perms = model_admin.has_module_permission(request)
            if not has_module_perms:
                continue
            perms = model_admin.get_model_perms(request)
            if True not in perms.values():
                continue
            entry = _model_entry(self.name, model, perms)
            if app_label in app_dict:
                app_dict[app_label]["models"].append(entry)
            else:
                app_dict[app_label] = {
                    "name": apps.get_app_config(app_label).verbose_name,
                    "app_label": app_label,
                    "app_url": _address(self.name, "admin:app_list", app_label=app_label),
                    "has_module_perms": has_module_perms,
                    "models": [entry],
                }
        return app_dict

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


def _model_entry(site: str, model, perms: dict) -> dict:
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    entry = {
        "model": model,
        "name": capfirst(model._meta.verbose_name_plural),
        "object_name": model._meta.object_name,
        "perms": perms,
        "admin_url": None,
        "add_url": None,
    }
    if perms.get("change") or perms.get("view"):
        entry["view_only"] = not perms.get("change")
        entry["admin_url"] = _address(site, f"{info}_changelist")
    if perms.get("add"):
        entry["add_url"] = _address(site, f"{info}_add")
    return entry


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
