"""The waitlist in the admin: who waits for which day, and what became of their offers. The
studio may look and remove someone (view and delete); joining is the client's own."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sessions.models import WaitlistEntry
from sessions.waitlist import waitlist_leave

FACTS = ["day", "session_type", "package", "name", "email", "status", "created_at", "offered_at"]


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = [*FACTS, "hold_until"]
    list_filter = ["status", "session_type", "day"]
    list_select_related = ["session_type", "package", "hold"]
    search_fields = ["name", "email"]
    date_hierarchy = "day"
    fields = [*FACTS, "add_ons", "hold", "booking"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False  # people join from the booking pages

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # what happens to an entry is the waitlist's to decide

    @admin.display(description=_("kept until"))
    def hold_until(self, obj: WaitlistEntry):
        if obj.status == WaitlistEntry.Status.OFFERED and obj.hold is not None:
            return obj.hold.hold_expires_at
        return None

    def delete_model(self, request, obj) -> None:
        # A time held for them goes to the next one first, as when they leave.
        waitlist_leave(token=obj.token)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        # Leaving changes the status the list may be filtered by: delete the rows chosen.
        chosen = list(queryset.values_list("pk", "token"))
        for _pk, token in chosen:
            waitlist_leave(token=token)
        super().delete_queryset(
            request, WaitlistEntry.objects.filter(pk__in=[pk for pk, _token in chosen])
        )
