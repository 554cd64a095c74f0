"""Session types in the admin: their packages and add-ons, with money typed as money and
shown as money to those who may only look; the documents each asks its clients to sign."""

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count, Max, Min, Q
from django.utils.translation import gettext_lazy as _

from sessions.admin.payment_plans import plan_link
from sessions.models import (
    AddOn,
    DocumentTemplate,
    Package,
    SessionType,
    SessionTypeDocument,
)
from studio.forms import SoldItemAdminForm
from studio.money import money_format
from studio.selectors import studio_get
from studio.tax import rate_display
from studio.templatetags.money import money


class SoldItemInline:
    """Packages or add-ons: money in the session type's currency; to someone who may only
    look, amounts as money rather than stored minor units."""

    form = SoldItemAdminForm
    extra = 0
    money_fields: tuple[str, ...] = ()

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self.has_change_permission(request, obj):
            return fields
        shown = {name: f"{name}_display" for name in (*self.money_fields, "tax_rate")}
        return [
            tuple(shown.get(n, n) for n in f) if isinstance(f, tuple) else shown.get(f, f)
            for f in fields
        ]

    def get_readonly_fields(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return super().get_readonly_fields(request, obj)
        shown = [f"{name}_display" for name in (*self.money_fields, "tax_rate")]
        return [*super().get_readonly_fields(request, obj), *shown]

    @admin.display(description=_("price"))
    def price_display(self, item) -> str:
        return money(item.price, item.session_type.currency)

    @admin.display(description=_("tax rate"))
    def tax_rate_display(self, item) -> str:
        return _("the studio's") if item.tax_rate is None else rate_display(item.tax_rate)


class PackageInline(SoldItemInline, admin.StackedInline):
    model = Package
    money_fields = ("price", "deposit", "extra_image_price")
    fields = [
        "name",
        "description",
        ("price", "deposit"),
        ("included_images", "extra_image_price"),
        ("duration_minutes", "tax_rate"),
        "products",
        ("is_active", "display_order"),
        "payment_plan",
    ]
    readonly_fields = ["payment_plan"]
    min_num = 1
    verbose_name_plural = _("packages (what a client can buy; at least one)")
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3})}}

    def get_formset(self, request, obj=None, **kwargs):
        return super().get_formset(request, obj, validate_min=True, **kwargs)

    @admin.display(description=_("payment plan"))
    def payment_plan(self, item: Package) -> str:
        return plan_link(item)

    @admin.display(description=_("deposit"))
    def deposit_display(self, item: Package) -> str:
        return money(item.deposit, item.session_type.currency)

    @admin.display(description=_("price per extra image"))
    def extra_image_price_display(self, item: Package) -> str:
        return money(item.extra_image_price, item.session_type.currency)


class AddOnInline(SoldItemInline, admin.StackedInline):
    # Stacked, not tabular: a tabular inline's inputs have no labels of their own.
    model = AddOn
    money_fields = ("price",)
    fields = [
        ("name", "price"),
        ("description", "tax_rate"),
        ("extra_minutes", "extra_images"),
        ("is_active", "display_order"),
    ]
    verbose_name_plural = _("add-ons (extras a client can choose when booking)")


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
    inlines = [PackageInline, AddOnInline, SessionTypeDocumentInline]
    list_display = [
        "name",
        "duration_minutes",
        "price_display",
        "package_count",
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
        (_("Money"), {"fields": ["currency"]}),
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
        (_("Booking"), {"fields": ["requires_approval", "is_active", "display_order"]}),
    ]

    def get_changeform_initial_data(self, request) -> dict:
        return {"currency": studio_get().currency, **super().get_changeform_initial_data(request)}

    def get_queryset(self, request):
        offered = Q(packages__is_active=True)
        return (
            super()
            .get_queryset(request)
            .annotate(
                lowest_price=Min("packages__price", filter=offered),
                highest_price=Max("packages__price", filter=offered),
                package_total=Count("packages", filter=offered),
            )
        )

    def get_formset_kwargs(self, request, obj, inline, prefix):
        """Packages and add-ons are priced in the currency chosen on the same page."""
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, SoldItemInline):
            currency = request.POST.get("currency") or (obj and obj.currency)
            kwargs["form_kwargs"] = {"currency": currency or studio_get().currency}
        return kwargs

    @admin.display(description=_("price"), ordering="lowest_price")
    def price_display(self, obj: SessionType) -> str:
        if obj.lowest_price is None:
            return "—"
        low = money_format(obj.lowest_price, obj.currency)
        if obj.highest_price == obj.lowest_price:
            return low
        return f"{low} – {money_format(obj.highest_price, obj.currency)}"

    @admin.display(description=_("packages"), ordering="package_total")
    def package_count(self, obj: SessionType) -> int:
        return obj.package_total
