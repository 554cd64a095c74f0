"""Payments in the admin: the list with its filters and monthly totals, a booking's payments."""

import html
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from sessions.models import Payment, Refund, StripeEvent
from tests.factories import BookingFactory


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
    # The page and its payments, plus the booking's story: history, emails, gallery, client.
    with django_assert_max_num_queries(21):
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
