import calendar
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from clients.services import client_get_or_create
from sessions.access import booking_get_by_token, booking_url
from sessions.calendar_feeds import photographer_feed
from sessions.emails import ENDED, booking_invite_for, ended_booking_money
from sessions.forms import BookingDetailsForm, RescheduleForm, SlotChoiceForm, start_parse
from sessions.models import Booking, Payment, QuestionnaireResponse, SessionType
from sessions.payments.checkout import payment_check_payable
from sessions.payments.errors import PaymentRefused
from sessions.payments.ledger import booking_balance_due, cancellation_terms
from sessions.questionnaires import questionnaire_may_change, questionnaires_for_booking
from sessions.selectors import session_type_list_public, session_type_slots
from sessions.services import (
    BookingChangeRefused,
    SlotUnavailable,
    booking_cancel,
    booking_change_deadline,
    booking_client_may_cancel,
    booking_client_may_change,
    booking_create,
    booking_move_offered,
    booking_reschedule,
)
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


def _calendar_context(
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
    context = _calendar_context(
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
        if booking.status == Booking.Status.HELD:
            # Not at the top: sessions.payments.views imports this module.
            from sessions.payments.views import payment_start

            return payment_start(request, booking, booking.payments.get(kind="deposit"))
        return redirect(booking_url(booking))
    return _private(
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


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_safe
def booking_detail(request, token):
    booking = booking_get_by_token(token)
    booking_payments = list(booking.payments.all())
    booking._prefetched_objects_cache = {"payments": booking_payments}
    due = []
    for payment in booking_payments if settings.PAYMENTS_ENABLED else []:
        if payment.status in (
            Payment.Status.PENDING,
            Payment.Status.FAILED,
            Payment.Status.EXPIRED,
        ):
            try:
                payment_check_payable(payment)
            except PaymentRefused:
                continue
            due.append(payment)
    responses = {
        response.questionnaire_id: response
        for response in QuestionnaireResponse.objects.filter(booking=booking)
    }
    # Once the session is over (or off) no guide is shown, and once answers can no longer
    # change nothing more is asked: answers given stay readable.
    finished = booking.status not in Booking.ACTIVE_STATUSES or timezone.now() >= booking.starts_at
    may_answer = questionnaire_may_change(booking)
    preparation = [
        {
            "questionnaire": questionnaire,
            "response": responses.get(questionnaire.pk),
            "url": reverse("sessions:questionnaire-fill", args=[token, questionnaire.pk]),
        }
        for questionnaire in questionnaires_for_booking(booking)
        if may_answer or questionnaire.pk in responses
    ]
    if request.GET.get("payment") == "cancelled" and due:
        messages.info(
            request, _("You left the payment page before paying, so nothing was charged.")
        )
    return _private(
        render(
            request,
            "sessions/booking_detail.html",
            {
                "booking": booking,
                "token": token,
                "calendar_url": reverse("sessions:booking-calendar", args=[token]),
                "time_zone": timezone.get_current_timezone().key,
                "may_change": booking_client_may_change(booking),
                "may_cancel": booking_client_may_cancel(booking),
                "change_deadline": booking_change_deadline(booking),
                "received": [p for p in booking_payments if p.status in Payment.RECEIVED_STATUSES],
                "processing": [
                    p for p in booking_payments if p.status == Payment.Status.PROCESSING
                ],
                "due": due,
                "balance_due": booking_balance_due(booking),
                "payments_enabled": settings.PAYMENTS_ENABLED,
                "finished": finished,
                "preparation": preparation,
                "guides": [] if finished else list(booking.session_type.guides.all()),
                "questionnaire_may_change": may_answer,
                "ended_money": ended_booking_money(booking)["lines"]
                if booking.status in ENDED
                else [],
            },
        )
    )


@require_safe
def booking_calendar(request, token):
    booking = booking_get_by_token(token)
    response = HttpResponse(
        booking_invite_for(booking, download=True), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="session-{booking.reference}.ics"'
    return _private(response)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def booking_cancel_view(request, token):
    booking = booking_get_by_token(token)
    if request.method == "POST":
        if booking.status == Booking.Status.CANCELLED:  # a second press of the button
            return redirect(booking_url(booking))
        try:
            booking_cancel(booking_id=booking.pk, by_client=True)
        except BookingChangeRefused as refused:
            messages.error(request, refused.message)
        else:
            # The booking page says what was paid and what comes back (ended_booking_money).
            messages.success(request, _("Your session is cancelled. We've emailed you to confirm."))
        return redirect(booking_url(booking))
    if not booking_client_may_cancel(booking):
        return redirect(booking_url(booking))
    return _private(
        render(
            request,
            "sessions/booking_cancel.html",
            {
                "booking": booking,
                "booking_token": token,
                "terms": cancellation_terms(booking),
                "may_reschedule": booking_client_may_change(booking),
                "cutoff_hours": round(
                    (booking.starts_at - booking_change_deadline(booking)).total_seconds() / 3600
                ),
            },
        )
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def booking_reschedule_view(request, token):
    """Choose a new time (GET), confirm it (GET with `start`: the old and new times side by
    side), then move the booking to it (POST with `start`)."""
    booking = booking_get_by_token(token)
    if not booking_client_may_change(booking):
        messages.info(request, _("This booking can no longer be changed online."))
        return redirect(booking_url(booking))
    here = reverse("sessions:booking-reschedule", args=[token])
    tz = timezone.get_current_timezone()

    def day_url(moment):
        day = moment.astimezone(tz).date()
        return f"{here}?{urlencode({'month': day.strftime('%Y-%m'), 'day': day})}#times"

    if request.method != "POST" and "start" in request.GET:
        starts_at = start_parse(request.GET.get("start"))
        if starts_at is None:
            messages.info(request, _("Please choose a day and a time first."))
            return redirect(here)
        if not booking_move_offered(booking, starts_at=starts_at, tz=tz):
            messages.warning(
                request, _("Sorry, that time is no longer free. Please choose another.")
            )
            return redirect(day_url(starts_at))
        return _private(
            render(
                request,
                "sessions/booking_reschedule_confirm.html",
                {
                    "booking": booking,
                    "booking_token": token,
                    "starts_at": starts_at,
                    "ends_at": starts_at + (booking.ends_at - booking.starts_at),
                    "time_zone": tz.key,
                    "back_url": day_url(starts_at),
                },
            )
        )
    if request.method == "POST":
        form = RescheduleForm(request.POST)
        starts_at = form.cleaned_data["start"] if form.is_valid() else None
        if starts_at is None:
            messages.info(request, _("Please choose a day and a time first."))
            return redirect(here)
        try:
            booking_reschedule(
                booking_id=booking.pk,
                starts_at=starts_at,
                tz=timezone.get_current_timezone(),
                by_client=True,
            )
        except BookingChangeRefused as refused:
            messages.error(request, refused.message)
            return redirect(booking_url(booking))
        except SlotUnavailable as unavailable:
            messages.warning(
                request,
                _("%(reason)s Your session is still at its old time; please choose another.")
                % {"reason": unavailable.message},
            )
            return redirect(day_url(starts_at))
        messages.success(request, _("Your session has moved. We've emailed you the new time."))
        return redirect(booking_url(booking))
    context = _calendar_context(
        request,
        booking.session_type,
        photographer=booking.photographer,
        time_url=lambda slot: f"{here}?{urlencode({'start': slot.starts_at.isoformat()})}",
        base_url=here,
        exclude_booking_id=booking.pk,
    )
    context["booking"] = booking
    context["booking_token"] = token
    return _private(render(request, "sessions/booking_reschedule.html", context))


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
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Content-Disposition"] = 'inline; filename="sessions.ics"'
    return response
