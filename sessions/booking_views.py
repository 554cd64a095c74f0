"""A booking's own pages, opened by its private link: the booking, its calendar invite,
cancelling and moving it (the client's side of sessions.booking_changes)."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from sessions.access import booking_get_by_token, booking_url, private_response
from sessions.booking_changes import (
    BookingChangeRefused,
    booking_cancel,
    booking_client_may_cancel,
    booking_client_may_change,
    booking_move_offered,
    booking_reschedule,
)
from sessions.emails import booking_invite_for, ended_booking_money
from sessions.forms import RescheduleForm, start_parse
from sessions.models import Booking, Document, Payment, QuestionnaireResponse
from sessions.month_calendar import calendar_context
from sessions.payments.checkout import payment_check_payable
from sessions.payments.errors import PaymentRefused
from sessions.payments.ledger import booking_balance_due, booking_extras_owed, cancellation_terms
from sessions.payments.plan_views import plan_context
from sessions.questionnaires import questionnaire_may_change, questionnaires_for_booking
from sessions.selectors import booking_change_deadline
from sessions.services import SlotUnavailable


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
    documents = [
        {
            "document": document,
            "url": reverse("sessions:document-sign", args=[token, document.reference]),
        }
        for document in booking.documents.select_related("template")
        # A withdrawn document that another replaced: the new one is listed instead.
        .exclude(status=Document.Status.VOIDED, replaced_by__isnull=False)
        # Nothing is asked to be signed for a booking that will not go ahead.
        .exclude(status=Document.Status.PENDING, booking__status__in=Booking.ENDED_STATUSES)
        .order_by("-required", "kind", "pk")
    ]
    if request.GET.get("payment") == "cancelled" and due:
        messages.info(
            request, _("You left the payment page before paying, so nothing was charged.")
        )
    return private_response(
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
                "deposit_in": any(
                    p.kind == Payment.Kind.DEPOSIT and p.status in Payment.RECEIVED_STATUSES
                    for p in booking_payments
                ),
                "processing": [
                    p for p in booking_payments if p.status == Payment.Status.PROCESSING
                ],
                "due": due,
                "documents": documents,
                "to_sign": [
                    item
                    for item in documents
                    if item["document"].required
                    and item["document"].status == Document.Status.PENDING
                ],
                "balance_due": booking_balance_due(booking),
                "extras_owed": booking_extras_owed(booking),
                **plan_context(booking),
                "invoices": list(booking.invoices.order_by("issued_at", "pk")),
                "payments_enabled": settings.PAYMENTS_ENABLED,
                "finished": finished,
                "preparation": preparation,
                "guides": [] if finished else list(booking.session_type.guides.all()),
                "questionnaire_may_change": may_answer,
                "ended_money": ended_booking_money(booking)["lines"]
                if booking.status in Booking.ENDED_STATUSES
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
    return private_response(response)


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
    return private_response(
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
        if starts_at == booking.starts_at:  # Back after moving, or the time it has
            messages.info(request, _("Your session is already at that time."))
            return redirect(booking_url(booking))
        if not booking_move_offered(booking, starts_at=starts_at, tz=tz):
            messages.warning(
                request, _("Sorry, that time is no longer free. Please choose another.")
            )
            return redirect(day_url(starts_at))
        return private_response(
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
        if starts_at == booking.starts_at:  # sent again from an old page: nothing to move
            messages.info(request, _("Your session is already at that time."))
            return redirect(booking_url(booking))
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
    context = calendar_context(
        request,
        booking.session_type,
        photographer=booking.photographer,
        time_url=lambda slot: f"{here}?{urlencode({'start': slot.starts_at.isoformat()})}",
        base_url=here,
        exclude_booking_id=booking.pk,
        duration=booking.duration,
    )
    context["booking"] = booking
    context["booking_token"] = token
    return private_response(render(request, "sessions/booking_reschedule.html", context))
