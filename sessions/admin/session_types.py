"""Session types in the admin: money typed as money, shown as money to those who may only look;
the documents each asks its clients to sign."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sessions.models import (
    DocumentTemplate,
    SessionType,
    SessionTypeDocument,
)
from studio.forms import SessionTypeAdminForm
from studio.selectors import studio_get
from studio.templatetags.money import money


class SessionTypeDocumentInline(admin.StackedInline):
    """Which contracts and releases a session's clients are asked to sign: required ones
    before the booking is confirmed, offered ones when they like."""

    model = SessionTypeDocument
    extra = 0
    fields = ["template", "required"]
    verbose_name = _("document to sign")
    verbose_name_plural = _("documents to sign")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "template":
            field.label_from_instance = document_template_label
        return field


def document_template_label(template: DocumentTemplate) -> str:
    label = f"{template.get_kind_display()}: {template.name}"
    return label if template.is_active else _("%(label)s, out of use") % {"label": label}


@admin.register(SessionType)
class SessionTypeAdmin(admin.ModelAdmin):
    form = SessionTypeAdminForm
    inlines = [SessionTypeDocumentInline]
    list_display = [
        "name",
        "duration_minutes",
        "price_display",
        "deposit_display",
        "requires_approval",
        "is_active",
        "display_order",
    ]
    list_editable = ["is_active", "display_order"]
    list_filter = ["is_active", "requires_approval", "dated_only", "photographers"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["photographers"]
    fieldsets = [
        (
            None,
            {"fields": ["name", "slug", "description", "cover", "location", "photographers"]},
        ),
        (_("Price"), {"fields": ["currency", "price", "deposit"]}),
        (
            _("Timing"),
            {
                "fields": [
                    "duration_minutes",
                    ("buffer_before_minutes", "buffer_after_minutes"),
                    "slot_step_minutes",
                    ("minimum_notice_hours", "booking_window_days"),
                    "max_per_day",
                    "dated_only",
                ]
            },
        ),
        (_("Proofing"), {"fields": ["included_images", "extra_image_price"]}),
        (_("Booking"), {"fields": ["requires_approval", "is_active", "display_order"]}),
    ]

    def get_changeform_initial_data(self, request) -> dict:
        return {"currency": studio_get().currency, **super().get_changeform_initial_data(request)}

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        # Someone who may only look sees amounts as money, not as stored minor units.
        shown = {
            "price": "price_display",
            "deposit": "deposit_display",
            "extra_image_price": "extra_image_price_display",
        }
        return [
            (title, {**options, "fields": [shown.get(f, f) for f in options["fields"]]})
            for title, options in fieldsets
        ]

    @admin.display(description=_("price"), ordering="price")
    def price_display(self, obj: SessionType) -> str:
        return money(obj.price, obj.currency)

    @admin.display(description=_("deposit"), ordering="deposit")
    def deposit_display(self, obj: SessionType) -> str:
        return money(obj.deposit, obj.currency)

    @admin.display(description=_("price per extra image"))
    def extra_image_price_display(self, obj: SessionType) -> str:
        return money(obj.extra_image_price, obj.currency)
