"""A local stand-in for the parts of Stripe's REST API (and hosted Checkout page) we use.

It speaks the real wire protocol, so the official ``stripe`` library can be pointed at it
with ``stripe.StripeClient(key, base_addresses={"api": standin.url})`` and tests exercise
the same encoding, headers, idempotency and error handling as production, with no network.

What it knows: Checkout Sessions in payment mode (saving the card for later when asked)
and setup mode, the hosted page (``/pay/<id>``, with a list of test cards), Customers,
PaymentMethods, SetupIntents, PaymentIntents (including charging a saved card with the
client away), charges, refunds and disputes. Each module holds one part:
``checkout``, ``cards``, ``money``; ``server`` answers requests, ``wire`` speaks HTTP.

Stripe announces some things by itself: paying on the hosted page
(``checkout.session.completed``, and ``setup_intent.succeeded`` in setup mode) and
confirming an intent through the API (``payment_intent.succeeded`` /
``payment_intent.payment_failed``, ``setup_intent.succeeded``). Those events are kept in
``events`` and, with ``auto_webhooks`` on and a ``webhook_url`` set, signed and sent there
before the request that caused them is answered. Everything else real Stripe would
announce (refunds, disputes, expiry) is sent by the test with ``send_event(event(type,
obj))``, so each test decides exactly which events happen and when. Times (``created``,
signatures) come from this process's clock, so ``time_machine`` moves them too.
"""

import re

from tests.stripe_standin.cards import CARDS, SavedCards
from tests.stripe_standin.checkout import Checkout
from tests.stripe_standin.money import Payments
from tests.stripe_standin.server import StandInServer
from tests.stripe_standin.wire import API_VERSION, Headers, Recorded, StandInError, decode_params

__all__ = [
    "API_VERSION",
    "CARDS",
    "Headers",
    "Recorded",
    "StandInError",
    "StripeStandIn",
    "decode_params",
]


def _retrieve_route(resources: dict) -> tuple[str, str, str]:
    segments = "|".join(re.escape(segment) for segment in resources)
    return ("GET", rf"/v1/({segments})/([^/]+)", "_retrieve")


class StripeStandIn(Checkout, SavedCards, Payments, StandInServer):
    RESOURCES = Checkout.RESOURCES | SavedCards.RESOURCES | Payments.RESOURCES
    ROUTES = [
        *Checkout.ROUTES,
        *SavedCards.ROUTES,
        *Payments.ROUTES,
        _retrieve_route(RESOURCES),
    ]
