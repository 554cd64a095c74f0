"""Moving a booking from the calendar (issue 23): to another time, photographer or length,
as a drag on the calendar proposes (static/js/admin-calendar.js) or as anyone can ask for
it by the address. A page says what would change and asks whether to email the client;
the move goes through booking_reschedule, the service "Move" and the client's own move use,
so every rule holds (free times, buffers, daily limits, the overlap constraint). A time
outside the studio's own rules can be chosen on purpose, as in "Book for a client"; an
overlap never. Two staff moving one booking at once: the second is told, not obeyed."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format, time_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from sessions.admin_forms import LocalMomentField, booking_clash_message
from sessions.booking_changes import (
    CHANGED_SINCE,
    BookingChangeRefused,
    booking_move_offered,
    booking_reschedule,
)
from sessions.models import Booking
from sessions.services import (
    SlotUnavailable,
    booking_clash_find,
    booking_rule_warnings,
    booking_times,
)
from studio.admin_permissions import admin_view_requires
from studio.models import Photographer
from studio.selectors import studio_get

LONGEST = 12 * 60  # minutes a session can be made to last by dragging its end


class CalendarMoveForm(forms.Form):
    """Where to: `start` a wall-clock time in the studio's zone ("2026-12-10T14:00"), the
    photographer, the length in minutes, and the version of the booking the calendar
    showed (`sequence`)."""

    start = LocalMomentField()
    photographer = forms.ModelChoiceField(queryset=Photographer.objects.filter(is_active=True))
    minutes = forms.IntegerField(min_value=5, max_value=LONGEST)
    sequence = forms.IntegerField(min_value=0)
    notify = forms.BooleanField(required=False, label=_("Email the client the new time"))
    outside_rules = forms.BooleanField(
        required=False, label=_("Set aside the studio's hours, notice and limits for this move")
    )

    def __init__(self, *args, tz: ZoneInfo, booking: Booking, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start"].tz = tz
        # Its own photographer even if no longer active: moving it in time still works.
        self.fields["photographer"].queryset = Photographer.objects.filter(
            Q(is_active=True) | Q(pk=booking.photographer_id)
        )


class CalendarMovesMixin:
    """For `bookings.BookingAdmin`: the move-to page."""

    def move_urls(self) -> list:
        return [
            path(
                "<int:booking_id>/move-to/",
                self.admin_site.admin_view(self.move_to_view),
                name="shoots_booking_move_to",
            )
        ]

    @admin_view_requires("change")
    def move_to_view(self, request, booking_id):
        """GET: what the move would change, and the choices; POST: move it."""
        booking = get_object_or_404(
            Booking.objects.select_related("client", "session_type", "photographer"),
            pk=booking_id,
        )
        tz = ZoneInfo(studio_get().time_zone)
        data = request.POST if request.method == "POST" else request.GET
        form = CalendarMoveForm(data, tz=tz, booking=booking)
        back = data.get("next", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = reverse("admin:shoots_booking_calendar")
        problems, clash, offered, wanted, warnings = [], None, False, None, []
        if not form.is_valid():
            problems = [error for errors in form.errors.values() for error in errors]
        elif booking.status not in Booking.ACTIVE_STATUSES:
            problems.append(
                _("This booking is %(status)s, so it can't be moved.")
                % {"status": booking.get_status_display().lower()}
            )
        elif form.cleaned_data["sequence"] != booking.calendar_sequence:
            problems.append(str(CHANGED_SINCE))
        elif refusal := _refusal(booking, form.cleaned_data):
            problems.append(refusal)
        else:
            choice = form.cleaned_data
            duration = timedelta(minutes=choice["minutes"])
            wanted = Booking(
                pk=booking.pk,
                client=booking.client,
                session_type=booking.session_type,
                photographer=choice["photographer"],
                **booking_times(booking.session_type, choice["start"], duration),
            )
            offered = booking_move_offered(
                booking,
                starts_at=wanted.starts_at,
                tz=tz,
                photographer_id=wanted.photographer_id,
                duration=duration,
            )
            clash = None if offered else booking_clash_find(booking=wanted)
            if not offered and clash is None:  # why clients couldn't, said as the forms do
                warnings = booking_rule_warnings(
                    session_type=booking.session_type,
                    photographer=wanted.photographer,
                    starts_at=wanted.starts_at,
                    tz=tz,
                    exclude_booking_id=booking.pk,
                    duration=duration,
                )
            if request.method == "POST" and clash is None:
                try:
                    booking_reschedule(
                        booking_id=booking.pk,
                        starts_at=wanted.starts_at,
                        tz=tz,
                        by_client=False,
                        outside_rules=choice["outside_rules"],
                        photographer_id=wanted.photographer_id,
                        duration=duration,
                        notify=choice["notify"],
                        sequence=choice["sequence"],
                    )
                except SlotUnavailable as refused:
                    clash = booking_clash_find(booking=wanted)
                    problems.append(
                        _clash_said(clash, wanted, booking, tz)
                        if clash
                        else _(
                            "%(why)s It is outside the studio's hours, notice or limits: "
                            "tick the box below to move it there anyway."
                        )
                        % {"why": refused.message}
                    )
                except BookingChangeRefused as refused:
                    problems.append(refused.message)
                else:
                    if wanted.starts_at == booking.starts_at:
                        told = _("Changed; the client is emailed the new details.")
                        quiet = _("Changed; the client was not emailed.")
                    else:
                        told = _("Moved; the client is emailed the new time.")
                        quiet = _("Moved; the client was not emailed.")
                    self.message_user(
                        request, told if choice["notify"] else quiet, messages.SUCCESS
                    )
                    return redirect(back)
            if clash is not None:
                problems.append(_clash_said(clash, wanted, booking, tz))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Move %(ref)s") % {"ref": booking.reference},
            "opts": self.model._meta,
            "booking": booking,
            "form": form,
            "was": _when(booking, tz),
            "to": wanted and _when(wanted, tz),
            "offered": offered,
            # A longer or shorter session keeps what the client pays: said, not done.
            "length_changed": wanted is not None and wanted.duration != booking.duration,
            # Only its length or photographer: asked as a change, not a move.
            "in_place": wanted is not None and wanted.starts_at == booking.starts_at,
            "warnings": warnings,
            "clash": clash,
            "problems": list(dict.fromkeys(str(problem) for problem in problems)),
            "back": back,
        }
        return TemplateResponse(request, "admin/shoots/booking/move_to.html", context)


def _refusal(booking: Booking, choice: dict) -> str:
    """Why the move can't even be offered: nothing would change, or the photographer chosen
    doesn't take this kind of session."""
    photographer, duration = choice["photographer"], timedelta(minutes=choice["minutes"])
    same = (photographer.pk, choice["start"], duration)
    if same == (booking.photographer_id, booking.starts_at, booking.duration):
        return _("The session is there already.")
    if photographer.pk != booking.photographer_id and not (
        booking.session_type.photographers.filter(pk=photographer.pk).exists()
    ):
        return _("%(name)s doesn't take %(session)s sessions.") % {
            "name": photographer.display_name,
            "session": booking.session_type.name,
        }
    return ""


def _clash_said(clash: Booking, wanted: Booking, booking: Booking, tz: ZoneInfo) -> str:
    said = booking_clash_message(clash, wanted=wanted, tz=tz)
    if wanted.photographer_id != booking.photographer_id:
        return _("In %(name)s's diary: %(clash)s") % {
            "name": wanted.photographer.display_name,
            "clash": said,
        }
    return said


def _when(booking: Booking, tz: ZoneInfo) -> str:
    starts, ends = booking.starts_at.astimezone(tz), booking.ends_at.astimezone(tz)
    if ends.date() != starts.date():  # past midnight: the end's day is named too
        return _("%(day)s, %(start)s – %(end_day)s, %(end)s with %(name)s") % {
            "day": date_format(starts, "l j F Y"),
            "start": time_format(starts, "H:i"),
            "end_day": date_format(ends, "l j F Y"),
            "end": time_format(ends, "H:i"),
            "name": booking.photographer.display_name,
        }
    return _("%(day)s, %(start)s–%(end)s with %(name)s") % {
        "day": date_format(starts, "l j F Y"),
        "start": time_format(starts, "H:i"),
        "end": time_format(ends, "H:i"),
        "name": booking.photographer.display_name,
    }
