"""The stand-in's hosted Checkout, in Chromium, saving a card the browser picks; then a charge
with the client away, through the gateway, whose webhook reaches Sitting signed."""

from playwright.sync_api import expect

from sessions.payments import gateway
from sessions.payments.models import StripeEvent


def test_a_card_saved_in_the_browser_is_charged_later(page, payments_on, live_server):
    session = gateway.checkout_session_create(
        params={
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "gbp",
                        "unit_amount": 5000,
                        "product_data": {"name": "Deposit"},
                    },
                }
            ],
            "customer_creation": "always",
            "customer_email": "anna@example.com",
            "payment_intent_data": {"setup_future_usage": "off_session"},
            "success_url": live_server.url + "/",
        },
        idempotency_key="browser-saved-card",
    )
    page.goto(session["url"])
    expect(page.get_by_text("charge your card for future payments")).to_be_visible()
    page.get_by_label("Test card").select_option("authentication_required")
    page.get_by_role("button", name="Pay").click()
    page.wait_for_url(live_server.url + "/")

    paid = gateway.checkout_session_retrieve(session["id"])
    intent = paid["payment_intent"]
    card = gateway.payment_method_retrieve(intent["payment_method"])
    assert (card["customer"], card["card"]["last4"]) == (paid["customer"], "3184")

    result = gateway.payment_intent_charge_off_session(
        customer=paid["customer"],
        payment_method=card["id"],
        amount=10000,
        currency="GBP",
        metadata={},
        idempotency_key="browser-installment",
    )
    assert result["status"] == "requires_action"
    # Both of Stripe's announcements reached Sitting's webhook and passed its signature check.
    assert [(e["type"], status) for e, status in payments_on.deliveries] == [
        ("checkout.session.completed", 200),
        ("payment_intent.payment_failed", 200),
    ]
    assert StripeEvent.objects.filter(type="payment_intent.payment_failed").count() == 1
    assert page.console_errors == []
