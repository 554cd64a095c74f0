"""Refunding a gift voucher's sale, through the Stripe stand-in and its signed webhook: the
studio refunds what is left on a voucher sold online (once, whatever happens to Stripe's
answer), a voucher the studio gave or used in full is refused plainly, and refunds made in
Stripe's dashboard reach the voucher, the ledger and the month's CSV exactly once."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

from sessions.models import GiftVoucher, VoucherPayment, VoucherRefund
from sessions.payments.errors import PaymentRefused, PaymentServiceUnavailable
from sessions.payments.exports import month_csv
from sessions.payments.ledger import money_ledger
from sessions.payments.voucher_refunds import voucher_refund
from sessions.payments.voucher_sales import voucher_give
from sessions.payments.vouchers import voucher_remaining
from sessions.services import booking_create
from studio.actors import ActorKind
from studio.models import SentEmail
from tests.factories import ClientFactory, UserFactory
from tests.payment_fixtures import LONDON, PAY_NOW, PAY_TEN

BUY = {
    "choice": "amount:20000",
    "buyer_name": "Rosa Diaz",
    "buyer_email": "rosa@example.com",
    "recipient_name": "Amy Santiago",
    "recipient_email": "amy@example.com",
}


@pytest.fixture
def deliver(post_event, eager_tasks, django_capture_on_commit_callbacks):
    """A signed event to the webhook, the tasks it queues run as a worker would."""

    def run(event):
        with django_capture_on_commit_callbacks(execute=True):
            return post_event(event)

    return run


@pytest.fixture
def sold(stripe_standin, pay_clock, studio, client, deliver) -> VoucherPayment:
    """Rosa bought Amy a £200 voucher on /gift/ and paid through Checkout; its emails went."""
    client.post(reverse("sessions:gift-voucher-buy"), BUY)
    sale = VoucherPayment.objects.get()
    paid = stripe_standin.complete_session(sale.stripe_checkout_session_id)
    assert deliver(stripe_standin.event("checkout.session.completed", paid)).status_code == 200
    sale.refresh_from_db()
    assert (sale.status, sale.amount_received) == ("paid", 20000)
    mail.outbox.clear()
    stripe_standin.requests.clear()
    return sale


@pytest.fixture
def manager(client, db):
    """Staff who may see vouchers and handle money, signed in."""
    user = UserFactory(username="bookkeeper", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_giftvoucher", "manage_payments"])
    )
    client.force_login(user)
    return user


@pytest.fixture
def press(client, manager, run_tasks):
    """Press "Refund what is left on the voucher" on the list; the page it comes back to."""

    def run(voucher: GiftVoucher) -> str:
        with run_tasks():
            response = client.post(
                reverse("admin:shoots_giftvoucher_changelist"),
                {"action": "refund_remaining", "_selected_action": [voucher.pk]},
                follow=True,
            )
        assert response.status_code == 200
        return response.content.decode()

    return run


def use_on_a_booking(portrait, amount_left_to_pay: int = 0, *, hours: int = 0):
    """A client books a £150 portrait paying with Amy's voucher's code."""
    return booking_create(
        client=ClientFactory(),
        session_type=portrait,
        starts_at=PAY_TEN + timedelta(hours=hours),
        tz=LONDON,
        code=GiftVoucher.objects.get().code,
    )


def refund_posts(stripe_standin):
    return stripe_standin.requests_to("POST", "/v1/refunds")


def june():
    (month,) = money_ledger(since=PAY_NOW - timedelta(days=1), until=PAY_TEN, zone=LONDON)
    return month


def csv_rows(kind: str) -> list[tuple[str, str, str]]:
    rows = csv.DictReader(io.StringIO(month_csv(date(2026, 6, 1), LONDON)))
    return [(r["Number"], r["Gross"], r["Reference"]) for r in rows if r["Type"] == kind]


def test_the_studio_refunds_what_is_left_after_a_booking_used_part_of_it(
    sold, portrait, press, manager, stripe_standin, deliver
):
    voucher = sold.voucher
    assert use_on_a_booking(portrait).gift_voucher_amount == 15000
    page = press(voucher)

    assert f"£50.00 refunded on {voucher.code}" in page
    (sent,) = refund_posts(stripe_standin)
    assert sent.params["payment_intent"] == sold.stripe_payment_intent_id
    assert sent.params["amount"] == "5000"
    assert sent.params["metadata"]["gift_voucher_id"] == str(voucher.pk)
    assert sent.headers["Idempotency-Key"] == f"sitting-gift-voucher-{voucher.pk}-refund-1"
    sold.refresh_from_db()
    assert (sold.amount_refunded, sold.refunded_at) == (5000, PAY_NOW)
    refund = VoucherRefund.objects.get()
    assert (refund.amount, refund.status, refund.reason) == (5000, "succeeded", "studio")
    assert (refund.actor, refund.actor_user) == (ActorKind.STAFF, manager)
    voucher.refresh_from_db()
    assert (voucher.status, voucher.voided_at) == (GiftVoucher.Status.VOID, PAY_NOW)
    assert voucher_remaining(voucher) == 0
    (email,) = mail.outbox
    assert email.to == ["Rosa Diaz <rosa@example.com>"]
    assert email.subject == f"We've refunded £50.00 for gift voucher {voucher.code}"
    assert "to the card you paid with" in email.body
    assert "Nothing is left on the voucher now." in email.body

    # Stripe then announces it: the same refund, recorded already; nothing changes.
    charge = stripe_standin.charges[stripe_standin.refunds[refund.stripe_refund_id]["charge"]]
    assert deliver(stripe_standin.event("charge.refunded", charge)).content == (
        f"gift voucher payment {sold.pk} has 5000 refunded".encode()
    )
    assert VoucherRefund.objects.count() == 1
    assert len(mail.outbox) == 1
    # The books: £200 in, £50 out, in June; the month's CSV says the same.
    assert (june().received, june().refunded) == (20000, 5000)
    assert csv_rows("Gift voucher refund") == [(voucher.code, "-50.00", refund.stripe_refund_id)]
    # Pressing again finds nothing left, and asks Stripe nothing.
    assert f"Nothing is left on {voucher.code} to refund" in press(voucher)
    assert len(refund_posts(stripe_standin)) == 1


def test_an_unused_voucher_is_refunded_in_full_and_can_no_longer_be_used(
    sold, portrait, press, stripe_standin
):
    press(sold.voucher)
    assert stripe_standin.refunds.popitem()[1]["amount"] == 20000
    sold.refresh_from_db()
    assert sold.amount_refunded == 20000
    with pytest.raises(Exception, match="no longer valid"):
        use_on_a_booking(portrait)
    assert "Nothing is left on the voucher now." in mail.outbox[0].body


def test_a_voucher_given_by_the_studio_is_refused_plainly_and_nothing_changes(
    studio, stripe_standin, pay_clock, press
):
    given = voucher_give(voucher=GiftVoucher(value=5000, currency="GBP", recipient_name="Gina"))
    page = press(given)
    assert f"{given.code} was given by the studio: nothing was paid for it" in page
    assert refund_posts(stripe_standin) == []
    given.refresh_from_db()
    assert given.status == GiftVoucher.Status.PAID
    assert voucher_remaining(given) == 5000
    assert mail.outbox == []


def test_a_voucher_used_in_full_is_refused_plainly_and_stripe_is_not_asked(
    sold, portrait, press, stripe_standin
):
    use_on_a_booking(portrait)
    use_on_a_booking(portrait, hours=2)  # the last £50
    page = press(sold.voucher)
    assert f"Nothing is left on {sold.voucher.code} to refund" in page
    assert refund_posts(stripe_standin) == []
    assert GiftVoucher.objects.get().status == GiftVoucher.Status.PAID
    assert VoucherRefund.objects.count() == 0


def test_when_stripe_cannot_be_reached_nothing_changes_and_pressing_again_refunds_once(
    sold, press, stripe_standin
):
    stripe_standin.fail_next("POST", "/v1/refunds", status=500, count=3)  # with its retries
    page = press(sold.voucher)
    assert "We couldn&#x27;t reach Stripe just now, so nothing was refunded" in page
    voucher = GiftVoucher.objects.get()
    assert (voucher.status, voucher.voided_at) == (GiftVoucher.Status.PAID, None)
    assert voucher_remaining(voucher) == 20000
    assert (VoucherRefund.objects.count(), stripe_standin.refunds, mail.outbox) == (0, {}, [])

    assert "£200.00 refunded" in press(voucher)
    keys = {r.headers["Idempotency-Key"] for r in refund_posts(stripe_standin)}
    assert keys == {f"sitting-gift-voucher-{voucher.pk}-refund-1"}  # every try, one key
    assert len(stripe_standin.refunds) == 1
    assert VoucherRefund.objects.get().amount == 20000


def test_an_answer_lost_on_the_way_back_is_not_refunded_twice(sold, stripe_standin, pay_clock):
    """Stripe made the refund but Sitting never heard: pressing again sends the same key,
    and Stripe answers with the refund it made."""
    made = voucher_refund(voucher_id=sold.voucher_id)
    # As if the answer had been lost: Sitting recorded nothing.
    VoucherRefund.objects.all().delete()
    VoucherPayment.objects.filter(pk=sold.pk).update(amount_refunded=0, refunded_at=None)
    GiftVoucher.objects.filter(pk=sold.voucher_id).update(status="paid", voided_at=None)

    again = voucher_refund(voucher_id=sold.voucher_id)
    assert again.stripe_refund_id == made.stripe_refund_id
    assert len(stripe_standin.refunds) == 1
    replayed = refund_posts(stripe_standin)[-1]
    assert replayed.headers["Idempotency-Key"] == f"sitting-gift-voucher-{sold.voucher_id}-refund-1"
    assert VoucherPayment.objects.get().amount_refunded == 20000


def test_a_refund_stripe_refuses_says_why_and_changes_nothing(sold, stripe_standin, pay_clock):
    stripe_standin.refund(sold.stripe_payment_intent_id)  # in full, in the dashboard, unseen yet
    with pytest.raises(PaymentRefused, match="Stripe refused to refund") as refused:
        voucher_refund(voucher_id=sold.voucher_id)
    assert not isinstance(refused.value, PaymentServiceUnavailable)
    assert "has already been refunded" in refused.value.message
    assert GiftVoucher.objects.get().status == GiftVoucher.Status.PAID
    assert VoucherRefund.objects.count() == 0


def test_a_refund_in_stripes_dashboard_takes_its_amount_off_the_voucher_once(
    sold, stripe_standin, deliver
):
    intent = sold.stripe_payment_intent_id
    refund = stripe_standin.refund(intent, 3000)
    charge = stripe_standin.charges[refund["charge"]]
    event = stripe_standin.event("charge.refunded", charge)
    assert deliver(event).status_code == 200

    voucher = GiftVoucher.objects.get()
    assert voucher.status == GiftVoucher.Status.PAID  # a part: the rest is still usable
    assert voucher_remaining(voucher) == 17000
    row = VoucherRefund.objects.get()
    assert (row.amount, row.reason, row.actor, row.stripe_refund_id) == (
        3000,
        "stripe",
        ActorKind.STRIPE,
        refund["id"],
    )
    (email,) = mail.outbox
    assert "We've refunded £30.00" in email.body
    assert "£170.00 is still on the voucher to use." in email.body

    # The same event again, and another saying the same: nothing changes.
    assert deliver(event).content == b"already processed"
    assert deliver(stripe_standin.event("refund.updated", refund)).status_code == 200
    assert (VoucherRefund.objects.count(), len(mail.outbox)) == (1, 1)
    assert VoucherPayment.objects.get().amount_refunded == 3000
    assert june().refunded == 3000

    # The rest refunded there too: the sale is refunded in full, the voucher void.
    rest = stripe_standin.refund(intent)
    assert rest["charge"] == charge["id"]
    assert deliver(stripe_standin.event("charge.refunded", charge)).status_code == 200
    voucher.refresh_from_db()
    assert (voucher.status, voucher_remaining(voucher)) == (GiftVoucher.Status.VOID, 0)
    assert VoucherPayment.objects.get().amount_refunded == 20000
    assert SentEmail.objects.filter(kind="gift-voucher-refunded").count() == 2


def test_a_dashboard_refund_of_more_than_is_left_never_takes_the_voucher_below_nothing(
    sold, portrait, stripe_standin, deliver
):
    use_on_a_booking(portrait)  # £150 of the £200 paid on a booking
    refund = stripe_standin.refund(sold.stripe_payment_intent_id)  # all £200 given back
    deliver(stripe_standin.event("charge.refunded", stripe_standin.charges[refund["charge"]]))
    voucher = GiftVoucher.objects.get()
    assert (voucher.status, voucher_remaining(voucher)) == (GiftVoucher.Status.VOID, 0)
    assert (june().received, june().refunded) == (20000, 20000)  # Stripe's word


def test_a_refund_event_before_sitting_saw_the_sale_paid_finds_it_by_its_metadata(
    stripe_standin, pay_clock, studio, client, deliver
):
    client.post(reverse("sessions:gift-voucher-buy"), BUY)
    sale = VoucherPayment.objects.get()
    paid = stripe_standin.complete_session(sale.stripe_checkout_session_id)
    intent = paid["payment_intent"]
    intent = intent if isinstance(intent, str) else intent["id"]
    refund = stripe_standin.refund(intent, 5000)  # the paid event is still on its way
    deliver(stripe_standin.event("charge.refunded", stripe_standin.charges[refund["charge"]]))

    sale.refresh_from_db()
    assert (sale.status, sale.stripe_payment_intent_id, sale.amount_refunded) == (
        "paid",
        intent,
        5000,
    )
    assert voucher_remaining(sale.voucher) == 15000
    # Then the paid event: nothing more to record.
    deliver(stripe_standin.event("checkout.session.completed", paid))
    assert VoucherRefund.objects.count() == 1


def test_a_refund_the_bank_fails_later_comes_off_the_books_and_back_on_the_voucher(
    sold, press, stripe_standin, deliver
):
    press(sold.voucher)
    row = VoucherRefund.objects.get()
    refund = stripe_standin.refunds[row.stripe_refund_id]
    refund["status"], refund["failure_reason"] = "failed", "expired_or_canceled_card"
    deliver(stripe_standin.event("refund.updated", refund))

    row.refresh_from_db()
    assert (row.status, row.failure_reason) == ("failed", "expired_or_canceled_card")
    sold.refresh_from_db()
    assert sold.amount_refunded == 0
    assert voucher_remaining(sold.voucher) == 20000  # void still: the studio decides again
    assert june().refunded == 0
    assert csv_rows("Gift voucher refund") == []
    assert len(mail.outbox) == 1  # only the first email, when it was made


def test_staff_who_may_not_handle_money_are_not_offered_the_refund(sold, client, stripe_standin):
    looker = UserFactory(username="looker", is_staff=True)
    looker.user_permissions.set(Permission.objects.filter(codename="change_giftvoucher"))
    client.force_login(looker)
    changelist = reverse("admin:shoots_giftvoucher_changelist")
    assert "refund_remaining" not in client.get(changelist).content.decode()
    client.post(changelist, {"action": "refund_remaining", "_selected_action": [sold.voucher_id]})
    assert refund_posts(stripe_standin) == []
    assert VoucherRefund.objects.count() == 0


def test_the_vouchers_page_shows_its_refunds_and_what_is_left(
    sold, portrait, press, client, django_assert_max_num_queries
):
    use_on_a_booking(portrait)
    press(sold.voucher)
    page = client.get(
        reverse("admin:shoots_giftvoucher_change", args=[sold.voucher_id])
    ).content.decode()
    assert "£50.00 · 1 Jun 2026, 09:00 · Refunded · What was left, refunded by the studio" in page
    with django_assert_max_num_queries(8):
        listing = client.get(reverse("admin:shoots_giftvoucher_changelist")).content.decode()
    assert "£0.00" in listing  # left: £200 less £150 used less £50 refunded
