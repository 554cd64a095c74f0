"""Paying online: off to Stripe Checkout, back to a page that shows the payment's status
(polled by htmx until the webhook arrives), and the webhook itself."""

import logging

import stripe
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from sessions.access import booking_get_by_token, booking_url, private_response
from sessions.forms import PaymentChoiceForm
from sessions.models import Booking
from sessions.payments import gateway
from sessions.payments.checkout import payment_check_payable, payment_checkout_url
from sessions.payments.errors import EventInFlight, PaymentRefused
from sessions.payments.models import Payment, Refund
from sessions.payments.plan_views import payment_card_consent, plan_context
from sessions.payments.webhooks import payment_refresh, stripe_event_process

log = logging.getLogger(__name__)

# The return page asks Stripe directly at most this often per payment while it polls.
REFRESH_EVERY_SECONDS = 10


def checkout_redirect(url: str) -> HttpResponse:
    response = HttpResponseRedirect(url)
    response.status_code = 303  # after a POST: the browser GETs the Checkout page
    return response


def payment_for_booking(booking: Booking, payment_id: int) -> Payment:
    """A payment of this booking, or 404: a link to one booking opens its payments only."""
    return get_object_or_404(Payment.objects.filter(booking=booking), pk=payment_id)


def payment_start(request: HttpRequest, booking: Booking, payment: Payment) -> HttpResponse:
    """Send the client to Checkout for this payment, or back to their booking with why not."""
    try:
        return checkout_redirect(payment_checkout_url(payment_id=payment.pk))
    except PaymentRefused as refused:
        messages.error(request, refused.message)
        return redirect(booking_url(booking))


@never_cache
@require_POST
def booking_pay(request, token):
    booking = booking_get_by_token(token)
    form = PaymentChoiceForm(request.POST)
    if not form.is_valid():  # no payment, or nothing that could be one's id
        raise Http404
    payment = payment_for_booking(booking, form.cleaned_data["payment"])
    if plan_context(booking)["autopay_offer"] or payment.save_card:
        payment_card_consent(payment_id=payment.pk, save_card=form.cleaned_data["autopay"])
    return payment_start(request, booking, payment)


def _status_context(booking: Booking, payment: Payment, token: str) -> dict:
    booking.refresh_from_db(fields=["status", "hold_expires_at"])
    return {
        "booking": booking,
        "payment": payment,
        "token": token,
        "payable": _payable(payment),
        # Pending but never sent to Stripe (typed by hand, or paid at the studio): nothing
        # is on its way, so no "confirming" that would spin for ever.
        "not_started": payment.status == Payment.Status.PENDING
        and not payment.stripe_checkout_session_id,
        "late": payment.status in Payment.RECEIVED_STATUSES
        and payment.refunds.filter(reason=Refund.Reason.LATE_PAYMENT).exists(),
    }


def _payable(payment: Payment) -> bool:
    try:
        payment_check_payable(payment)
    except PaymentRefused:
        return False
    return True


def refresh_from_stripe(payment: Payment) -> Payment:
    """Ask Stripe now rather than wait for the webhook; both end in the same function."""
    if payment.status != Payment.Status.PENDING or not payment.stripe_checkout_session_id:
        return payment
    if not cache.add(f"payment-refresh:{payment.pk}", 1, REFRESH_EVERY_SECONDS):
        return payment
    try:
        return payment_refresh(payment_id=payment.pk)
    except (stripe.StripeError, DatabaseError) as error:  # show what is known; poll again
        log.info("Could not bring payment %s up to date: %s", payment.pk, error)
        return payment


@never_cache
@require_safe
def payment_return(request, token, payment_id):
    """Where Stripe Checkout sends the client back after paying."""
    booking = booking_get_by_token(token)
    payment = refresh_from_stripe(payment_for_booking(booking, payment_id))
    context = _status_context(booking, payment, token)
    return private_response(render(request, "sessions/payment_return.html", context))


@never_cache
@require_safe
def payment_status(request, token, payment_id):
    """The status box alone, which the return page polls while the payment is confirmed."""
    booking = booking_get_by_token(token)
    payment = refresh_from_stripe(payment_for_booking(booking, payment_id))
    context = _status_context(booking, payment, token)
    return private_response(render(request, "sessions/_payment_status.html", context))


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's events. Only a correctly signed, fresh request is acted on; each event once.
    A 4xx tells Stripe not to retry; a 5xx or 409 that it should."""
    if not settings.PAYMENTS_ENABLED or not settings.STRIPE_WEBHOOK_SECRET:
        log.error("Stripe webhook refused: STRIPE_WEBHOOK_SECRET is not set")
        return HttpResponse("Webhooks are not configured.", status=400, content_type="text/plain")
    try:
        event = gateway.webhook_event(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except stripe.SignatureVerificationError:
        return HttpResponse("Bad signature.", status=400, content_type="text/plain")
    except ValueError:
        return HttpResponse("Not a Stripe event.", status=400, content_type="text/plain")
    try:
        outcome = stripe_event_process(event=event)
    except ValueError:
        return HttpResponse("Not a Stripe event.", status=400, content_type="text/plain")
    except EventInFlight:
        return HttpResponse("Being processed; try later.", status=409, content_type="text/plain")
    except stripe.StripeError as error:
        log.warning("Stripe event %s not processed yet: %s", event.get("id"), error)
        return HttpResponse("Stripe unreachable; try later.", status=503, content_type="text/plain")
    log.info("Stripe event %s (%s): %s", event.get("id"), event.get("type"), outcome)
    return HttpResponse(outcome, content_type="text/plain")
