"""Money moving: PaymentIntents (those Checkout makes, and charges of a saved card with
the client away), their charges, refunds and disputes."""

from __future__ import annotations

import copy

from tests.stripe_standin.cards import DOC_URL, return_url_check
from tests.stripe_standin.wire import (
    StandInError,
    choice,
    flag,
    int_param,
    listing,
    money_text,
    new_id,
    now,
    required,
)

_REFUND_REASONS = {"duplicate", "fraudulent", "requested_by_customer"}
# Stripe's smallest charge per currency (minor units), for the currencies a studio is likely
# to use; a last installment below it is refused at Stripe, so it is here too.
_MINIMUM_CHARGE = {"gbp": 30, "usd": 50, "eur": 50, "cad": 50, "aud": 50, "nzd": 50, "chf": 50}
# How a card the bank refuses fails a charge made with the client away: (code,
# decline_code, message). The PaymentIntent goes back to `requires_payment_method`.
DECLINES = {
    "authentication_required": (
        "authentication_required",
        "authentication_required",
        "Your card was declined. This transaction requires authentication.",
    ),
    "declined": ("card_declined", "generic_decline", "Your card was declined."),
}


class Payments:
    ROUTES = [
        ("POST", r"/v1/payment_intents", "_create_payment_intent"),
        ("POST", r"/v1/refunds", "_create_refund"),
    ]
    RESOURCES = {
        "payment_intents": ("payment_intents", "payment_intent"),
        "charges": ("charges", "charge"),
        "refunds": ("refunds", "refund"),
        "disputes": ("disputes", "dispute"),
    }

    # -- objects ----------------------------------------------------------------------------

    def _new_payment_intent(self, *, amount, currency, status, **fields) -> dict:
        pi_id = new_id("pi_")
        intent = {
            "id": pi_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": amount if status == "succeeded" else 0,
            "currency": currency,
            "status": status,
            "customer": fields.get("customer"),
            "payment_method": fields.get("payment_method"),
            "setup_future_usage": fields.get("setup_future_usage"),
            "description": fields.get("description"),
            "metadata": dict(fields.get("metadata") or {}),
            "latest_charge": None,
            "last_payment_error": None,
            "next_action": None,
            "client_secret": f"{pi_id}_secret_{new_id('')}",
            "capture_method": "automatic",
            "confirmation_method": "automatic",
            "payment_method_types": ["card"],
            "created": now(),
            "livemode": False,
        }
        self.payment_intents[pi_id] = intent
        return intent

    def _new_charge(self, intent, *, status, failure=None) -> dict:
        """The charge of a PaymentIntent's attempt: `succeeded`, `pending` (a bank debit still
        clearing) or `failed` with `failure` = (code, decline_code, message)."""
        ch_id, paid = new_id("ch_"), status == "succeeded"
        self.charges[ch_id] = {
            "id": ch_id,
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": intent["amount"] if paid else 0,
            "amount_refunded": 0,
            "currency": intent["currency"],
            "customer": intent["customer"],
            "payment_intent": intent["id"],
            "payment_method": intent["payment_method"],
            "paid": paid,
            "refunded": False,
            "disputed": False,
            "status": status,
            "failure_code": failure[0] if failure else None,
            "failure_message": failure[2] if failure else None,
            "outcome": {"type": "issuer_declined", "reason": failure[1]} if failure else None,
            "metadata": {},  # real Stripe does not copy PaymentIntent metadata here
            "refunds": listing([], f"/v1/charges/{ch_id}/refunds"),
            "created": now(),
            "livemode": False,
        }
        intent["latest_charge"] = ch_id
        return self.charges[ch_id]

    # -- PaymentIntents ---------------------------------------------------------------------

    def _create_payment_intent(self, params):
        required(params, "amount")
        amount = int_param(params, "amount", minimum=1)
        currency = str(required(params, "currency")).lower()
        if amount < _MINIMUM_CHARGE.get(currency, 1):
            raise StandInError(
                400,
                f"Amount must be at least {money_text(_MINIMUM_CHARGE[currency], currency)}",
                code="amount_too_small",
                param="amount",
            )
        pm = self._usable_payment_method(params)
        confirm = flag(params.get("confirm"))
        off_session = str(params.get("off_session", "false")).lower() != "false"
        if off_session and not confirm:
            raise StandInError(
                400, "`off_session` can only be used when `confirm` is true.", param="off_session"
            )
        if confirm and pm is None:
            raise StandInError(
                400,
                "You cannot confirm this PaymentIntent because it's missing a payment method.",
                param="payment_method",
            )
        if confirm:
            return_url_check(params)
        intent = self._new_payment_intent(
            amount=amount,
            currency=currency,
            status="requires_confirmation" if pm else "requires_payment_method",
            customer=params.get("customer"),
            payment_method=pm["id"] if pm else None,
            setup_future_usage=choice(params, "setup_future_usage", ("off_session", "on_session")),
            description=params.get("description"),
            metadata=params.get("metadata"),
        )
        if confirm:
            self._confirm(intent, off_session=off_session)
        return intent

    def _confirm(self, intent, *, off_session: bool) -> None:
        """Charge the intent's card as Stripe's test card would. A refusal is Stripe's 402
        card error, carrying the PaymentIntent; the webhook events are announced either way."""
        behaviour = self._card_behaviour[intent["payment_method"]]
        if behaviour == "authentication_required" and not off_session:
            intent.update(status="requires_action", next_action={"type": "use_stripe_sdk"})
            self._announce("payment_intent.requires_action", intent)
            return
        if behaviour == "success":
            self._new_charge(intent, status="succeeded")
            intent.update(status="succeeded", amount_received=intent["amount"])
            self._announce("payment_intent.succeeded", intent)
            return
        code, decline_code, message = failure = DECLINES[behaviour]
        charge = self._new_charge(intent, status="failed", failure=failure)
        pm = copy.deepcopy(self.payment_methods[intent["payment_method"]])
        error = {
            "type": "card_error",
            "code": code,
            "decline_code": decline_code,
            "message": message,
            "doc_url": DOC_URL + code.replace("_", "-"),
            "charge": charge["id"],
            "payment_method": pm,
        }
        intent.update(status="requires_payment_method", last_payment_error=error)
        self._announce("payment_intent.payment_failed", intent)
        extra = {k: error[k] for k in ("decline_code", "doc_url", "charge", "payment_method")}
        raise StandInError(
            402,
            message,
            type="card_error",
            code=code,
            payment_intent=copy.deepcopy(intent),
            **extra,
        )

    # -- refunds and disputes ---------------------------------------------------------------

    def refund(self, payment_intent_id: str, amount: int | None = None, metadata=None) -> dict:
        return copy.deepcopy(self._refund(payment_intent_id, None, amount, metadata or {}, None))

    def _refund(self, pi_id, charge_id, amount, metadata, reason):
        with self._lock:
            if pi_id:
                pi = self._get(self.payment_intents, "payment_intent", pi_id, "payment_intent")
                charge = self.charges.get(pi["latest_charge"])
                if not charge or charge["status"] != "succeeded":
                    raise StandInError(
                        400,
                        f"This PaymentIntent ({pi_id}) does not have a successful charge "
                        "to refund.",
                        param="payment_intent",
                    )
            else:
                charge = self._get(self.charges, "charge", charge_id, "charge")
            left = charge["amount"] - charge["amount_refunded"]
            if left <= 0:
                raise StandInError(
                    400,
                    f"Charge {charge['id']} has already been refunded.",
                    code="charge_already_refunded",
                )
            amount = left if amount is None else amount
            if amount > left:
                cur = charge["currency"]
                raise StandInError(
                    400,
                    f"Refund amount ({money_text(amount, cur)}) is greater than unrefunded "
                    f"amount on charge ({money_text(left, cur)})",
                    code="amount_too_large",
                    param="amount",
                )
            refund = {
                "id": new_id("re_"),
                "object": "refund",
                "amount": amount,
                "currency": charge["currency"],
                "charge": charge["id"],
                "payment_intent": charge["payment_intent"],
                "status": "succeeded",
                "reason": reason,
                "metadata": dict(metadata),
                "created": now(),
                "livemode": False,
            }
            self.refunds[refund["id"]] = refund
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
            charge["refunds"]["data"].insert(0, refund)  # Stripe lists newest first
            return refund

    def _create_refund(self, params):
        if not params.get("payment_intent") and not params.get("charge"):
            raise StandInError(400, "One of `charge` or `payment_intent` is required.")
        amount = int_param(params, "amount", minimum=1) if "amount" in params else None
        reason = params.get("reason")
        if reason is not None and reason not in _REFUND_REASONS:
            raise StandInError(
                400,
                "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer",
                param="reason",
            )
        return self._refund(
            params.get("payment_intent"),
            params.get("charge"),
            amount,
            params.get("metadata") or {},
            reason,
        )

    def dispute(self, payment_intent_id: str) -> dict:
        with self._lock:
            pi = self._get(self.payment_intents, "payment_intent", payment_intent_id)
            charge = self.charges[pi["latest_charge"]]
            charge["disputed"] = True
            dispute = {
                "id": new_id("dp_"),
                "object": "dispute",
                "amount": charge["amount"],
                "currency": charge["currency"],
                "charge": charge["id"],
                "payment_intent": payment_intent_id,
                "reason": "fraudulent",
                "status": "needs_response",
                "metadata": {},
                "created": now(),
                "livemode": False,
            }
            self.disputes[dispute["id"]] = dispute
            return copy.deepcopy(dispute)
