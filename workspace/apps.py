from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    """The top floor: what looks across the whole studio (docs/architecture.md, "Floors")."""

    default = True
    name = "workspace"
    verbose_name = _("Workspace")

    def ready(self):
        # Imported here, not at the top: they import models, which need the app registry.
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from clients.models import Client
        from gallery.models import (
            Gallery,
            PortfolioPhoto,
            Selection,
            ShareLink,
            SharePinAttempt,
        )
        from sessions.models import (
            AddOn,
            Booking,
            Document,
            DocumentEvent,
            Installment,
            Package,
            Questionnaire,
            QuestionnaireResponse,
            SessionType,
        )
        from sessions.payments.models import Payment, Refund
        from sessions.payments.vouchers import VoucherPayment, VoucherRefund
        from studio.models import Photographer, SentEmail
        from studio.page_cache import public_pages_changed, workspace_changed

        # What the home page shows besides the studio's row (its key): a change to any of
        # these makes it again. Changes by `update()` call public_pages_changed themselves.
        for model in (SessionType, Package, AddOn, Photographer, PortfolioPhoto):
            post_save.connect(public_pages_changed, sender=model, dispatch_uid="public-pages")
            post_delete.connect(public_pages_changed, sender=model, dispatch_uid="public-pages")
        m2m_changed.connect(
            public_pages_changed,
            sender=SessionType.photographers.through,
            dispatch_uid="public-pages",
        )
        m2m_changed.connect(
            workspace_changed,
            sender=Questionnaire.session_types.through,
            dispatch_uid="workspace-pages",
        )
        # What the dashboard reads (workspace.admin_site.dashboard_html).
        for model in (
            Booking,
            Client,
            SessionType,
            Photographer,
            Payment,
            Refund,
            VoucherPayment,
            VoucherRefund,
            Installment,
            Gallery,
            Selection,
            ShareLink,
            SharePinAttempt,
            Document,
            DocumentEvent,
            Questionnaire,
            QuestionnaireResponse,
            SentEmail,
        ):
            post_save.connect(workspace_changed, sender=model, dispatch_uid="workspace-pages")
            post_delete.connect(workspace_changed, sender=model, dispatch_uid="workspace-pages")


class StudioAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the studio's site (its front page is the dashboard)."""

    default = False  # named in INSTALLED_APPS; WorkspaceConfig is this module's default
    default_site = "workspace.admin_site.StudioAdminSite"
