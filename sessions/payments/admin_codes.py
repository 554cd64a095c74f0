"""Discount codes in the admin: made and edited by the studio (a percentage typed as 25 or
12.5, an amount typed as money), each with the uses it has had."""

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from sessions.payments.codes import BASIS_POINTS, CodeRedemption, DiscountCode
from studio.forms import MoneyFieldsMixin
from studio.money import money_format
from studio.selectors import studio_get


class DiscountCodeAdminForm(MoneyFieldsMixin, forms.ModelForm):
    money_fields = ("amount_off",)

    class Meta:
        model = DiscountCode
        fields = [
            "code",
            "percent_off",
            "amount_off",
            "currency",
            "session_types",
            "valid_from",
            "valid_until",
            "usage_limit",
            "once_per_client",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "percent_off" not in self.fields:
            return  # shown read-only
        self.fields["percent_off"] = forms.DecimalField(
            label=_("Percentage off"),
            help_text=_("e.g. 25 for 25% off. Or leave empty and give an amount off."),
            required=False,
            min_value=Decimal("0.01"),
            max_value=Decimal(100),
            decimal_places=2,
            widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        )
        self.fields["amount_off"].help_text = _("e.g. 20.00, in the currency below.")
        stored = self.initial.get("percent_off")
        if isinstance(stored, int):
            self.initial["percent_off"] = Decimal(stored) / 100

    def clean_usage_limit(self):
        limit = self.cleaned_data.get("usage_limit")
        if limit == 0:
            raise forms.ValidationError(
                _(
                    "A code for no uses could never be used: leave it empty for no limit, or "
                    "untick “active” to stop it."
                )
            )
        return limit

    def clean(self):
        cleaned = super().clean()
        percent, amount = cleaned.get("percent_off"), cleaned.get("amount_off")
        if percent is not None:
            cleaned["percent_off"] = int(percent * BASIS_POINTS / 100)
        if (percent is None) == (amount is None) and not self.errors:
            raise forms.ValidationError(
                _("Give either a percentage off or an amount off (one of the two).")
            )
        if amount is not None and not cleaned.get("currency"):
            self.add_error("currency", _("Choose the currency of the amount off."))
        return cleaned


class CodeRedemptionInline(admin.TabularInline):
    model = CodeRedemption
    fields = ["booking", "amount_display", "email", "created_at", "released_at"]
    readonly_fields = fields
    extra = 0
    verbose_name_plural = _("uses")

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # a use is made by booking with the code

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("taken off"))
    def amount_display(self, obj: CodeRedemption) -> str:
        return money_format(obj.amount, obj.currency)


@admin.register(DiscountCode)
class DiscountCodeAdmin(admin.ModelAdmin):
    form = DiscountCodeAdminForm
    list_display = [
        "code",
        "reduction_display",
        "valid_from",
        "valid_until",
        "uses_display",
        "is_active",
    ]
    list_filter = ["is_active"]
    search_fields = ["code"]
    filter_horizontal = ["session_types"]
    fields = DiscountCodeAdminForm.Meta.fields
    inlines = [CodeRedemptionInline]

    def get_queryset(self, request):
        uses = Count("redemptions", filter=Q(redemptions__released_at__isnull=True))
        return super().get_queryset(request).annotate(uses=uses)

    def get_changeform_initial_data(self, request):
        return {"currency": studio_get().currency, **super().get_changeform_initial_data(request)}

    def get_readonly_fields(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return []
        return ["reduction_display"]

    def get_fields(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return self.fields
        # To someone who may only look, what it takes off as “25%” or “£20.00”.
        money = {"percent_off": "reduction_display", "amount_off": None, "currency": None}
        return [money.get(name, name) for name in self.fields if money.get(name, name)]

    @admin.display(description=_("takes off"))
    def reduction_display(self, obj: DiscountCode) -> str:
        return obj.reduction_text

    @admin.display(description=_("used"), ordering="uses")
    def uses_display(self, obj: DiscountCode) -> str:
        if obj.usage_limit is None:
            return str(obj.uses)
        return _("%(uses)s of %(limit)s") % {"uses": obj.uses, "limit": obj.usage_limit}
