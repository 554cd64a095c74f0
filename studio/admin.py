from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from studio.forms import StudioAdminForm
from studio.models import Photographer, Studio
from studio.selectors import studio_get
from studio.services import photographer_feed_token_rotate


@admin.register(Studio)
class StudioAdmin(admin.ModelAdmin):
    """One studio: the list page goes straight to its settings."""

    form = StudioAdminForm
    fieldsets = [
        (None, {"fields": ["name", "intro", "logo", "brand_colour"]}),
        (_("Contact"), {"fields": ["contact_email", "phone", "address"]}),
        (_("Time and money"), {"fields": ["time_zone", "currency", "payment_instructions"]}),
        (
            _("Tax and invoices"),
            {
                "fields": [
                    ("tax_name", "tax_rate"),
                    "prices_include_tax",
                    "tax_number",
                    ("invoice_prefix", "credit_note_prefix"),
                ],
                "description": _(
                    "Tax is worked out once on each line sold, and rounded to the nearest "
                    "penny (half a penny up). Prices entered including tax: the client pays "
                    "them as they are, and the tax inside is what is left after taking the "
                    "net, price × 100 ÷ (100 + rate), rounded. Prices entered before tax: the "
                    "tax is price × rate ÷ 100, rounded, and the client pays the price plus it. "
                    "A package or add-on may have a rate of its own."
                ),
            },
        ),
        (
            _("Gift vouchers"),
            {
                "fields": [
                    "gift_voucher_amounts",
                    ("gift_voucher_min", "gift_voucher_max"),
                    "gift_voucher_months",
                ]
            },
        ),
        (
            _("Policies"),
            {
                "fields": [
                    "policies",
                    "cancellation_cutoff_hours",
                    "cancellation_refund_percent",
                    "questionnaire_cutoff_hours",
                    "waitlist_offer_hours",
                ]
            },
        ),
        (
            _("Emails and reminders"),
            {
                "fields": [
                    "reminder_days",
                    "questionnaire_nudge_days",
                    "favorites_nudge_days",
                    ("documents_due_hours", "documents_nudge_days"),
                ],
                "description": _(
                    "Which emails go, and the wording of the main ones, are under "
                    "Studio › Emails to send."
                ),
            },
        ),
        (
            _("Proofing"),
            {
                "fields": [
                    "watermark",
                    ("watermark_position", "watermark_opacity", "watermark_scale"),
                    "share_pin_digits",
                    "face_features",
                ]
            },
        ),
    ]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
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
    readonly_fields = ["calendar_feed"]
    actions = ["calendar_feed_rotate"]

    def get_fields(self, request, obj=None):
        # The address shows every session's client to whoever holds it: for the photographer
        # it belongs to and staff who manage photographers.
        fields = super().get_fields(request, obj)
        own = obj is not None and obj.user_id == request.user.pk
        if own or self.has_change_permission(request, obj):
            return fields
        return [name for name in fields if name != "calendar_feed"]

    @admin.display(description=_("calendar subscription"))
    def calendar_feed(self, obj: Photographer) -> str:
        if not obj.pk:
            return "—"
        url = settings.SITE_URL + reverse("sessions:calendar-feed", args=[obj.calendar_feed_token])
        return format_html(
            '<input type="text" readonly value="{}" size="70" id="feed-{}"> '
            '<button type="button" class="button" data-copy="#feed-{}" data-copied="{}">{}</button>'
            '<p class="help">{}</p>',
            url,
            obj.pk,
            obj.pk,
            gettext("Copied"),
            gettext("Copy"),
            gettext(
                "Add it to Google Calendar (Other calendars, From URL), Apple Calendar (File, "
                "New Calendar Subscription) or Outlook (Add calendar, Subscribe from web). "
                "Anyone with it sees these sessions: keep it private."
            ),
        )

    @admin.action(
        description=_("New calendar subscription address (the old one stops working)"),
        permissions=["change"],
    )
    def calendar_feed_rotate(self, request, queryset):
        for photographer in queryset:
            photographer_feed_token_rotate(photographer_id=photographer.pk)
        self.message_user(
            request,
            gettext("New addresses made. Subscribe again with the new one in your calendar app."),
            messages.SUCCESS,
        )

    class Media:
        js = ["js/admin-copy.js"]
