from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    """The top floor: what looks across the whole studio (docs/architecture.md, "Floors")."""

    default = True
    name = "workspace"
    verbose_name = _("Workspace")


class StudioAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the studio's site (its front page is the dashboard)."""

    default = False  # named in INSTALLED_APPS; WorkspaceConfig is this module's default
    default_site = "workspace.admin_site.StudioAdminSite"
