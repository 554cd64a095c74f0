"""The Stripe stand-in must satisfy the real ``stripe`` library, or tests built on it lie."""

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from tests.stripe_standin import CARDS, StandInError, StripeStandIn, decode_params

SECRET = "whsec_test_standin"


@pytest.fixture
def standin():
    with StripeStandIn(webhook_secret=SECRET).start() as server:
        yield server


@pytest.fixture
def client(standin):
    return stripe.StripeClient(
        "sk_test_123", base_addresses={"api": standin.url}, max_network_retries=0
    )


def session_params(**overrides):
    params = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "gbp",
                    "unit_amount": 5000,
                    "product_data": {"name": "Deposit", "description": "Family portrait"},
                },
                "quantity": 1,
            }
        ],
        "metadata": {"payment_id": "7"},
        "payment_intent_data": {"metadata": {"payment_id": "7"}, "description": "Deposit #7"},
        "client_reference_id": "7",
        "customer_email": "anna@example.com",
        "success_url": "http://app.test/paid?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://app.test/cancelled",
        "expires_at": int(time.time()) + 3600,
    }
    return params | overrides


class _Receiver(BaseHTTPRequestHandler):
    """A webhook endpoint that verifies signatures the way the app will."""

    def do_POST(self):
        payload = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.raw = (payload, self.headers["Stripe-Signature"])
        try:
            event = stripe.Webhook.construct_event(
                payload, self.headers["Stripe-Signature"], SECRET
            )
        except stripe.SignatureVerificationError:
            self.send_response(400)
        else:
            self.server.events.append(event)
            self.send_response(200)
        self.end_headers()

    def log_message(self, format, *args):
        pass


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


def post_form(url: str, **form) -> urllib.error.HTTPError | int:
    """Submit the hosted page's form as a browser would; a redirect is not followed."""
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data=data, method="POST")
    try:
        return urllib.request.build_opener(_NoRedirect).open(request).status
    except urllib.error.HTTPError as exc:
        return exc


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.events = []
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_decoding_matches_the_library_encoding():
    pairs = [
        ("line_items[0][price_data][unit_amount]", "5000"),
        ("line_items[1][quantity]", "2"),
        ("metadata[0]", "zero"),
        ("expand[]", "a"),
        ("expand[]", "b"),
        ("empty", ""),
    ]
    assert decode_params(pairs) == {
        "line_items": [{"price_data": {"unit_amount": "5000"}}, {"quantity": "2"}],
        "metadata": {"0": "zero"},
        "expand": ["a", "b"],
        "empty": "",
    }


def test_create_complete_and_retrieve_with_expand(standin, client):
    session = client.v1.checkout.sessions.create(
        params=session_params(), options={"idempotency_key": "k1"}
    )
    assert session.id.startswith("cs_test_")
    assert (session.status, session.payment_status) == ("open", "unpaid")
    assert session.amount_total == 5000
    assert session.url == f"{standin.url}/pay/{session.id}"
    assert session.payment_intent is None

    (recorded,) = standin.requests_to("POST", "/v1/checkout/sessions")
    assert recorded.headers["idempotency-key"] == "k1"
    assert recorded.params["line_items"][0]["price_data"]["unit_amount"] == "5000"
    assert recorded.params["payment_intent_data"]["metadata"] == {"payment_id": "7"}
    assert recorded.flat["metadata[payment_id]"] == "7"

    standin.complete_session(session.id)
    paid = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent.latest_charge"]}
    )
    assert (paid.status, paid.payment_status) == ("complete", "paid")
    assert paid.payment_intent.metadata.to_dict() == {"payment_id": "7"}
    assert paid.payment_intent.latest_charge.amount_refunded == 0
    assert paid.payment_intent.latest_charge.metadata.to_dict() == {}
    assert standin.requests[-1].params["expand"] == ["payment_intent.latest_charge"]

    with pytest.raises(stripe.InvalidRequestError, match=r"No such checkout\.session") as exc:
        client.v1.checkout.sessions.retrieve("cs_test_missing")
    assert exc.value.code == "resource_missing"


def test_idempotent_replay_returns_the_stored_response(standin, client):
    first = client.v1.checkout.sessions.create(
        params=session_params(), options={"idempotency_key": "k1"}
    )
    again = client.v1.checkout.sessions.create(
        params=session_params(expires_at=first.expires_at), options={"idempotency_key": "k1"}
    )
    assert again.id == first.id
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(standin.sessions) == 1
    assert len(standin.requests_to("POST", "/v1/checkout/sessions")) == 2

    with pytest.raises(stripe.IdempotencyError):
        client.v1.checkout.sessions.create(
            params=session_params(client_reference_id="8"), options={"idempotency_key": "k1"}
        )


def test_refunds_track_what_is_left(standin, client):
    session = client.v1.checkout.sessions.create(params=session_params())
    pi_id = standin.complete_session(session.id)["payment_intent"]

    partial = client.v1.refunds.create(
        params={"payment_intent": pi_id, "amount": 2000, "metadata": {"refund_id": "1"}}
    )
    assert (partial.object, partial.amount, partial.status) == ("refund", 2000, "succeeded")
    assert partial.metadata.to_dict() == {"refund_id": "1"}
    with pytest.raises(stripe.InvalidRequestError, match="greater than unrefunded") as exc:
        client.v1.refunds.create(params={"payment_intent": pi_id, "amount": 3001})
    assert exc.value.code == "amount_too_large"

    rest = client.v1.refunds.create(params={"payment_intent": pi_id})
    assert rest.amount == 3000
    charge = client.v1.charges.retrieve(standin.payment_intents[pi_id]["latest_charge"])
    assert (charge.amount_refunded, charge.refunded) == (5000, True)
    assert [r.id for r in charge.refunds.data] == [rest.id, partial.id]
    with pytest.raises(stripe.InvalidRequestError) as exc:
        client.v1.refunds.create(params={"payment_intent": pi_id})
    assert exc.value.code == "charge_already_refunded"


def test_validation_auth_and_injected_faults(standin, client):
    with pytest.raises(stripe.InvalidRequestError, match="at least 30 minutes"):
        client.v1.checkout.sessions.create(params=session_params(expires_at=int(time.time()) + 600))
    with pytest.raises(stripe.InvalidRequestError, match="less than 24 hours"):
        client.v1.checkout.sessions.create(
            params=session_params(expires_at=int(time.time()) + 25 * 3600)
        )

    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(f"{standin.url}/v1/charges/ch_1")
    assert exc.value.code == 401
    assert json.load(exc.value)["error"]["type"] == "invalid_request_error"

    standin.fail_next("POST", "/v1/checkout/sessions", status=500)
    with pytest.raises(stripe.APIError):
        client.v1.checkout.sessions.create(params=session_params())
    session = client.v1.checkout.sessions.create(params=session_params())
    expired = client.v1.checkout.sessions.expire(session.id)
    assert expired.status == "expired"
    with pytest.raises(stripe.InvalidRequestError, match="can be expired"):
        client.v1.checkout.sessions.expire(session.id)


def test_async_payment_then_dispute(standin, client):
    session = client.v1.checkout.sessions.create(params=session_params())
    pending = standin.complete_session(session.id, paid=False)
    assert (pending["status"], pending["payment_status"]) == ("complete", "unpaid")
    assert standin.payment_intents[pending["payment_intent"]]["status"] == "processing"
    assert standin.succeed_async(session.id)["payment_status"] == "paid"

    dispute = standin.dispute(pending["payment_intent"])
    assert (dispute["object"], dispute["amount"], dispute["status"]) == (
        "dispute",
        5000,
        "needs_response",
    )
    assert standin.charges[dispute["charge"]]["disputed"] is True


def test_signatures_are_accepted_by_the_library(standin):
    event = standin.event("charge.refunded", {"id": "ch_1", "object": "charge"})
    payload = json.dumps(event).encode()

    verified = stripe.Webhook.construct_event(payload, standin.sign(payload), SECRET)
    assert (verified.type, verified.data.object.id) == ("charge.refunded", "ch_1")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, standin.sign(payload, secret="whsec_other"), SECRET)
    stale = standin.sign(payload, timestamp=int(time.time()) - 3600)
    with pytest.raises(stripe.SignatureVerificationError, match="tolerance"):
        stripe.Webhook.construct_event(payload, stale, SECRET)


def test_hosted_page_pays_and_sends_the_webhook_first(standin, client, receiver):
    standin.webhook_url = f"http://127.0.0.1:{receiver.server_address[1]}/webhook"
    session = client.v1.checkout.sessions.create(params=session_params())

    page = urllib.request.urlopen(session.url).read().decode()
    assert "<title>Stand-in Checkout</title>" in page
    assert all(text in page for text in ("Deposit", "Family portrait", "50.00", ">Pay<"))

    redirect = post_form(session.url)
    assert redirect.code == 303
    assert redirect.headers["Location"] == f"http://app.test/paid?session={session.id}"

    (event,) = receiver.events  # delivered before the redirect was answered
    assert event.type == "checkout.session.completed"
    assert event.data.object.payment_status == "paid"
    assert standin.deliveries[0][1] == 200

    page = urllib.request.urlopen(session.url).read().decode()
    assert "This checkout session is complete." in page
    assert ">Pay<" not in page

    sent = standin.deliveries[0][0]
    assert standin.send_event(sent, secret="whsec_wrong") == 400  # no exception on 4xx


# -- saved cards and charges with the client away -----------------------------------------


def saving_session(client, **overrides):
    """A deposit whose Checkout makes a customer and saves the card for later."""
    params = session_params(
        customer_creation="always",
        payment_intent_data={"setup_future_usage": "off_session", "metadata": {"payment_id": "7"}},
        consent_collection={"payment_method_reuse_agreement": {"position": "auto"}},
    )
    return client.v1.checkout.sessions.create(params=params | overrides)


def off_session_params(customer, payment_method, **overrides):
    params = {
        "amount": 10000,
        "currency": "gbp",
        "customer": customer,
        "payment_method": payment_method,
        "confirm": True,
        "off_session": True,
        "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
        "metadata": {"payment_id": "8"},
    }
    return params | overrides


def test_checkout_saves_the_card_on_a_new_customer(standin, client):
    session = saving_session(client)
    assert (session.customer, session.customer_creation) == (None, "always")
    assert session.consent_collection.payment_method_reuse_agreement.position == "auto"

    paid = standin.complete_session(session.id, card="declined")
    intent = client.v1.payment_intents.retrieve(
        paid["payment_intent"], params={"expand": ["payment_method"]}
    )
    assert paid["customer"].startswith("cus_")
    assert paid["customer_details"]["email"] == "anna@example.com"
    assert (intent.status, intent.customer, intent.setup_future_usage) == (
        "succeeded",
        paid["customer"],
        "off_session",
    )
    assert intent.payment_method.customer == paid["customer"]
    assert (intent.payment_method.card.last4, intent.payment_method.type) == ("0341", "card")
    customer = client.v1.customers.retrieve(paid["customer"])
    assert (customer.email, customer.object) == ("anna@example.com", "customer")
    assert customer.created == pytest.approx(time.time(), abs=5)


def test_checkout_for_a_known_customer_and_its_refusals(standin, client):
    customer = client.v1.customers.create(
        params={"email": "anna@example.com", "name": "Anna", "metadata": {"client_id": "3"}},
        options={"idempotency_key": "customer-3"},
    )
    assert customer.metadata.to_dict() == {"client_id": "3"}
    with pytest.raises(stripe.InvalidRequestError, match="only specify one of"):
        saving_session(client, customer=customer.id)  # with customer_email
    with pytest.raises(stripe.InvalidRequestError, match="No such customer") as exc:
        client.v1.checkout.sessions.create(
            params=session_params(customer="cus_missing", customer_email=None)
        )
    assert exc.value.param == "customer"

    params = session_params(customer=customer.id, payment_intent_data={"setup_future_usage": "x"})
    del params["customer_email"]
    with pytest.raises(stripe.InvalidRequestError, match="setup_future_usage"):
        client.v1.checkout.sessions.create(params=params)
    params["payment_intent_data"]["setup_future_usage"] = "off_session"
    paid = standin.complete_session(client.v1.checkout.sessions.create(params=params).id)
    assert paid["customer"] == customer.id
    pm_id = standin.payment_intents[paid["payment_intent"]]["payment_method"]
    assert standin.payment_methods[pm_id]["customer"] == customer.id
    assert paid["customer_details"]["email"] == "anna@example.com"


def test_a_card_paid_without_saving_cannot_be_charged_again(standin, client):
    paid = standin.complete_session(client.v1.checkout.sessions.create(params=session_params()).id)
    intent = standin.payment_intents[paid["payment_intent"]]
    assert (paid["customer"], intent["customer"], intent["setup_future_usage"]) == (None,) * 3
    with pytest.raises(stripe.InvalidRequestError, match="may not be used again"):
        client.v1.payment_intents.create(params=off_session_params(None, intent["payment_method"]))


def test_setup_mode_saves_a_card_and_says_so(standin, client, receiver):
    standin.webhook_url = f"http://127.0.0.1:{receiver.server_address[1]}/webhook"
    customer = standin.create_customer(email="anna@example.com")
    with pytest.raises(stripe.InvalidRequestError, match="line_items"):
        client.v1.checkout.sessions.create(params=session_params(mode="setup"))
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "setup",
            "currency": "gbp",
            "customer": customer["id"],
            "setup_intent_data": {"metadata": {"client_id": "3"}},
            "success_url": "http://app.test/saved",
        }
    )
    assert (session.payment_status, session.amount_total, session.setup_intent) == (
        "no_payment_required",
        None,
        None,
    )
    page = urllib.request.urlopen(session.url).read().decode()
    assert ">Save card<" in page
    assert "charge your card for future payments" in page
    assert post_form(session.url, card="authentication_required").code == 303

    assert [e.type for e in receiver.events] == [
        "setup_intent.succeeded",
        "checkout.session.completed",
    ]
    done = client.v1.checkout.sessions.retrieve(session.id)
    intent = client.v1.setup_intents.retrieve(done.setup_intent)
    assert (done.status, intent.status, intent.usage) == ("complete", "succeeded", "off_session")
    assert intent.metadata.to_dict() == {"client_id": "3"}
    method = client.v1.payment_methods.retrieve(intent.payment_method)
    assert (method.customer, method.card.last4) == (customer["id"], "3184")


def test_setup_intents_through_the_api(standin, client):
    customer = standin.create_customer(email="anna@example.com")
    card = standin.save_card(customer["id"], "success")
    waiting = client.v1.setup_intents.create(params={"customer": customer["id"]})
    assert (waiting.status, waiting.usage) == ("requires_payment_method", "off_session")
    with pytest.raises(stripe.InvalidRequestError, match="return_url"):
        client.v1.setup_intents.create(
            params={"customer": customer["id"], "payment_method": card["id"], "confirm": True}
        )
    done = client.v1.setup_intents.create(
        params={
            "customer": customer["id"],
            "payment_method": card["id"],
            "confirm": True,
            "return_url": "http://app.test/back",
        }
    )
    assert done.status == "succeeded"
    assert [e["type"] for e in standin.events] == ["setup_intent.succeeded"]
    assert client.v1.setup_intents.retrieve(done.id).payment_method == card["id"]


def test_an_off_session_charge_succeeds_and_announces_it(standin, client, receiver, settings):
    from sessions.payments import gateway

    settings.STRIPE_WEBHOOK_SECRET = SECRET
    standin.webhook_url = f"http://127.0.0.1:{receiver.server_address[1]}/webhook"
    customer = standin.create_customer(email="anna@example.com")
    card = standin.save_card(customer["id"])
    params = off_session_params(customer["id"], card["id"])
    intent = client.v1.payment_intents.create(params=params, options={"idempotency_key": "i-8"})

    assert (intent.status, intent.amount_received, intent.customer) == (
        "succeeded",
        10000,
        customer["id"],
    )
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert (charge.status, charge.paid, charge.payment_method) == ("succeeded", True, card["id"])
    (payload, signature) = receiver.raw  # delivered before the answer came
    event = gateway.webhook_event(payload=payload, signature=signature)
    assert event["type"] == "payment_intent.succeeded"
    assert event["data"]["object"]["metadata"] == {"payment_id": "8"}

    again = client.v1.payment_intents.create(params=params, options={"idempotency_key": "i-8"})
    assert again.id == intent.id
    assert len(standin.events) == len(standin.deliveries) == 1  # a replay announces nothing
    with pytest.raises(stripe.IdempotencyError):
        client.v1.payment_intents.create(
            params=params | {"amount": 9000}, options={"idempotency_key": "i-8"}
        )
    refund = client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 2500})
    assert (refund.amount, refund.charge) == (2500, charge.id)


@pytest.mark.parametrize(
    ("card", "code", "decline_code"),
    [
        ("authentication_required", "authentication_required", "authentication_required"),
        ("declined", "card_declined", "generic_decline"),
    ],
)
def test_an_off_session_charge_the_bank_refuses(standin, client, card, code, decline_code):
    customer = standin.create_customer(email="anna@example.com")
    method = standin.save_card(customer["id"], card)
    params = off_session_params(customer["id"], method["id"])
    with pytest.raises(stripe.CardError) as exc:
        client.v1.payment_intents.create(params=params, options={"idempotency_key": "i-9"})

    error = exc.value
    assert (error.http_status, error.code, error.error.decline_code) == (402, code, decline_code)
    assert error.json_body["error"]["type"] == "card_error"
    refused = error.error.payment_intent
    assert (refused.status, refused.last_payment_error.code) == ("requires_payment_method", code)
    assert error.error.payment_method.id == method["id"]
    stored = client.v1.payment_intents.retrieve(refused.id)
    assert (stored.status, stored.amount_received) == ("requires_payment_method", 0)
    assert client.v1.charges.retrieve(stored.latest_charge).failure_code == code
    (event,) = standin.events  # kept, though no webhook_url is set
    assert (event["type"], event["data"]["object"]["id"]) == (
        "payment_intent.payment_failed",
        refused.id,
    )
    with pytest.raises(stripe.CardError) as replayed:
        client.v1.payment_intents.create(params=params, options={"idempotency_key": "i-9"})
    assert replayed.value.error.payment_intent.id == refused.id
    assert len(standin.payment_intents) == len(standin.events) == 1
    with pytest.raises(stripe.InvalidRequestError, match="does not have a successful charge"):
        client.v1.refunds.create(params={"payment_intent": refused.id})


def test_a_saved_card_whose_bank_later_asks_to_authenticate(standin, client):
    customer = standin.create_customer(email="anna@example.com")
    method = standin.save_card(customer["id"], "success")
    params = off_session_params(customer["id"], method["id"])
    first = client.v1.payment_intents.create(params=params, options={"idempotency_key": "b-1"})
    assert first.status == "succeeded"

    standin.bank_changes_its_mind(method["id"], "authentication_required")
    with pytest.raises(stripe.CardError) as exc:
        client.v1.payment_intents.create(params=params, options={"idempotency_key": "b-2"})
    assert exc.value.code == "authentication_required"
    with pytest.raises(StandInError):
        standin.bank_changes_its_mind(method["id"], "no-such-card")


def test_what_stripe_refuses_before_charging(standin, client):
    anna, ben = standin.create_customer(), standin.create_customer()
    card = standin.save_card(anna["id"], "authentication_required")
    cases = [
        ({"amount": 20}, "at least 0.30 GBP"),
        ({"off_session": True, "confirm": False}, "off_session"),
        ({"payment_method": None}, "missing a payment method"),
        ({"customer": ben["id"]}, "belongs to Customer"),
        ({"automatic_payment_methods": None}, "return_url"),
        ({"payment_method": "pm_missing"}, "No such PaymentMethod"),
    ]
    for overrides, message in cases:
        params = off_session_params(anna["id"], card["id"]) | overrides
        params = {k: v for k, v in params.items() if v is not None}
        with pytest.raises(stripe.InvalidRequestError, match=message):
            client.v1.payment_intents.create(params=params)
    assert standin.payment_intents == {}

    # With the client at hand, the bank's question waits for them instead.
    params = off_session_params(anna["id"], card["id"], off_session=False)
    assert client.v1.payment_intents.create(params=params).status == "requires_action"
    client.v1.payment_methods.detach(card["id"])
    with pytest.raises(stripe.InvalidRequestError, match="detached"):
        client.v1.payment_intents.create(params=params)


def test_the_hosted_page_lets_a_browser_pick_the_card_and_agree(standin, client):
    params = session_params(
        customer_creation="always",
        saved_payment_method_options={"payment_method_save": "enabled"},
        consent_collection={"terms_of_service": "required"},
    )
    session = client.v1.checkout.sessions.create(params=params)
    page = urllib.request.urlopen(session.url).read().decode()
    assert all(f'value="{card}"' in page for card in CARDS)
    assert 'name="save_card"' in page
    assert "charge your card for future payments" not in page  # not asked for off-session

    refused = post_form(session.url, card="declined", save_card="yes")  # terms not accepted
    assert refused.code == 400
    assert "Please accept the terms first." in refused.read().decode()
    assert standin.sessions[session.id]["status"] == "open"
    assert post_form(session.url, card="declined", save_card="yes", terms="accepted").code == 303
    paid = client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent.payment_method"]}
    )
    assert paid.consent.terms_of_service == "accepted"
    method = paid.payment_intent.payment_method
    assert (method.customer, method.allow_redisplay, method.card.last4) == (
        paid.customer,
        "always",
        "0341",
    )
