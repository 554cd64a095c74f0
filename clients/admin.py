from django.contrib import admin

from clients.forms import ClientAdminForm
from clients.models import Client, PrivacyRecord
from studio.email_log import emails_table


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    form = ClientAdminForm
    list_display = ["name", "email", "phone", "created_at"]
    search_fields = ["name", "email", "phone"]
    date_hierarchy = "created_at"
    change_form_template = "admin/clients/client/change_form.html"

    class Media:
        css = {"all": ["css/admin-emails.css"]}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        client = self.get_object(request, object_id)
        if client is not None:
            extra_context = {
                **(extra_context or {}),
                **self.change_view_more(request, client),
                "client_privacy": PrivacyRecord.objects.filter(client=client).select_related("by"),
                "client_emails": emails_table(client.sent_emails.order_by("-created_at")[:20]),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def change_view_more(self, request, client: Client) -> dict:
        """What floors above add to the client's page (workspace.admin: their bookings,
        galleries and payments)."""
        return {}


@admin.register(PrivacyRecord)
class PrivacyRecordAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "client_number", "by", "summary"]
    list_filter = ["kind"]
    readonly_fields = ["at", "kind", "client", "client_number", "by", "summary"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the record that a request was met
