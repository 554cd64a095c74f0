"""The day, for the photographer on it (issue 23): an agenda that works on a phone (each
session with its client, type, photographer, questionnaire and contract state, the client's
phone number to tap, directions when it is on location, the brief one tap away) and a day
sheet to print with every session's brief. A fixed number of queries whatever the day."""

from datetime import date, datetime, time, timedelta
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from sessions.admin_calendar import date_asked
from sessions.admin_questionnaires import answer_rows
from sessions.models import Booking, Document, QuestionnaireResponse
from sessions.selectors import questionnaire_progress_text, with_questionnaire_progress
from studio.admin_permissions import admin_view_requires
from studio.http import int_or_none
from studio.models import Photographer
from studio.selectors import studio_get

SHOWN = (*Booking.ACTIVE_STATUSES, Booking.Status.COMPLETED, Booking.Status.NO_SHOW)


def day_bookings(day: date, tz: ZoneInfo, photographer_id: int | None):
    """The day's sessions (to come, and those that took place; one from the night before
    that runs past midnight too), in time order, with their client, type, photographer and
    questionnaire progress."""
    since = datetime.combine(day, time.min, tz)
    until = datetime.combine(day + timedelta(days=1), time.min, tz)
    bookings = (
        Booking.objects.filter(status__in=SHOWN, starts_at__lt=until, ends_at__gt=since)
        .select_related("client", "session_type", "photographer")
        .order_by("starts_at", "pk")
    )
    if photographer_id:
        bookings = bookings.filter(photographer_id=photographer_id)
    return with_questionnaire_progress(bookings)


def documents_text(bookings: list[Booking]) -> dict[int, str]:
    """Per booking, its documents in a few words ("Contract signed · Model release waiting
    to be signed"), void ones left out. One query."""
    by_booking: dict[int, dict[str, list[str]]] = {}
    for booking_id, kind, status in (
        Document.objects.filter(booking__in=bookings)
        .exclude(status=Document.Status.VOIDED)
        .order_by("booking_id", "kind", "pk")
        .values_list("booking_id", "kind", "status")
    ):
        by_booking.setdefault(booking_id, {}).setdefault(kind, []).append(status)
    kinds = dict(Document._meta.get_field("kind").choices)
    said = {}
    for booking_id, documents in by_booking.items():
        parts = []
        for kind, statuses in documents.items():
            signed = all(status == Document.Status.SIGNED for status in statuses)
            parts.append(
                _("%(kind)s: %(state)s")
                % {
                    "kind": kinds.get(kind, kind),
                    "state": _("signed") if signed else _("waiting to be signed"),
                }
            )
        said[booking_id] = " · ".join(parts)
    return said


class DayAgendaMixin:
    """For `bookings.BookingAdmin`: the day's agenda and its printable sheet."""

    def agenda_urls(self) -> list:
        return [
            path(
                "calendar/agenda/",
                self.admin_site.admin_view(self.agenda_view),
                name="shoots_booking_agenda",
            ),
            path(
                "calendar/day-sheet/",
                self.admin_site.admin_view(self.day_sheet_view),
                name="shoots_booking_day_sheet",
            ),
        ]

    def _day_asked(self, request) -> tuple[date, ZoneInfo, int | None]:
        studio = studio_get()
        tz = ZoneInfo(studio.time_zone)
        day = date_asked(request.GET.get("date"), today=timezone.localdate(timezone=tz))
        return day, tz, int_or_none(request.GET.get("photographer"))

    @admin_view_requires("view")
    def agenda_view(self, request):
        """The day's sessions as a list for a phone: today unless ?date= says otherwise."""
        day, tz, photographer_id = self._day_asked(request)
        studio = studio_get()
        bookings = list(day_bookings(day, tz, photographer_id))
        documents = documents_text(bookings)
        sessions = []
        for booking in bookings:
            where = booking.session_type.location
            sessions.append(
                {
                    "booking": booking,
                    "starts": booking.starts_at.astimezone(tz),
                    "ends": booking.ends_at.astimezone(tz),
                    # A session across midnight says on which day it starts or ends.
                    "other_day": booking.starts_at.astimezone(tz).date() != day
                    or booking.ends_at.astimezone(tz).date() != day,
                    "questionnaires": questionnaire_progress_text(booking),
                    "documents": documents.get(booking.pk, ""),
                    "where": where,
                    "directions": where
                    and "https://www.google.com/maps/search/?api=1&query=" + quote_plus(where),
                }
            )
        today = timezone.localdate(timezone=tz)
        who = f"&photographer={photographer_id}" if photographer_id else ""
        context = {
            **self.admin_site.each_context(request),
            "title": (
                _("Today, %(day)s") % {"day": date_format(day, "l j F")}
                if day == today
                else date_format(day, "l j F Y")
            ),
            "opts": self.model._meta,
            "day": day,
            "is_today": day == today,
            "sessions": sessions,
            "studio": studio,
            "photographers": Photographer.objects.filter(
                Q(is_active=True) | Q(pk=photographer_id or 0)
            ).order_by("display_name"),
            "photographer_id": photographer_id,
            "previous": f"?date={day - timedelta(days=1)}{who}",
            "next": f"?date={day + timedelta(days=1)}{who}",
            "today_link": f"?date={today}{who}",
            "who": who,
        }
        return TemplateResponse(request, "admin/shoots/booking/agenda.html", context)

    @admin_view_requires("view")
    def day_sheet_view(self, request):
        """Every session of the day with its brief, to print."""
        day, tz, photographer_id = self._day_asked(request)
        bookings = list(
            day_bookings(day, tz, photographer_id).prefetch_related(
                Prefetch(
                    "responses",
                    queryset=QuestionnaireResponse.objects.prefetch_related("answers", "images"),
                )
            )
        )
        return TemplateResponse(
            request,
            "admin/shoots/booking/day_sheet.html",
            {
                "day": day,
                "studio": studio_get(),
                "briefs": [
                    {
                        "booking": booking,
                        "responses": [
                            {"response": response, "rows": answer_rows(response)}
                            for response in booking.responses.all()
                        ],
                    }
                    for booking in bookings
                ],
            },
        )
