"""Sitting's calls to Stripe's API, and nothing else: plain dicts in, plain dicts out.
No other module calls Stripe; the rest of the payments package calls these.

Every create call carries an idempotency key made from Sitting's own ids, so a retried
request (ours, or the library's own network retries) never charges or refunds twice.
"""

import json
import logging
from typing import Literal, TypedDict

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


def payment_intent_retrieve(payment_intent_id: str, *, expand: list[str] | None = None) -> dict:
    params = {"expand": expand} if expand else None
    return stripe_client().v1.payment_intents.retrieve(payment_intent_id, params=params).to_dict()


def customer_create(*, params: dict, idempotency_key: str) -> dict:
    """A Stripe Customer, which a saved card belongs to (`email`, `name`, `metadata`)."""
    customer = stripe_client().v1.customers.create(
        params=params, options={"idempotency_key": idempotency_key}
    )
    return customer.to_dict()


def payment_method_retrieve(payment_method_id: str) -> dict:
    """A saved card: `customer` (None once detached), `card.brand`, `card.last4`, expiry."""
    return stripe_client().v1.payment_methods.retrieve(payment_method_id).to_dict()


def payment_method_detach(payment_method_id: str) -> dict:
    """Forget a saved card at Stripe: it can never be charged again."""
    return stripe_client().v1.payment_methods.detach(payment_method_id).to_dict()


def setup_intent_retrieve(setup_intent_id: str) -> dict:
    """A SetupIntent (a setup-mode Checkout's): `status`, `customer`, `payment_method`."""
    return stripe_client().v1.setup_intents.retrieve(setup_intent_id).to_dict()


class OffSessionResult(TypedDict):
    status: Literal["succeeded", "processing", "requires_action", "declined", "failed"]
    payment_intent: dict | None  # as Stripe left it; None when Stripe made none
    message: str  # Stripe's words for a refusal, for the studio; "" when it went through
    code: str  # Stripe's error code: "authentication_required", "card_declined", ...
    decline_code: str  # the bank's reason, when it gave one: "insufficient_funds", ...


# What a PaymentIntent confirmed without an error means; any other status is "failed".
_CHARGED = {
    "succeeded": "succeeded",
    "processing": "processing",
    "requires_action": "requires_action",
}


def payment_intent_charge_off_session(
    *,
    customer: str,
    payment_method: str,
    amount: int,
    currency: str,
    metadata: dict,
    idempotency_key: str,
    description: str = "",
) -> OffSessionResult:
    """Charge a saved card with the client away (an installment on its due day). What the
    bank or Stripe decided comes back as a result, never as an exception:

    - `succeeded`: paid (`payment_intent["amount_received"]`, its `latest_charge`);
    - `processing`: a bank debit (not a card) still clearing; its webhook will tell;
    - `requires_action`: the bank wants the client to authenticate: ask them to pay by link;
    - `declined`: the card was refused (declined, expired, ...): ask them to pay by link;
    - `failed`: Stripe refused the request itself (the card was removed, the amount is
      below Stripe's minimum, ...): nothing was charged, the studio should look.

    Raises TEMPORARY_ERRORS (try again later with the same idempotency key, which cannot
    charge twice), and the errors that mean Sitting itself is set up wrong (its API key,
    an idempotency key reused for another charge)."""
    params = {
        "amount": amount,
        "currency": currency.lower(),
        "customer": customer,
        "payment_method": payment_method,
        "confirm": True,
        "off_session": True,
        # A saved card never redirects; without this Stripe insists on a return_url.
        "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
        "metadata": metadata,
    }
    if description:
        params["description"] = description
    try:
        intent = stripe_client().v1.payment_intents.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
    except (stripe.CardError, stripe.InvalidRequestError) as error:
        log.info("Off-session charge %s refused: %s", idempotency_key, error.user_message)
        return _off_session_refusal(error)
    intent = intent.to_dict()
    status = _CHARGED.get(intent.get("status"), "failed")
    message = "" if status != "failed" else f"Stripe left the payment {intent.get('status')}."
    return OffSessionResult(
        status=status, payment_intent=intent, message=message, code="", decline_code=""
    )


def _off_session_refusal(error: stripe.StripeError) -> OffSessionResult:
    body = (error.json_body or {}).get("error") or {}
    code = str(body.get("code") or "")
    if isinstance(error, stripe.CardError):
        status = "requires_action" if code == "authentication_required" else "declined"
    else:
        status = "failed"
    intent = body.get("payment_intent")
    return OffSessionResult(
        status=status,
        payment_intent=intent if isinstance(intent, dict) else None,
        message=str(body.get("message") or error.user_message or ""),
        code=code,
        decline_code=str(body.get("decline_code") or ""),
    )


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
