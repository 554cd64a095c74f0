"""Sitting's calls to Stripe's API, and nothing else: plain dicts in, plain dicts out.
No other module calls Stripe; the rest of the payments package calls these.

Every create call carries an idempotency key made from Sitting's own ids, so a retried
request (ours, or the library's own network retries) never charges or refunds twice.
"""

import json
import logging

import stripe
from django.conf import settings

log = logging.getLogger(__name__)

# Errors worth retrying later: the network, Stripe's side, or its rate limit.
TEMPORARY_ERRORS = (
    stripe.APIConnectionError,
    stripe.APIError,
    stripe.RateLimitError,
)


def stripe_client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=2,
        http_client=stripe.RequestsClient(timeout=(5, 30)),
    )


def dashboard_url(kind: str, object_id: str) -> str:
    """The Stripe dashboard page of a payment (`payments/pi_...`) or session."""
    test = "test/" if settings.STRIPE_SECRET_KEY.startswith(("sk_test_", "rk_test_")) else ""
    return f"https://dashboard.stripe.com/{test}{kind}/{object_id}"


def checkout_session_create(*, params: dict, idempotency_key: str) -> dict:
    session = stripe_client().v1.checkout.sessions.create(
        params=params, options={"idempotency_key": idempotency_key}
    )
    return session.to_dict()


# The charge carries what was refunded and disputed; its refunds list is only sent when
# expanded (API versions since 2022-11-15).
SESSION_EXPAND = ["payment_intent.latest_charge.refunds"]


def checkout_session_retrieve(session_id: str) -> dict:
    session = stripe_client().v1.checkout.sessions.retrieve(
        session_id, params={"expand": SESSION_EXPAND}
    )
    return session.to_dict()


def checkout_session_expire(session_id: str) -> None:
    """Close an open Checkout Session so nobody can pay on it; already closed is fine."""
    try:
        stripe_client().v1.checkout.sessions.expire(session_id)
    except stripe.InvalidRequestError as error:
        log.info("Checkout Session %s not expired: %s", session_id, error.user_message)


def checkout_session_close(session_id: str) -> dict:
    """Expire a Checkout Session and return it as Stripe then reports it: `expired`, or
    `complete` (with its PaymentIntent expanded) if the client paid before it could be
    closed. Raises stripe errors when Stripe cannot say."""
    try:
        session = stripe_client().v1.checkout.sessions.expire(session_id).to_dict()
    except stripe.InvalidRequestError as error:  # no longer open: find out why
        log.info("Checkout Session %s not expired: %s", session_id, error.user_message)
    else:
        if session.get("status") == "expired":
            return session
    return checkout_session_retrieve(session_id)


def payment_intent_retrieve(payment_intent_id: str) -> dict:
    return stripe_client().v1.payment_intents.retrieve(payment_intent_id).to_dict()


def refund_create(*, params: dict, idempotency_key: str) -> dict:
    refund = stripe_client().v1.refunds.create(
        params=params, options={"idempotency_key": idempotency_key}
    )
    return refund.to_dict()


def webhook_event(*, payload: bytes, signature: str) -> dict:
    """The event in a webhook request, if its Stripe-Signature is right and fresh
    (five minutes); raises ValueError or stripe.SignatureVerificationError otherwise."""
    stripe.WebhookSignature.verify_header(
        payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=300
    )
    event = json.loads(payload)
    if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
        raise ValueError("not a Stripe event")
    return event
