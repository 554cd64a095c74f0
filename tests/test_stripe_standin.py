"""The Stripe stand-in must satisfy the real ``stripe`` library, or tests built on it lie."""

import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from tests.stripe_standin import StripeStandIn, decode_params

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

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as exc:
        opener.open(urllib.request.Request(session.url, data=b"", method="POST"))
    assert exc.value.code == 303
    assert exc.value.headers["Location"] == f"http://app.test/paid?session={session.id}"

    (event,) = receiver.events  # delivered before the redirect was answered
    assert event.type == "checkout.session.completed"
    assert event.data.object.payment_status == "paid"
    assert standin.deliveries[0][1] == 200

    page = urllib.request.urlopen(session.url).read().decode()
    assert "This checkout session is complete." in page
    assert ">Pay<" not in page

    sent = standin.deliveries[0][0]
    assert standin.send_event(sent, secret="whsec_wrong") == 400  # no exception on 4xx
