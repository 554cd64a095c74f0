"""The gateway's calls for saved cards: customers, a card saved at Checkout, and charging
it with the client away, each outcome as a plain result (against the Stripe stand-in)."""

import json

import pytest
import stripe

from sessions.payments import gateway
from tests.payment_fixtures import PAY_NOW


@pytest.fixture
def anna_at_stripe(stripe_standin):
    return gateway.customer_create(
        params={"email": "anna@example.com", "name": "Anna", "metadata": {"client_id": "3"}},
        idempotency_key="sitting-customer-3",
    )


def charge(customer: str, payment_method: str, **overrides):
    arguments = {
        "customer": customer,
        "payment_method": payment_method,
        "amount": 7500,
        "currency": "GBP",
        "metadata": {"payment_id": "12", "kind": "installment"},
        "idempotency_key": "sitting-charge-12-1",
    }
    return gateway.payment_intent_charge_off_session(**(arguments | overrides))


def test_a_customer_is_made_once_per_key(stripe_standin, anna_at_stripe):
    again = gateway.customer_create(
        params={"email": "anna@example.com", "name": "Anna", "metadata": {"client_id": "3"}},
        idempotency_key="sitting-customer-3",
    )
    assert again["id"] == anna_at_stripe["id"]
    assert list(stripe_standin.customers) == [anna_at_stripe["id"]]
    assert anna_at_stripe["metadata"] == {"client_id": "3"}


def test_a_card_saved_at_checkout_is_read_back(stripe_standin, anna_at_stripe):
    session = gateway.checkout_session_create(
        params={
            "mode": "setup",
            "currency": "gbp",
            "customer": anna_at_stripe["id"],
            "success_url": "http://testserver/saved",
        },
        idempotency_key="sitting-setup-3",
    )
    stripe_standin.complete_session(session["id"], card="declined")
    done = gateway.checkout_session_retrieve(session["id"])
    setup = gateway.setup_intent_retrieve(done["setup_intent"])
    card = gateway.payment_method_retrieve(setup["payment_method"])

    assert (setup["status"], setup["customer"]) == ("succeeded", anna_at_stripe["id"])
    assert (card["customer"], card["card"]["last4"]) == (anna_at_stripe["id"], "0341")
    assert gateway.payment_method_detach(card["id"])["customer"] is None
    assert gateway.payment_method_retrieve(card["id"])["customer"] is None


def test_a_successful_charge(stripe_standin, anna_at_stripe, pay_clock):
    card = stripe_standin.save_card(anna_at_stripe["id"])
    result = charge(anna_at_stripe["id"], card["id"], description="Installment 2 · SIT-42")

    assert (result["status"], result["message"], result["code"]) == ("succeeded", "", "")
    intent = result["payment_intent"]
    assert (intent["amount_received"], intent["currency"], intent["status"]) == (
        7500,
        "gbp",
        "succeeded",
    )
    assert intent["metadata"] == {"payment_id": "12", "kind": "installment"}
    assert intent["created"] == int(PAY_NOW.timestamp())  # the stand-in keeps the test's clock
    (sent,) = stripe_standin.requests_to("POST", "/v1/payment_intents")
    assert sent.headers["Idempotency-Key"] == "sitting-charge-12-1"
    assert sent.flat["confirm"] == sent.flat["off_session"] == "true"
    assert sent.params["description"] == "Installment 2 · SIT-42"

    # What Stripe announces verifies as Sitting's webhook would check it.
    (event,) = stripe_standin.events_of("payment_intent.succeeded")
    payload = json.dumps(event).encode()
    verified = gateway.webhook_event(payload=payload, signature=stripe_standin.sign(payload))
    assert (verified["type"], verified["data"]["object"]["id"]) == (
        "payment_intent.succeeded",
        intent["id"],
    )
    assert verified["created"] == int(PAY_NOW.timestamp())


@pytest.mark.parametrize(
    ("card", "status", "code", "decline_code"),
    [
        (
            "authentication_required",
            "requires_action",
            "authentication_required",
            "authentication_required",
        ),
        ("declined", "declined", "card_declined", "generic_decline"),
    ],
)
def test_a_charge_the_bank_refuses_is_a_result(
    stripe_standin, anna_at_stripe, card, status, code, decline_code
):
    method = stripe_standin.save_card(anna_at_stripe["id"], card)
    result = charge(anna_at_stripe["id"], method["id"])

    assert (result["status"], result["code"], result["decline_code"]) == (
        status,
        code,
        decline_code,
    )
    assert result["message"].startswith("Your card was declined.")
    intent = result["payment_intent"]
    assert (intent["status"], intent["amount_received"]) == ("requires_payment_method", 0)
    assert intent["metadata"]["payment_id"] == "12"
    assert [e["type"] for e in stripe_standin.events] == ["payment_intent.payment_failed"]
    # Asking again with the same key is answered the same, and charges nothing new.
    assert charge(anna_at_stripe["id"], method["id"]) == result
    assert len(stripe_standin.payment_intents) == 1


def test_what_stripe_refuses_outright_is_a_failed_result(stripe_standin, anna_at_stripe):
    card = stripe_standin.save_card(anna_at_stripe["id"])
    too_small = charge(anna_at_stripe["id"], card["id"], amount=10)
    assert (too_small["status"], too_small["code"], too_small["payment_intent"]) == (
        "failed",
        "amount_too_small",
        None,
    )
    assert too_small["message"] == "Amount must be at least 0.30 GBP"

    gateway.payment_method_detach(card["id"])
    removed = charge(anna_at_stripe["id"], card["id"], idempotency_key="sitting-charge-12-2")
    assert removed["status"] == "failed"
    assert "may not be used again" in removed["message"]
    assert stripe_standin.payment_intents == {}


def test_stripe_out_of_reach_raises_and_the_same_key_charges_once(stripe_standin, anna_at_stripe):
    card = stripe_standin.save_card(anna_at_stripe["id"])
    stripe_standin.fail_next("POST", "/v1/payment_intents", status=500, count=3)
    with pytest.raises(gateway.TEMPORARY_ERRORS):
        charge(anna_at_stripe["id"], card["id"])
    assert stripe_standin.payment_intents == {}

    first = charge(anna_at_stripe["id"], card["id"])
    again = charge(anna_at_stripe["id"], card["id"])
    assert first["status"] == again["status"] == "succeeded"
    assert again["payment_intent"]["id"] == first["payment_intent"]["id"]
    assert len(stripe_standin.payment_intents) == len(stripe_standin.events) == 1


def test_an_idempotency_key_reused_for_another_charge_raises(stripe_standin, anna_at_stripe):
    card = stripe_standin.save_card(anna_at_stripe["id"])
    charge(anna_at_stripe["id"], card["id"])
    with pytest.raises(stripe.IdempotencyError):
        charge(anna_at_stripe["id"], card["id"], amount=5000)
