"""Payments in the admin: the list with its filters and monthly totals, a booking's payments."""

import html
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from sessions.models import Booking, Payment, Refund, StripeEvent
from sessions.payments.checkout import balance_request, deposit_payment_create, payment_checkout_url
from sessions.payments.ledger import money_ledger
from sessions.payments.refunds import refund_create
from studio.models import Studio
from tests.factories import BookingFactory, SessionTypeFactory


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def owner(client, staff_user):
    client.force_login(staff_user)
    return client


def paid(booking, amount, when, *, kind=Payment.Kind.DEPOSIT, refunded=0, pi=None):
    payment = Payment.objects.create(
        booking=booking,
        kind=kind,
        amount=amount,
        currency="GBP",
        amount_received=amount,
        currency_received="GBP",
        status=Payment.Status.PARTIALLY_REFUNDED if refunded else Payment.Status.PAID,
        amount_refunded=refunded,
        paid_at=when,
        stripe_payment_intent_id=pi,
    )
    if refunded:
        refund = Refund.objects.create(
            payment=payment,
            amount=refunded,
            currency="GBP",
            reason=Refund.Reason.STUDIO,
            status=Refund.Status.SUCCEEDED,
        )
        Refund.objects.filter(pk=refund.pk).update(created_at=when)
    return payment


@time_machine.travel(datetime(2026, 7, 15, 12, tzinfo=UTC), tick=False)
def test_the_payment_list_shows_totals_per_month_in_the_studios_time(
    owner, studio, django_assert_max_num_queries
):
    june, july = BookingFactory(), BookingFactory()
    paid(june, 5000, datetime(2026, 6, 3, 10, tzinfo=UTC), refunded=2000)
    # 23:30 UTC on 30 June is already July in London: it counts in July.
    paid(july, 5000, datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    paid(july, 10000, datetime(2026, 7, 2, 10, tzinfo=UTC), kind=Payment.Kind.BALANCE)
    for n in range(30):
        paid(BookingFactory(), 1000, datetime(2026, 7, 5, 10, tzinfo=UTC), pi=f"pi_{n}")

    with django_assert_max_num_queries(10):
        response = owner.get(reverse("admin:shoots_payment_changelist"))
    page = text(response)
    start = page.index('id="monthly-totals"')
    totals = page[start : page.index("</table>", start)]
    assert '<th scope="row">July 2026</th><td>32</td><td>£450.00</td><td>£0.00</td>' in totals
    assert '<th scope="row">June 2026</th><td>1</td><td>£50.00</td><td>£20.00</td>' in totals
    assert "<strong>£30.00</strong>" in totals


def test_the_payment_list_filters_by_status_kind_and_dispute(owner, studio):
    booking = BookingFactory()
    deposit = paid(booking, 5000, datetime(2026, 6, 3, tzinfo=UTC), pi="pi_dep")
    balance = paid(booking, 9000, datetime(2026, 6, 9, tzinfo=UTC), kind=Payment.Kind.BALANCE)
    Payment.objects.filter(pk=deposit.pk).update(disputed_at=datetime(2026, 6, 20, tzinfo=UTC))
    url = reverse("admin:shoots_payment_changelist")

    def listed(query: str) -> set[int]:
        response = owner.get(f"{url}?{query}")
        return {
            pk
            for pk in (deposit.pk, balance.pk)
            if f"/shoots/payment/{pk}/change/" in text(response)
        }

    assert listed("kind__exact=balance") == {balance.pk}
    assert listed("disputed=yes") == {deposit.pk}
    assert listed("status__exact=paid") == {deposit.pk, balance.pk}
    assert listed(f"q={booking.reference}") == {deposit.pk, balance.pk}


def test_a_bookings_page_lists_its_payments_with_links_to_stripe(
    owner, studio, django_assert_max_num_queries
):
    booking = BookingFactory(price=15000, deposit=5000)
    paid(booking, 5000, datetime(2026, 6, 3, tzinfo=UTC), pi="pi_abc", refunded=1000)
    # The page and its payments, plus the booking's story: history, emails, gallery, client,
    # documents (and the templates one may send), invoices and receipts.
    with django_assert_max_num_queries(24):
        response = owner.get(reverse("admin:shoots_booking_change", args=[booking.pk]))
    page = text(response)
    assert 'href="https://dashboard.stripe.com/payments/pi_abc"' in page
    assert "Received £40.00 of £150.00" in page
    assert "Partly refunded" in page


def test_payments_and_stripe_events_cannot_be_added_or_edited_by_hand(owner, studio):
    booking = BookingFactory()
    payment = paid(booking, 5000, datetime(2026, 6, 3, tzinfo=UTC))
    assert owner.get(reverse("admin:shoots_payment_add")).status_code == 403
    owner.post(
        reverse("admin:shoots_payment_change", args=[payment.pk]),
        {"amount": "1", "status": "refunded"},
    )
    payment.refresh_from_db()
    assert (payment.amount, payment.status) == (5000, Payment.Status.PAID)
    event = StripeEvent.objects.create(event_id="evt_1", type="charge.refunded")
    assert owner.get(reverse("admin:shoots_stripeevent_change", args=[event.pk])).status_code == 200
    assert owner.get(reverse("admin:shoots_stripeevent_add")).status_code == 403


def test_the_refund_page_is_for_staff_only(client, studio, anna):
    payment = paid(BookingFactory(client=anna), 5000, datetime(2026, 6, 3, tzinfo=UTC))
    response = client.get(reverse("admin:shoots_payment_refund", args=[payment.pk]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_who_may_only_look_at_payments_cannot_refund(client, studio):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    viewer = UserFactory(username="assistant", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_payment"))
    payment = paid(BookingFactory(), 5000, datetime(2026, 6, 3, tzinfo=UTC), pi="pi_view")
    client.force_login(viewer)
    page = text(client.get(reverse("admin:shoots_payment_change", args=[payment.pk])))
    assert "Refund (up to" not in page
    response = client.post(
        reverse("admin:shoots_payment_refund", args=[payment.pk]), {"amount": "10.00"}
    )
    assert response.status_code == 403
    assert not Refund.objects.exists()


NEW_YORK = ZoneInfo("America/New_York")


def new_york(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


def test_monthly_totals_add_up_a_month_of_mixed_payments_as_stripe_took_them(
    owner,
    studio,
    stripe_standin,
    post_event,
    eager_tasks,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    """June 2026 in a New York studio, every payment made through Stripe's API and its
    webhooks: deposits, balances, extras, a deposit paid twice (the second refunded), partial
    refunds, a refund Stripe refuses, euros beside pounds, and payments at 23:30 on the last
    evening of May and of June, which are already the next month in UTC."""
    Studio.objects.filter(pk=1).update(time_zone="America/New_York")
    pounds = SessionTypeFactory(currency="GBP", price=10000, deposit=5000)

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    def at(when):
        return time_machine.travel(when, tick=False)

    def pay(payment: Payment, when: datetime, *, twice: bool = False) -> Payment:
        with at(when):
            payment_checkout_url(payment_id=payment.pk)
            pages = [Payment.objects.get(pk=payment.pk).stripe_checkout_session_id]
            if twice:  # a second page for the same deposit (two tabs), both paid
                Payment.objects.filter(pk=payment.pk).update(checkout_url="")
                payment_checkout_url(payment_id=payment.pk)
                pages.append(Payment.objects.get(pk=payment.pk).stripe_checkout_session_id)
            for session in [stripe_standin.complete_session(page) for page in pages]:
                with run():
                    event = stripe_standin.event("checkout.session.completed", session)
                    assert post_event(event).status_code == 200
        payment.refresh_from_db()
        assert payment.status == Payment.Status.PAID
        return payment

    def deposit(when: datetime) -> Payment:
        with at(when):
            booking = BookingFactory(
                session_type=pounds,
                status=Booking.Status.HELD,
                hold_expires_at=when + timedelta(hours=1),
                starts_at=when + timedelta(days=20),
            )
            return deposit_payment_create(booking)

    def balance(amount: int, currency: str, when: datetime) -> Payment:
        with at(when), run():
            booking = BookingFactory(
                session_type=SessionTypeFactory(currency=currency, price=amount, deposit=0),
                starts_at=when - timedelta(days=3),
            )
            return balance_request(booking_id=booking.pk)

    def refund(payment: Payment, amount: int, when: datetime) -> Refund:
        with at(when), run():
            made = refund_create(payment_id=payment.pk, amount=amount)
        made.refresh_from_db()
        return made

    pay(balance(3500, "GBP", new_york(5, 31, 23, 30)), new_york(5, 31, 23, 30))
    first_deposit = pay(deposit(new_york(6, 2, 10)), new_york(6, 2, 10))
    paid_balance = pay(balance(10000, "GBP", new_york(6, 10, 12)), new_york(6, 10, 12))
    assert refund(paid_balance, 3000, new_york(6, 12, 9)).status == Refund.Status.SUCCEEDED
    with at(new_york(6, 15, 16)):
        extras = Payment.objects.create(
            booking=paid_balance.booking, kind=Payment.Kind.EXTRAS, amount=4000, currency="GBP"
        )
    pay(extras, new_york(6, 15, 16))
    twice = pay(deposit(new_york(6, 18, 11)), new_york(6, 18, 11), twice=True)
    duplicate = Refund.objects.get(reason=Refund.Reason.DUPLICATE)
    assert (duplicate.amount, duplicate.status) == (5000, Refund.Status.SUCCEEDED)
    stripe_standin.fail_next("POST", "/v1/refunds", status=400)
    assert refund(twice, 2000, new_york(6, 19, 10)).status == Refund.Status.FAILED
    euros = pay(balance(8000, "EUR", new_york(6, 20, 14)), new_york(6, 20, 14))
    assert refund(euros, 1000, new_york(6, 21, 9)).currency == "EUR"
    pay(balance(7000, "GBP", new_york(6, 30, 23, 30)), new_york(6, 30, 23, 30))
    pay(balance(6000, "GBP", new_york(7, 1, 0, 30)), new_york(7, 1, 0, 30))
    refund(first_deposit, 2500, new_york(7, 2, 10))  # a June payment, refunded in July

    with at(new_york(7, 3, 12)):
        with django_assert_num_queries(1):
            ledger = money_ledger(since=new_york(5, 1, 0), until=new_york(8, 1, 0), zone=NEW_YORK)
        with django_assert_max_num_queries(10):
            response = owner.get(reverse("admin:shoots_payment_changelist"))
        dashboard = " ".join(re.sub(r"<[^>]+>", " ", text(owner.get("/admin/"))).split())
    page = text(response)
    start = page.index('id="monthly-totals"')
    rows = re.findall(r"<tr>(.*?)</tr>", page[start : page.index("</table>", start)])
    books = "|Tax summary| · |CSV"  # each month's books
    assert [re.sub(r"(<[^>]+>)+", "|", row).strip("|") for row in rows[1:]] == [
        "July 2026|1|£60.00|£25.00|£35.00" + books,
        "June 2026|1|€80.00|€10.00|€70.00" + books,
        "June 2026|6|£360.00|£80.00|£280.00" + books,
        "May 2026|1|£35.00|£0.00|£35.00" + books,
    ]
    assert "Received (less refunds) £35.00 €70.00 £280.00" in dashboard
    assert [(r.month, r.currency, r.count, r.received, r.refunded, r.net) for r in ledger] == [
        (date(2026, 7, 1), "GBP", 1, 6000, 2500, 3500),
        (date(2026, 6, 1), "EUR", 1, 8000, 1000, 7000),
        # £50 + £100 + £40 + £50 twice + £70 in; £30 and the duplicate's £50 back.
        (date(2026, 6, 1), "GBP", 6, 36000, 8000, 28000),
        (date(2026, 5, 1), "GBP", 1, 3500, 0, 3500),
    ]
