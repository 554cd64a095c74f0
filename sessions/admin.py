from django.contrib import admin

from sessions.models import AvailabilityRule, SessionType
from studio.forms import SessionTypeAdminForm
from studio.selectors import studio_get
from studio.templatetags.money import money


@admin.register(SessionType)
class SessionTypeAdmin(admin.ModelAdmin):
    form = SessionTypeAdminForm
    list_display = [
        "name",
        "duration_minutes",
        "price_display",
        "deposit_display",
        "is_active",
        "display_order",
    ]
    list_editable = ["is_active", "display_order"]
    list_filter = ["is_active", "photographers"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["photographers"]

    def get_changeform_initial_data(self, request) -> dict:
        return {"currency": studio_get().currency, **super().get_changeform_initial_data(request)}

    @admin.display(description="price", ordering="price")
    def price_display(self, obj: SessionType) -> str:
        return money(obj.price, obj.currency)

    @admin.display(description="deposit", ordering="deposit")
    def deposit_display(self, obj: SessionType) -> str:
        return money(obj.deposit, obj.currency)


@admin.register(AvailabilityRule)
class AvailabilityRuleAdmin(admin.ModelAdmin):
    list_display = [
        "photographer",
        "weekday",
        "start_time",
        "end_time",
        "valid_from",
        "valid_until",
    ]
    list_filter = ["photographer", "weekday"]
    list_select_related = ["photographer"]
