"""When photographers work: weekly hours, dated hours, time off, and outside calendars read
into busy times."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _

from sessions.admin.time_off_block import TimeBlockMixin
from sessions.admin_forms import StudioSplitMomentField
from sessions.calendar_feeds import calendar_url_problem, external_calendar_sync
from sessions.models import (
    AvailabilityRule,
    DateHours,
    ExternalCalendar,
    TimeOff,
)
from studio.background import task_enqueue_on_commit


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


@admin.register(DateHours)
class DateHoursAdmin(admin.ModelAdmin):
    list_display = [
        "date",
        "start_time",
        "end_time",
        "photographer",
        "session_type",
        "replaces_weekly",
        "label",
    ]
    list_filter = ["photographer", "session_type", "replaces_weekly"]
    list_select_related = ["photographer", "session_type"]
    date_hierarchy = "date"


@admin.register(TimeOff)
class TimeOffAdmin(TimeBlockMixin, admin.ModelAdmin):
    formfield_overrides = {models.DateTimeField: {"form_class": StudioSplitMomentField}}
    list_display = ["starts_at", "ends_at", "who", "reason", "source"]
    list_filter = ["photographer", ("external_calendar", admin.EmptyFieldListFilter)]
    list_select_related = ["photographer", "external_calendar"]
    date_hierarchy = "starts_at"

    @admin.display(description=_("photographer"), ordering="photographer")
    def who(self, obj: TimeOff) -> str:
        return obj.photographer.display_name if obj.photographer else _("The whole studio")

    @admin.display(description=_("made"), ordering="external_calendar")
    def source(self, obj: TimeOff) -> str:
        """Typed in Sitting (the form or the calendar), or read from an outside calendar."""
        if obj.external_calendar_id:
            return _("Read from %(calendar)s") % {"calendar": obj.external_calendar.name}
        return _("In Sitting")

    def _back(self, request, response):
        """Opened from the calendar (?next=, static/js/admin-calendar.js): back to it."""
        back = request.GET.get("next", "")
        safe = url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure())
        staying = {"_continue", "_addanother", "_saveasnew"} & set(request.POST)
        if not (safe and back.startswith("/") and response.status_code == 302):
            return response
        if not staying:
            return redirect(back)
        if "_continue" in request.POST:  # still on its page: the next Save goes back too
            location = response["Location"]
            response["Location"] = (
                f"{location}{'&' if '?' in location else '?'}{urlencode({'next': back})}"
            )
        return response

    def response_change(self, request, obj):
        return self._back(request, super().response_change(request, obj))

    def response_delete(self, request, obj_display, obj_id):
        # The message says what was deleted; from the calendar, it is shown there.
        return self._back(request, super().response_delete(request, obj_display, obj_id))

    def has_change_permission(self, request, obj=None) -> bool:
        # Busy times from an outside calendar are replaced at each reading: change them there.
        if obj is not None and obj.external_calendar_id:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.external_calendar_id:
            return False
        return super().has_delete_permission(request, obj)


class ExternalCalendarForm(forms.ModelForm):
    class Meta:
        model = ExternalCalendar
        fields = ["photographer", "name", "url"]

    def clean_url(self) -> str:
        """An address Sitting could never read is said now, with what was typed kept."""
        url = self.cleaned_data["url"].strip()
        if problem := calendar_url_problem(url):
            raise forms.ValidationError(problem)
        return url


@admin.register(ExternalCalendar)
class ExternalCalendarAdmin(admin.ModelAdmin):
    form = ExternalCalendarForm
    list_display = ["name", "photographer", "synced_at", "busy_count", "problem"]
    list_filter = ["photographer"]
    list_select_related = ["photographer"]
    readonly_fields = ["synced_at", "busy_count", "problem"]
    actions = ["read_now"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        task_enqueue_on_commit("sessions.tasks.external_calendar_sync_task", calendar_id=obj.pk)

    @admin.action(description=_("Read now"), permissions=["change"])
    def read_now(self, request, queryset):
        for external in queryset:
            external = external_calendar_sync(calendar_id=external.pk)
            if external.problem:
                self.message_user(request, f"{external}: {external.problem}", messages.WARNING)
            else:
                self.message_user(
                    request,
                    _("%(calendar)s: %(count)d busy times.")
                    % {"calendar": external, "count": external.busy_count},
                    messages.SUCCESS,
                )
