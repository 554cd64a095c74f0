from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from studio.models import Photographer, Studio
from studio.selectors import studio_get


@admin.register(Studio)
class StudioAdmin(admin.ModelAdmin):
    """One studio: the list page goes straight to its settings."""

    fieldsets = [
        (None, {"fields": ["name", "intro", "logo"]}),
        (_("Contact"), {"fields": ["contact_email", "phone", "address"]}),
        (_("Time and money"), {"fields": ["time_zone", "currency"]}),
        (
            _("Policies"),
            {
                "fields": [
                    "policies",
                    "cancellation_cutoff_hours",
                    "cancellation_refund_percent",
                    "questionnaire_cutoff_hours",
                ]
            },
        ),
        (
            _("Proofing"),
            {
                "fields": [
                    "watermark",
                    ("watermark_position", "watermark_opacity", "watermark_scale"),
                ]
            },
        ),
    ]

    def changelist_view(self, request, extra_context=None):
        return redirect(reverse("admin:studio_studio_change", args=[studio_get().pk]))

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Photographer)
class PhotographerAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "calendar_colour", "is_active", "display_order"]
    list_editable = ["is_active", "display_order"]
    list_filter = ["is_active"]
    search_fields = ["display_name", "user__username", "user__email"]
    autocomplete_fields = ["user"]
    list_select_related = ["user"]
