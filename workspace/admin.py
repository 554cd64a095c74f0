"""The admin pages that look across apps: the client's page with their bookings, galleries
and payments, and their data's export and erasure; the email log and email settings
(workspace.admin_emails). The admin's front page is workspace.admin_site."""

from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from clients.admin import ClientAdmin as ClientOwnAdmin
from clients.models import Client
from gallery.models import Gallery
from sessions.documents.releases import client_documents_for_studio
from sessions.models import Booking, Payment
from studio.admin_permissions import admin_view_requires
from workspace import admin_emails  # noqa: F401  (registers the email log and email settings)
from workspace.admin_forms import ErasureConfirmForm
from workspace.privacy import ErasureRefused, client_data_export, client_erase


class ClientAdmin(ClientOwnAdmin):
    class Media:
        css = {"all": ["css/admin-releases.css"]}

    def get_urls(self):
        return [
            path(
                "<int:client_id>/export/",
                self.admin_site.admin_view(self.export_view),
                name="clients_client_export",
            ),
            path(
                "<int:client_id>/erase/",
                self.admin_site.admin_view(self.erase_view),
                name="clients_client_erase",
            ),
            *super().get_urls(),
        ]

    def change_view_more(self, request, client: Client) -> dict:
        return {
            "client_bookings": Booking.objects.filter(client=client)
            .select_related("session_type", "photographer")
            .order_by("-starts_at"),
            "client_galleries": Gallery.objects.filter(booking__client=client),
            # What they signed, for those who may see documents.
            "client_documents": client_documents_for_studio(client_id=client.pk)
            if request.user.has_perm("shoots.view_document")
            else None,
            # Money only for those who may see payments, as on the dashboard.
            "client_payments": Payment.objects.filter(booking__client=client)
            .select_related("booking")
            .order_by("-created_at")
            if request.user.has_perm("shoots.view_payment")
            else None,
        }

    def has_privacy_permission(self, request) -> bool:
        """Exporting or erasing a client's personal data (studio.admin_permissions)."""
        return request.user.has_perm("clients.manage_privacy")

    @admin_view_requires("privacy")
    def export_view(self, request, client_id):
        """Everything Sitting holds about the client, as a JSON file; recorded."""
        client = get_object_or_404(Client, pk=client_id)
        body = client_data_export(client=client, by=request.user)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"client-{client.pk}-data.json"
        )
        patch_cache_control(response, private=True, no_store=True)
        return response

    @admin_view_requires("privacy")
    def erase_view(self, request, client_id):
        """Erase the client's personal data, after a page that says exactly what goes and
        what stays, and a typed confirmation."""
        client = get_object_or_404(Client, pk=client_id)
        error = ""
        if request.method == "POST":
            form = ErasureConfirmForm(request.POST)
            if not form.is_valid():
                error = form.errors["confirm"][0]
            else:
                try:
                    client_erase(client_id=client.pk, by=request.user)
                except ErasureRefused as refused:
                    error = refused.message
                else:
                    self.message_user(
                        request,
                        _("Personal data erased. The bookings and payments are kept, anonymous."),
                        messages.SUCCESS,
                    )
                    return redirect("admin:clients_client_change", client.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Erase %(name)s's personal data") % {"name": client.name},
            "client": client,
            "error": error,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/clients/client/erase.html", context)


admin.site.unregister(Client)
admin.site.register(Client, ClientAdmin)
