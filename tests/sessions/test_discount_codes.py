"""Discount codes: what one takes off, when it can't be used and why, what the deposit
becomes, the details page that shows it, and a use given back when a booking ends."""

import html
import re
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from clients.models import Client
from sessions.access import booking_url
from sessions.booking_changes import booking_cancel
from sessions.models import Booking, CodeRedemption, DiscountCode, Payment
from sessions.payments.checkout import booking_holds_expire
from sessions.payments.redemptions import CodeRefused, code_reduction
from sessions.services import booking_create
from tests.factories import ClientFactory, SessionTypeFactory
from tests.payment_fixtures import LONDON, PAY_NOW, PAY_TEN

FORM = {"name": "Rosa Diaz", "email": "rosa@example.com", "phone": "", "notes": ""}


def spring(**fields) -> DiscountCode:
    return DiscountCode.objects.create(**{"code": "SPRING25", "percent_off": 2500, **fields})


def details_url() -> str:
    url = reverse("sessions:booking-create", args=["portrait"])
    return f"{url}?{urlencode({'start': PAY_TEN.isoformat()})}"


def text(response) -> str:
    return html.unescape(response.content.decode())


def book(portrait, code, *, client=None, starts_at=PAY_TEN) -> Booking:
    return booking_create(
        client=client or ClientFactory(),
        session_type=portrait,
        starts_at=starts_at,
        tz=LONDON,
        code=code,
    )


@pytest.mark.parametrize(
    ("percent_off", "amount_off", "price", "taken"),
    [
        (2500, None, 15000, 3750),
        (1250, None, 999, 125),  # 124.875 rounds up
        (1000, None, 5, 1),  # exactly half a penny: away from zero
        (1000, None, 4, 0),
        (3333, None, 100, 33),
        (10000, None, 15000, 15000),
        (None, 2000, 15000, 2000),
        (None, 20000, 15000, 15000),  # never more than the price
    ],
)
def test_what_a_code_takes_off(percent_off, amount_off, price, taken):
    code = DiscountCode(code="X", percent_off=percent_off, amount_off=amount_off, currency="GBP")
    assert code_reduction(code, price) == taken


def test_a_code_takes_its_share_off_the_price_and_keeps_the_deposit(
    stripe_standin, pay_clock, portrait
):
    spring()
    booking = book(portrait, "spring25")  # capitals or not, the same code

    assert (booking.price, booking.discount, booking.total) == (15000, 3750, 11250)
    assert booking.deposit == 5000
    assert booking.status == Booking.Status.HELD
    assert booking.payments.get(kind=Payment.Kind.DEPOSIT).amount == 5000
    (use,) = CodeRedemption.objects.all()
    assert (use.booking, use.amount, use.currency, use.released_at) == (booking, 3750, "GBP", None)
    assert use.description == "Discount SPRING25 (25%)"


def test_the_deposit_is_never_more_than_what_is_left_to_pay(stripe_standin, pay_clock, portrait):
    DiscountCode.objects.create(code="FRIENDS", amount_off=12000, currency="GBP")
    booking = book(portrait, "FRIENDS")

    assert (booking.discount, booking.deposit) == (12000, 3000)
    assert booking.payments.get(kind=Payment.Kind.DEPOSIT).amount == 3000
    assert CodeRedemption.objects.get().description == "Discount FRIENDS"


def test_a_code_covering_the_whole_price_confirms_without_payment(
    stripe_standin, pay_clock, portrait
):
    DiscountCode.objects.create(code="ONTHEHOUSE", percent_off=10000)
    booking = book(portrait, "onthehouse")

    assert (booking.discount, booking.deposit, booking.status) == (15000, 0, "confirmed")
    assert not booking.payments.exists()
    assert stripe_standin.requests_to("POST", "/v1/checkout/sessions") == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"valid_until": date(2026, 5, 31)}, "That code has expired."),
        ({"valid_from": date(2026, 6, 2)}, "That code can be used from 2 June 2026."),
        ({"is_active": False}, "We don't recognise that code."),
        ({"usage_limit": 0}, "That code has been used up."),
        ({"percent_off": None, "amount_off": 500, "currency": "EUR"}, "can't be used for this"),
    ],
)
def test_a_code_that_cannot_be_used_books_nothing(
    stripe_standin, pay_clock, portrait, fields, message
):
    spring(**fields)
    with pytest.raises(CodeRefused, match=message):
        book(portrait, "SPRING25")
    assert not Booking.objects.exists()
    assert not CodeRedemption.objects.exists()


def test_a_code_is_usable_on_its_last_day_in_the_studios_time_zone(pay_clock, portrait):
    # 09:00 on 1 June in London: 1 June is still the last day, whatever UTC says.
    spring(valid_until=date(2026, 6, 1), valid_from=date(2026, 6, 1))
    assert book(portrait, "SPRING25").discount == 3750


def test_a_code_for_other_session_types_says_which_session_it_is_not_for(pay_clock, portrait):
    headshot = SessionTypeFactory(name="Headshot", slug="headshot")
    spring().session_types.add(headshot)
    with pytest.raises(CodeRefused, match=r"That code is not for Portrait sessions\."):
        book(portrait, "SPRING25")


def test_a_code_for_once_per_client_refuses_the_same_email_twice(pay_clock, portrait):
    spring(once_per_client=True)
    rosa = ClientFactory(email="Rosa@Example.com")
    book(portrait, "SPRING25", client=rosa)
    with pytest.raises(CodeRefused, match="already been used with this email address"):
        book(portrait, "SPRING25", client=rosa, starts_at=PAY_TEN + timedelta(hours=2))
    assert book(portrait, "SPRING25", starts_at=PAY_TEN + timedelta(hours=2)).discount == 3750


def test_a_cancelled_booking_gives_its_use_back(stripe_standin, pay_clock, portrait):
    spring(usage_limit=1)
    first = book(portrait, "SPRING25")
    with pytest.raises(CodeRefused, match="used up"):
        book(portrait, "SPRING25", starts_at=PAY_TEN + timedelta(hours=2))

    booking_cancel(booking_id=first.pk, by_client=False)

    assert CodeRedemption.objects.get(booking=first).released_at == PAY_NOW
    first.refresh_from_db()
    assert first.discount == 3750  # what was agreed stays on the booking
    assert book(portrait, "SPRING25", starts_at=PAY_TEN + timedelta(hours=2)).discount == 3750


def test_a_hold_that_runs_out_gives_its_use_back(stripe_standin, pay_clock, portrait):
    spring(usage_limit=1)
    held = book(portrait, "SPRING25")
    pay_clock.shift(timedelta(minutes=31))
    # Its hold is over: the use no longer counts, even before the scan closes it.
    later = book(portrait, "SPRING25", starts_at=PAY_TEN + timedelta(hours=2))
    assert later.discount == 3750

    assert booking_holds_expire() == 1
    assert CodeRedemption.objects.get(booking=held).released_at is not None
    assert CodeRedemption.objects.get(booking=later).released_at is None
    held.refresh_from_db()
    assert held.status == Booking.Status.EXPIRED


# --- The details page ------------------------------------------------------------------


def test_apply_shows_the_discount_the_new_total_and_the_deposit(
    client, stripe_standin, pay_clock, portrait
):
    spring()
    response = client.post(
        details_url(), {**FORM, "code": "spring25", "apply_code": "1"}, follow=True
    )

    # Shown by a GET after the post, so Back or a reload never sends the form again.
    assert [code for _url, code in response.redirect_chain] == [302]
    assert response.request["REQUEST_METHOD"] == "GET"
    page = text(response)
    assert "Discount SPRING25 (25%)" in page
    assert "−£37.50" in page
    assert "New total" in page
    assert "£112.50" in page
    assert "£50.00 deposit to book" in page
    assert 'value="Rosa Diaz"' in page  # what was typed is kept
    assert not Booking.objects.exists()


def test_apply_asks_for_nothing_else_yet(client, pay_clock, portrait):
    spring()
    response = client.post(details_url(), {"code": "SPRING25", "apply_code": "1"}, follow=True)
    page = text(response)
    assert "£112.50" in page
    assert "This field is required" not in page
    assert "£112.50" in text(client.get(details_url()))  # a reload keeps the code and total


def test_a_refused_code_shows_the_form_again_with_everything_typed(
    client, stripe_standin, pay_clock, portrait
):
    spring(valid_until=date(2026, 5, 1))
    response = client.post(details_url(), {**FORM, "notes": "Two dogs", "code": "SPRING25"})

    assert response.status_code == 200
    page = text(response)
    assert "That code has expired." in page
    for typed in ('value="Rosa Diaz"', "Two dogs", 'value="SPRING25"'):
        assert typed in page
    assert not Booking.objects.exists()
    assert not Client.objects.exists()


def test_booking_with_a_code_pays_the_deposit_and_the_booking_page_shows_the_discount(
    client, stripe_standin, pay_clock, portrait
):
    DiscountCode.objects.create(code="FRIENDS", amount_off=12000, currency="GBP")
    response = client.post(details_url(), {**FORM, "code": "FRIENDS"})

    booking = Booking.objects.get()
    assert response.status_code == 303
    assert booking.discount == 12000
    (created,) = stripe_standin.requests_to("POST", "/v1/checkout/sessions")
    assert created.params["line_items"][0]["price_data"]["unit_amount"] == "3000"
    page = text(client.get(booking_url(booking)))
    assert "less £120.00 discount: £30.00" in page


# --- The studio's admin ------------------------------------------------------------------

ADMIN_FORM = {
    "code": "SUMMER",
    "percent_off": "",
    "amount_off": "",
    "currency": "GBP",
    "valid_from": "",
    "valid_until": "",
    "usage_limit": "",
    "is_active": "on",
    "redemptions-TOTAL_FORMS": "0",
    "redemptions-INITIAL_FORMS": "0",
}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ({"percent_off": "12.5"}, (1250, None)),
        ({"amount_off": "20.00"}, (None, 2000)),
    ],
)
def test_the_studio_types_a_percentage_or_an_amount_as_people_write_them(
    client, staff_user, studio, typed, stored
):
    client.force_login(staff_user)
    response = client.post(reverse("admin:shoots_discountcode_add"), {**ADMIN_FORM, **typed})
    assert response.status_code == 302, response.context["adminform"].form.errors
    code = DiscountCode.objects.get()
    assert (code.percent_off, code.amount_off) == stored
    listing = text(client.get(reverse("admin:shoots_discountcode_changelist")))
    assert ("12.5%" if stored[0] else "£20.00") in listing
    edit = text(client.get(reverse("admin:shoots_discountcode_change", args=[code.pk])))
    field = "percent_off" if stored[0] else "amount_off"
    shown = re.search(rf'name="{field}" value="([^"]*)"', edit)
    assert shown, edit
    assert Decimal(shown[1]) == (Decimal("12.5") if stored[0] else Decimal(20))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ({}, "Give either a percentage off or an amount off"),
        ({"percent_off": "10", "amount_off": "5"}, "Give either a percentage off or an amount off"),
        ({"percent_off": "120"}, "less than or equal to 100"),
        ({"amount_off": "5", "currency": ""}, "Choose the currency of the amount off."),
        ({"code": "spring25", "percent_off": "10"}, "There is already a code like this."),
        ({"percent_off": "10", "usage_limit": "0"}, "A code for no uses could never be used"),
    ],
)
def test_the_admin_refuses_a_code_that_makes_no_sense(client, staff_user, studio, typed, message):
    spring()
    client.force_login(staff_user)
    response = client.post(reverse("admin:shoots_discountcode_add"), {**ADMIN_FORM, **typed})
    assert response.status_code == 200
    assert message in text(response)
    assert DiscountCode.objects.count() == 1


def test_the_admin_lists_how_often_a_code_was_used(client, staff_user, pay_clock, portrait):
    spring(usage_limit=5)
    book(portrait, "SPRING25")
    client.force_login(staff_user)
    assert "1 of 5" in text(client.get(reverse("admin:shoots_discountcode_changelist")))
