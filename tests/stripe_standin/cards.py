"""Saved cards: customers, payment methods (each standing for one of Stripe's test cards,
which decides how later charges go) and SetupIntents."""

from __future__ import annotations

import copy
import hashlib
import time
from dataclasses import dataclass

from tests.stripe_standin.wire import StandInError, choice, flag, new_id, now


@dataclass(frozen=True)
class TestCard:
    number: str
    label: str  # the hosted page's words for it


# The cards a test (`card=`) or the hosted page's "Test card" list may pick. Paying on the
# hosted page succeeds with each (a bank's question there is answered); charges made later
# with the client away (`off_session`) go as Stripe's test card of that number does.
CARDS = {
    "success": TestCard("4242424242424242", "Visa 4242 · always succeeds"),
    "authentication_required": TestCard(
        "4000002760003184", "Visa 3184 · the bank asks every time: refused off-session"
    ),
    "declined": TestCard("4000000000000341", "Visa 0341 · saves, then later charges decline"),
}

DOC_URL = "https://stripe.com/docs/error-codes/"


def card_key(card: str) -> str:
    if card not in CARDS:
        raise StandInError(400, f"The stand-in has no test card {card!r}: one of {list(CARDS)}.")
    return card


def return_url_check(params: dict) -> None:
    """Confirming an intent that may use redirecting payment methods (the default) needs a
    `return_url`, even for a saved card, unless `automatic_payment_methods[allow_redirects]`
    is `never` or `payment_method_types` names the methods."""
    automatic = params.get("automatic_payment_methods")
    no_redirects = isinstance(automatic, dict) and automatic.get("allow_redirects") == "never"
    if params.get("return_url") or params.get("payment_method_types") or no_redirects:
        return
    raise StandInError(
        400,
        "A `return_url` must be specified because this Payment Intent is configured to "
        "automatically accept the payment methods enabled in the Dashboard, some of which "
        "may require a full page redirect to succeed. If you do not want to accept "
        "redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` "
        "and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup "
        "Intents and Payment Intents.",
    )


class SavedCards:
    ROUTES = [
        ("POST", r"/v1/customers", "_create_customer"),
        ("POST", r"/v1/payment_methods/([^/]+)/detach", "_detach_payment_method"),
        ("POST", r"/v1/setup_intents", "_create_setup_intent"),
    ]
    RESOURCES = {
        "customers": ("customers", "customer"),
        "payment_methods": ("payment_methods", "PaymentMethod"),
        "setup_intents": ("setup_intents", "setup_intent"),
    }

    # -- test helpers -----------------------------------------------------------------------

    def create_customer(self, *, email=None, name=None, metadata=None) -> dict:
        return copy.deepcopy(
            self._create_customer({"email": email, "name": name, "metadata": metadata or {}})
        )

    def save_card(self, customer_id: str, card: str = "success") -> dict:
        """A payment method for `card` attached to the customer, as if saved earlier."""
        with self._lock:
            customer = self._get(self.customers, "customer", customer_id, "customer")
            pm = self._new_payment_method(card, customer=customer["id"], email=customer["email"])
            return copy.deepcopy(pm)

    def bank_changes_its_mind(self, payment_method_id: str, card: str) -> None:
        """From now on the saved card's bank answers as `card` does (one of `CARDS`): a
        card that paid before may be declined, or need the client to authenticate, later."""
        with self._lock:
            self._get(self.payment_methods, "PaymentMethod", payment_method_id)
            self._card_behaviour[payment_method_id] = card_key(card)

    # -- objects ----------------------------------------------------------------------------

    def _create_customer(self, params):
        customer = {
            "id": new_id("cus_"),
            "object": "customer",
            "email": params.get("email"),
            "name": params.get("name"),
            "phone": params.get("phone"),
            "description": params.get("description"),
            "metadata": dict(params.get("metadata") or {}),
            "invoice_settings": {"default_payment_method": None},
            "created": now(),
            "livemode": False,
        }
        self.customers[customer["id"]] = customer
        return customer

    def _new_payment_method(self, card, *, customer, email=None, allow_redisplay="limited"):
        number = CARDS[card_key(card)].number
        pm = {
            "id": new_id("pm_"),
            "object": "payment_method",
            "type": "card",
            "card": {
                "brand": "visa",
                "display_brand": "visa",
                "last4": number[-4:],
                "exp_month": 12,
                "exp_year": time.gmtime(now()).tm_year + 3,
                "country": "US",
                "funding": "credit",
                "fingerprint": hashlib.sha256(number.encode()).hexdigest()[:16],
                "wallet": None,
            },
            "billing_details": {"address": None, "email": email, "name": None, "phone": None},
            "customer": customer,
            "allow_redisplay": allow_redisplay,
            "metadata": {},
            "created": now(),
            "livemode": False,
        }
        self.payment_methods[pm["id"]] = pm
        self._card_behaviour[pm["id"]] = card
        if customer is None:
            self._spent_methods.add(pm["id"])  # used once to pay, never saved
        return pm

    def _detach_payment_method(self, pm_id, params):
        pm = self._get(self.payment_methods, "PaymentMethod", pm_id)
        if pm["customer"] is None:
            raise StandInError(
                400,
                "The payment method you provided is not attached to a customer so "
                "detachment is impossible.",
            )
        pm["customer"] = None
        self._spent_methods.add(pm_id)
        return pm

    def _usable_payment_method(self, params) -> dict | None:
        """The `payment_method` of an intent's parameters, checked against its `customer`."""
        customer = params.get("customer")
        if customer:
            self._get(self.customers, "customer", customer, "customer")
        if not params.get("payment_method"):
            return None
        pm = self._get(
            self.payment_methods, "PaymentMethod", params["payment_method"], "payment_method"
        )
        if pm["id"] in self._spent_methods:
            raise StandInError(
                400,
                "The provided PaymentMethod was previously used with a PaymentIntent without "
                "Customer attachment, shared with a connected account without Customer "
                "attachment, or was detached from a Customer. It may not be used again. To use "
                "a PaymentMethod multiple times, you must attach it to a Customer first.",
                param="payment_method",
            )
        if pm["customer"] != customer:
            raise StandInError(
                400,
                f"The provided PaymentMethod ({pm['id']}) belongs to Customer "
                f"{pm['customer']}; pass that Customer as `customer` to use it.",
                param="payment_method",
            )
        return pm

    def _new_setup_intent(self, *, customer, payment_method, usage, metadata, description):
        si_id = new_id("seti_")
        intent = {
            "id": si_id,
            "object": "setup_intent",
            "status": "requires_confirmation" if payment_method else "requires_payment_method",
            "customer": customer,
            "payment_method": payment_method,
            "usage": usage or "off_session",
            "description": description,
            "metadata": dict(metadata or {}),
            "next_action": None,
            "last_setup_error": None,
            "client_secret": f"{si_id}_secret_{new_id('')}",
            "payment_method_types": ["card"],
            "created": now(),
            "livemode": False,
        }
        self.setup_intents[si_id] = intent
        return intent

    def _succeed_setup(self, intent) -> None:
        """A confirmed SetupIntent: its card is saved on its customer, if it has one."""
        intent["status"] = "succeeded"
        if intent["customer"]:
            self.payment_methods[intent["payment_method"]]["customer"] = intent["customer"]

    def _create_setup_intent(self, params):
        pm = self._usable_payment_method(params)
        confirm = flag(params.get("confirm"))
        if confirm and pm is None:
            raise StandInError(
                400,
                "You cannot confirm this SetupIntent because it's missing a payment method.",
                param="payment_method",
            )
        if confirm:
            return_url_check(params)
        intent = self._new_setup_intent(
            customer=params.get("customer"),
            payment_method=pm["id"] if pm else None,
            usage=choice(params, "usage", ("off_session", "on_session")),
            metadata=params.get("metadata"),
            description=params.get("description"),
        )
        if not confirm:
            return intent
        if self._card_behaviour[pm["id"]] == "authentication_required":
            intent.update(status="requires_action", next_action={"type": "use_stripe_sdk"})
            self._announce("setup_intent.requires_action", intent)
        else:
            self._succeed_setup(intent)
            self._announce("setup_intent.succeeded", intent)
        return intent
