import calendar
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from clients.services import client_get_or_create
from sessions.access import booking_url, private_response
from sessions.calendar_feeds import photographer_feed
from sessions.document_views import document_sign_url
from sessions.documents.services import documents_in_signing_order
from sessions.forms import BookingDetailsForm, SlotChoiceForm
from sessions.models import Booking, SessionType
from sessions.payments.views import payment_start
from sessions.selectors import session_type_list_public, session_type_slots
from sessions.services import SlotUnavailable, booking_create
from studio.http import int_or_none
from studio.models import Photographer
from studio.selectors import studio_get

DETAILS_SESSION_KEY = "booking_details"


def _bookable_type(slug: str) -> SessionType:
    return get_object_or_404(SessionType.objects.filter(is_active=True), slug=slug)


def _photographer_choice(session_type: SessionType, pk: int | None) -> Photographer | None:
    """The photographer asked for, if they offer this session."""
    if pk is None:
        return None
    return session_type.photographers.filter(is_active=True, pk=pk).first()


def _month_start(value: str | None, today: date) -> date:
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _slot_pick_url(session_type, *, day=None, photographer=None) -> str:
    query = {}
    if day:
        query["month"] = day.strftime("%Y-%m")
        query["day"] = day.isoformat()
    if photographer:
        query["photographer"] = photographer.pk
    url = reverse("sessions:slot-pick", args=[session_type.slug])
    return f"{url}?{urlencode(query)}" if query else url


def _details_url(session_type, slot, photographer=None) -> str:
    query = {"start": slot.starts_at.isoformat()}
    if photographer:
        query["photographer"] = photographer.pk
    return reverse("sessions:booking-create", args=[session_type.slug]) + "?" + urlencode(query)


@require_safe
def session_type_list(request):
    return render(
        request,
        "sessions/session_type_list.html",
        {"session_types": session_type_list_public()},
    )


def calendar_context(
    request, session_type, *, photographer, time_url, base_url, exclude_booking_id=None
) -> dict:
    """The month calendar and the chosen day's times, for booking or for moving a booking.

    `time_url(slot)` is where a time links to; `base_url` is the calendar's own address."""
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    last_bookable = (
        (timezone.now() + timedelta(days=session_type.booking_window_days)).astimezone(tz).date()
    )
    month = _month_start(request.GET.get("month"), today)
    month = min(max(month, today.replace(day=1)), last_bookable.replace(day=1))

    def free_days(month):
        month_end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        return month_end, session_type_slots(
            session_type=session_type,
            first_day=max(month, today),
            last_day=min(month_end, last_bookable),
            tz=tz,
            photographer_ids=[photographer.pk] if photographer else None,
            exclude_booking_id=exclude_booking_id,
        )

    month_end, days = free_days(month)
    if not days and "month" not in request.GET and month_end < last_bookable:
        # Nothing left this month: open on the next one rather than an empty calendar.
        month = month_end + timedelta(days=1)
        month_end, days = free_days(month)
    chosen_day = _parse_day(request.GET.get("day"))
    base = {"photographer": photographer.pk} if photographer else {}

    def day_url(day):
        return f"{base_url}?{urlencode({**base, 'month': day.strftime('%Y-%m'), 'day': day})}"

    previous_month = (month - timedelta(days=1)).replace(day=1)
    next_month = month_end + timedelta(days=1)
    return {
        "session_type": session_type,
        "photographer": photographer,
        "month": month,
        "weeks": [
            [
                {
                    "day": day,
                    "in_month": day.month == month.month,
                    "free": day in days,
                    "chosen": day == chosen_day,
                    "url": day_url(day),
                }
                for day in week
            ]
            for week in calendar.Calendar(firstweekday=0).monthdatescalendar(
                month.year, month.month
            )
        ],
        "previous_month_url": (
            f"{base_url}?{urlencode({**base, 'month': previous_month.strftime('%Y-%m')})}"
            if previous_month >= today.replace(day=1)
            else None
        ),
        "next_month_url": (
            f"{base_url}?{urlencode({**base, 'month': next_month.strftime('%Y-%m')})}"
            if next_month <= last_bookable
            else None
        ),
        "chosen_day": chosen_day,
        "times": [
            {"slot": slot, "url": time_url(slot)}
            for slot in (days.get(chosen_day, []) if chosen_day else [])
        ],
        "time_zone": tz.key,
        "has_free_days": bool(days),
    }


@require_safe
def slot_pick(request, slug):
    session_type = _bookable_type(slug)
    photographer = _photographer_choice(session_type, int_or_none(request.GET.get("photographer")))
    context = calendar_context(
        request,
        session_type,
        photographer=photographer,
        time_url=lambda slot: _details_url(session_type, slot, photographer),
        base_url=reverse("sessions:slot-pick", args=[session_type.slug]),
    )
    context["photographers"] = session_type.photographers.filter(is_active=True)
    return render(request, "sessions/slot_pick.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def booking_create_view(request, slug):
    session_type = _bookable_type(slug)
    studio = request.studio
    tz = timezone.get_current_timezone()
    chosen = SlotChoiceForm(request.GET)
    chosen.is_valid()  # neither field refuses anything: what cannot be read is None
    photographer = _photographer_choice(session_type, chosen.cleaned_data["photographer"])
    starts_at = chosen.cleaned_data["start"]
    if starts_at is None:
        messages.info(request, _("Please choose a day and a time first."))
        return redirect(_slot_pick_url(session_type, photographer=photographer))
    local_day = starts_at.astimezone(tz).date()
    form = BookingDetailsForm(
        request.POST or None,
        initial=request.session.get(DETAILS_SESSION_KEY, {}),
        policies=studio.policies,
    )
    if request.method != "POST":
        offered = session_type_slots(
            session_type=session_type,
            first_day=local_day,
            last_day=local_day,
            tz=tz,
            photographer_ids=[photographer.pk] if photographer else None,
        ).get(local_day, [])
        if not any(slot.starts_at == starts_at for slot in offered):
            messages.warning(
                request, _("Sorry, that time is no longer free. Please choose another.")
            )
            return redirect(_slot_pick_url(session_type, day=local_day, photographer=photographer))
    elif form.is_valid():
        details = {key: form.cleaned_data[key] for key in ("name", "email", "phone", "notes")}
        request.session[DETAILS_SESSION_KEY] = details  # kept if the time is taken
        try:
            with transaction.atomic():
                client = client_get_or_create(
                    email=details["email"], name=details["name"], phone=details["phone"]
                )
                booking = booking_create(
                    client=client,
                    session_type=session_type,
                    starts_at=starts_at,
                    tz=tz,
                    photographer=photographer,
                    client_notes=details["notes"],
                    booked_as=details["name"],
                )
        except SlotUnavailable as unavailable:
            return render(
                request,
                "sessions/slot_taken.html",
                {
                    "session_type": session_type,
                    "message": unavailable.message,
                    "nearest": [
                        {"slot": slot, "url": _details_url(session_type, slot, photographer)}
                        for slot in unavailable.nearest
                    ],
                    "calendar_url": _slot_pick_url(
                        session_type, day=local_day, photographer=photographer
                    ),
                },
                status=409,
            )
        request.session.pop(DETAILS_SESSION_KEY, None)
        to_sign = documents_in_signing_order(booking)
        if to_sign:  # read and sign, then pay
            return redirect(document_sign_url(booking, to_sign[0], booking_step=True))
        if booking.status == Booking.Status.HELD:
            return payment_start(request, booking, booking.payments.get(kind="deposit"))
        return redirect(booking_url(booking))
    return private_response(
        render(
            request,
            "sessions/booking_form.html",
            {
                "session_type": session_type,
                "starts_at": starts_at,
                "ends_at": starts_at + session_type.duration,
                "photographer": photographer,
                "form": form,
                "time_zone": tz.key,
                "change_url": _slot_pick_url(
                    session_type, day=local_day, photographer=photographer
                ),
            },
        )
    )


@require_safe
def calendar_feed(request, token):
    """A photographer's bookings for their calendar app. The token is the only key: a wrong
    or rotated one is a 404."""

    photographer = Photographer.objects.filter(calendar_feed_token=token).first()
    if photographer is None or len(token) < 20:
        raise Http404
    body = photographer_feed(
        photographer=photographer,
        tz=ZoneInfo(studio_get().time_zone),
        now=timezone.now(),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    patch_cache_control(response, private=True, max_age=300)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Content-Disposition"] = 'inline; filename="sessions.ics"'
    return response
