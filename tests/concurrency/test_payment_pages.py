"""Several tabs ask for a new payment page at once, after the amount changed: one page
stays open at Stripe, and it is the one every tab was sent to."""

import threading
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection

from sessions.models import Booking, Payment
from sessions.payments.checkout import balance_request, payment_checkout_url
from sessions.payments.errors import PaymentRefused
from tests.factories import BookingFactory

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
TABS = 6


@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW, tick=False)
def test_tabs_opening_payment_pages_at_once_leave_one_page_to_pay(studio, stripe_standin):
    booking = BookingFactory(price=15000, deposit=0, starts_at=NOW)
    balance = balance_request(booking_id=booking.pk)
    first_page = payment_checkout_url(payment_id=balance.pk)
    Booking.objects.filter(pk=booking.pk).update(discount=2000)  # every tab needs a new page
    start = threading.Barrier(TABS)
    sent_to: list[str] = []
    refused: list[str] = []
    errors: list[BaseException] = []

    def tab():
        try:
            start.wait()
            sent_to.append(payment_checkout_url(payment_id=balance.pk))
        except PaymentRefused as refusal:  # "another page was just opened": try again
            refused.append(refusal.message)
        except BaseException as error:  # a 500 in the making
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=tab) for _ in range(TABS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(sent_to) + len(refused) == TABS
    assert set(refused) <= {
        "Another payment page was just opened for this. Please try again in a moment."
    }
    pages = {
        session["url"]: session["status"]
        for session in stripe_standin.sessions.values()
        if session["metadata"]["payment_id"] == str(balance.pk)
    }
    open_pages = [url for url, status in pages.items() if status == "open"]
    balance.refresh_from_db()
    assert open_pages == [balance.checkout_url]
    assert pages[first_page] == "expired"
    assert set(sent_to) <= set(open_pages)
    assert (balance.amount, balance.status) == (13000, Payment.Status.PENDING)
    again = payment_checkout_url(payment_id=balance.pk)
    assert again == balance.checkout_url  # a tab that was refused gets that same page
