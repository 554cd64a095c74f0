"""A payment confirmed while the client cancels or moves the same booking: no deadlock, one
consistent outcome. Every path locks photographer, then booking, then payment."""

import threading
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from sessions.booking_changes import BookingChangeRefused, booking_cancel, booking_reschedule
from sessions.models import AvailabilityRule, Booking, Payment, Refund
from sessions.payments.checkout import payment_checkout_url
from sessions.payments.webhooks import payment_refresh
from studio.celery import app as celery_app
from tests.factories import BookingFactory, ClientFactory, PhotographerFactory, SessionTypeFactory

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
ROUNDS = 6


def race(*actions) -> list[BaseException]:
    start = threading.Barrier(len(actions))
    errors: list[BaseException] = []

    def run(action):
        try:
            start.wait()
            action()
        except BookingChangeRefused:
            pass  # a fair answer when the other side got there first
        except BaseException as error:  # a deadlock or a 500 in the making
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_paying_while_cancelling_or_moving_never_deadlocks(studio, stripe_standin):
    maya = PhotographerFactory()
    for weekday in range(7):
        AvailabilityRule.objects.create(
            photographer=maya, weekday=weekday, start_time=time(8), end_time=time(20)
        )
    portrait = SessionTypeFactory(duration_minutes=60, deposit=5000, photographers=[maya])
    for n in range(ROUNDS):
        starts_at = NOW + timedelta(days=5 + n, hours=1)
        booking = BookingFactory(
            client=ClientFactory(),
            session_type=portrait,
            photographer=maya,
            starts_at=starts_at,
            status=Booking.Status.HELD,
            hold_expires_at=NOW + timedelta(minutes=30),
        )
        payment = Payment.objects.create(
            booking=booking, kind=Payment.Kind.DEPOSIT, amount=5000, currency="GBP"
        )
        payment_checkout_url(payment_id=payment.pk)
        payment.refresh_from_db()
        stripe_standin.complete_session(payment.stripe_checkout_session_id)
        moving = n % 2 == 1

        def change(booking=booking, starts_at=starts_at, moving=moving):
            if moving:
                booking_reschedule(
                    booking_id=booking.pk,
                    starts_at=starts_at + timedelta(hours=2),
                    tz=LONDON,
                    by_client=True,
                )
            else:
                booking_cancel(booking_id=booking.pk, by_client=True)

        errors = race(change, lambda payment=payment: payment_refresh(payment_id=payment.pk))
        assert errors == []
        booking.refresh_from_db()
        payment.refresh_from_db()
        assert payment.status == Payment.Status.PAID
        if moving:
            assert booking.status == Booking.Status.CONFIRMED
            assert booking.starts_at == starts_at + timedelta(hours=2)
            assert not Refund.objects.filter(payment=payment).exists()
        else:
            # Cancelled first (the payment then came too late) or paid first (then cancelled
            # in time): either way the client gets the deposit back, once.
            assert booking.status == Booking.Status.CANCELLED
            assert [r.amount for r in Refund.objects.filter(payment=payment)] == [5000]
    celery_app.control.purge()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", ["cancel", "reschedule"])
@time_machine.travel(NOW, tick=False)
def test_a_change_arriving_while_a_payment_holds_the_photographer_waits_its_turn(
    studio, stripe_standin, monkeypatch, change
):
    """The interleaving that deadlocked when cancel and reschedule locked the booking before
    the photographer: the payment takes the photographer, then the change starts."""
    from sessions.payments import webhooks as payments

    maya = PhotographerFactory()
    for weekday in range(7):
        AvailabilityRule.objects.create(
            photographer=maya, weekday=weekday, start_time=time(8), end_time=time(20)
        )
    portrait = SessionTypeFactory(duration_minutes=60, deposit=5000, photographers=[maya])
    starts_at = NOW + timedelta(days=5, hours=1)
    booking = BookingFactory(
        session_type=portrait,
        photographer=maya,
        starts_at=starts_at,
        status=Booking.Status.HELD,
        hold_expires_at=NOW + timedelta(minutes=30),
    )
    payment = Payment.objects.create(
        booking=booking, kind=Payment.Kind.DEPOSIT, amount=5000, currency="GBP"
    )
    payment_checkout_url(payment_id=payment.pk)
    payment.refresh_from_db()
    stripe_standin.complete_session(payment.stripe_checkout_session_id)
    holding = threading.Event()
    real_lock = payments.photographers_lock

    def lock_then_pause(ids):
        real_lock(ids)
        holding.set()
        threading.Event().wait(1.0)  # the change starts while this lock is held

    monkeypatch.setattr(payments, "photographers_lock", lock_then_pause)

    def pay():
        payment_refresh(payment_id=payment.pk)

    def client_change():
        holding.wait(10)
        if change == "cancel":
            booking_cancel(booking_id=booking.pk, by_client=True)
        else:
            booking_reschedule(
                booking_id=booking.pk,
                starts_at=starts_at + timedelta(hours=2),
                tz=LONDON,
                by_client=True,
            )

    assert race(pay, client_change) == []
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    expected = Booking.Status.CANCELLED if change == "cancel" else Booking.Status.CONFIRMED
    assert booking.status == expected
    celery_app.control.purge()
